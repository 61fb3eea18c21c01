package web

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

// allowedImage are the photo types accepted, decided by content, not name.
var allowedImage = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true}

// parseForm parses a urlencoded or multipart form within limit bytes. Any
// other content type, a body over the limit or a malformed body is an
// EInvalid error with a message for the user; nothing is half-read.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch ct {
	case "multipart/form-data":
		err = r.ParseMultipartForm(1 << 20)
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	default:
		return grievance.Errorf(grievance.EInvalid, "error.content_type")
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return grievance.Errorf(grievance.EInvalid, "error.too_large", strconv.FormatInt(limit>>20, 10))
	}
	if err != nil {
		return grievance.Errorf(grievance.EInvalid, "error.bad_form")
	}
	return nil
}

// photos reads the uploaded files of field, at most grievance.MaxPhotos,
// each at most max bytes and a JPEG, PNG or WebP by content.
func photos(r *http.Request, field string, max int64) ([]grievance.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []grievance.Upload
	files := r.MultipartForm.File[field]
	if len(files) > grievance.MaxPhotos {
		return nil, (grievance.FieldErrors{field: "error.photo_count"}).Err()
	}
	for _, fh := range files {
		if fh.Size == 0 && fh.Filename == "" {
			continue // an empty file input
		}
		if fh.Size > max {
			return nil, (grievance.FieldErrors{field: "error.photo_size"}).Err()
		}
		data, err := readPart(fh, max)
		if err != nil {
			return nil, (grievance.FieldErrors{field: "error.photo_read"}).Err()
		}
		ct := http.DetectContentType(data)
		if !allowedImage[ct] {
			return nil, (grievance.FieldErrors{field: "error.photo_type"}).Err()
		}
		out = append(out, grievance.Upload{ContentType: ct, Data: data})
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader, max int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}

// point reads an optional location from fields lat and long. Both empty is
// no location; one without the other, or non-numbers, is an error.
func point(r *http.Request) (*grievance.Point, error) {
	la, lo := strings.TrimSpace(r.FormValue("lat")), strings.TrimSpace(r.FormValue("long"))
	if la == "" && lo == "" {
		return nil, nil
	}
	lat, err1 := strconv.ParseFloat(la, 64)
	long, err2 := strconv.ParseFloat(lo, 64)
	p := &grievance.Point{Lat: lat, Long: long}
	if err1 != nil || err2 != nil || !p.InIndia() {
		return nil, (grievance.FieldErrors{"location": "error.location"}).Err()
	}
	return p, nil
}
