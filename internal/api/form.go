package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"nivaran/internal/grievance"
)

// allowedImage are the photo types accepted, decided by content.
var allowedImage = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true}

func isMultipart(r *http.Request) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct == "multipart/form-data"
}

// readMultipart parses a multipart body of at most the photos plus 64 KB of
// fields; too large or malformed is EInvalid, nothing half-read is used.
func readMultipart(w http.ResponseWriter, r *http.Request, maxPhoto int64) error {
	limit := maxBody + int64(grievance.MaxPhotos)*(maxPhoto+4<<10)
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err := r.ParseMultipartForm(1 << 20)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return grievance.Errorf(grievance.EInvalid, "error.body_too_large", strconv.FormatInt(limit>>10, 10))
	}
	if err != nil {
		return grievance.Errorf(grievance.EInvalid, "error.bad_form")
	}
	return nil
}

// formPhotos reads the files of field "photo": at most MaxPhotos, each at
// most max bytes and a JPEG, PNG or WebP by content.
func formPhotos(form *multipart.Form, max int64) ([]grievance.Upload, error) {
	files := form.File["photo"]
	if len(files) > grievance.MaxPhotos {
		return nil, (grievance.FieldErrors{"photo": "error.photo_count"}).Err()
	}
	var out []grievance.Upload
	for _, fh := range files {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		if fh.Size > max {
			return nil, (grievance.FieldErrors{"photo": "error.photo_size"}).Err()
		}
		f, err := fh.Open()
		if err != nil {
			return nil, (grievance.FieldErrors{"photo": "error.photo_read"}).Err()
		}
		data, err := io.ReadAll(io.LimitReader(f, max+1))
		f.Close()
		if err != nil || int64(len(data)) > max {
			return nil, (grievance.FieldErrors{"photo": "error.photo_read"}).Err()
		}
		ct := http.DetectContentType(data)
		if !allowedImage[ct] {
			return nil, (grievance.FieldErrors{"photo": "error.photo_type"}).Err()
		}
		out = append(out, grievance.Upload{ContentType: ct, Data: data})
	}
	return out, nil
}

// formValue returns the one value of a text field; a field given twice is
// refused rather than silently reduced to its first value.
func formValue(form *multipart.Form, name string) (string, error) {
	vs := form.Value[name]
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", (grievance.FieldErrors{name: "error.field_twice"}).Err()
}

// formPoint reads optional lat and long: both or neither, numbers.
func formPoint(form *multipart.Form) (lat, long *float64, err error) {
	la, err1 := formValue(form, "lat")
	lo, err2 := formValue(form, "long")
	if err := errors.Join(err1, err2); err != nil {
		return nil, nil, (grievance.FieldErrors{"location": "error.location"}).Err()
	}
	la, lo = strings.TrimSpace(la), strings.TrimSpace(lo)
	if la == "" && lo == "" {
		return nil, nil, nil
	}
	a, err1 := strconv.ParseFloat(la, 64)
	b, err2 := strconv.ParseFloat(lo, 64)
	if err1 != nil || err2 != nil {
		return nil, nil, (grievance.FieldErrors{"location": "error.location"}).Err()
	}
	return &a, &b, nil
}

// complaintFields are the text fields of a multipart filing.
var complaintFields = []string{"name", "mobile", "language", "category", "area", "address", "description"}

// parseComplaintForm reads a filing sent as multipart/form-data: the
// fields of the JSON body plus up to five files named "photo".
func parseComplaintForm(w http.ResponseWriter, r *http.Request, maxPhoto int64) (complaintRequest, []grievance.Upload, error) {
	var req complaintRequest
	if err := readMultipart(w, r, maxPhoto); err != nil {
		return req, nil, err
	}
	return complaintFromForm(r.MultipartForm, maxPhoto)
}

func complaintFromForm(form *multipart.Form, maxPhoto int64) (complaintRequest, []grievance.Upload, error) {
	var req complaintRequest
	vals := make([]string, len(complaintFields))
	for i, f := range complaintFields {
		v, err := formValue(form, f)
		if err != nil {
			return req, nil, err
		}
		vals[i] = v
	}
	req.Name, req.Mobile, req.Language, req.Category, req.Area, req.Address, req.Description =
		vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6]
	var err error
	if req.Lat, req.Long, err = formPoint(form); err != nil {
		return req, nil, err
	}
	photos, err := formPhotos(form, maxPhoto)
	return req, photos, err
}

// parseActionForm reads an action-taken report sent as multipart: note,
// lat, long and up to five files named "photo".
func parseActionForm(w http.ResponseWriter, r *http.Request, maxPhoto int64) (actionRequest, []grievance.Upload, error) {
	var req actionRequest
	if err := readMultipart(w, r, maxPhoto); err != nil {
		return req, nil, err
	}
	return actionFromForm(r.MultipartForm, maxPhoto)
}

func actionFromForm(form *multipart.Form, maxPhoto int64) (actionRequest, []grievance.Upload, error) {
	var req actionRequest
	var err error
	if req.Note, err = formValue(form, "note"); err != nil {
		return req, nil, err
	}
	if req.Lat, req.Long, err = formPoint(form); err != nil {
		return req, nil, err
	}
	photos, err := formPhotos(form, maxPhoto)
	return req, photos, err
}
