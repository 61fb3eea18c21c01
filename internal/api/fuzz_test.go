package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
)

// refusedWell fails t unless err is an EInvalid *grievance.Error whose
// message and field messages exist in both languages: bad input must get
// a clear message, never an internal error.
func refusedWell(t *testing.T, cat *i18n.Catalogue, err error) {
	t.Helper()
	e := grievance.AsError(err)
	if e.Code != grievance.EInvalid {
		t.Fatalf("refused with code %q (%v), want invalid", e.Code, err)
	}
	for _, k := range append([]string{e.Key}, func() []string {
		var ks []string
		for _, v := range e.Fields {
			ks = append(ks, v)
		}
		return ks
	}()...) {
		for _, lang := range i18n.Languages {
			if cat.T(lang, k) == k {
				t.Fatalf("message %q has no %s text", k, lang)
			}
		}
	}
}

// FuzzDecodeJSON: any body either decodes into each request type or is
// refused with a translated invalid-input error; what decodes is valid
// UTF-8.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"राम","mobile":"9876543210","category":"mun-garbage","area":"w1","address":"गली","description":"कूड़ा","lat":26.8,"long":80.9}`,
		`{"note":"done","to":"mun-l2","lat":26.85,"long":80.94}`,
		`{"login":"mun-l1","password":"x","label":"phone"}`,
		`{"mobile":"9876543210","code":"123456"}`,
		`{}`, `[]`, `null`, `{"name":1}`, `{"lat":"x"}`, `{"extra":true}`, `{} {}`, `{"name":"\xff"}`, "\xef\xbb\xbf{}", `{"name":"a"`,
		`{"lat":1e999}`, strings.Repeat(`{"a":`, 10000),
	} {
		f.Add([]byte(s))
	}
	cat := i18n.MustLoad()
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{&complaintRequest{}, &actionRequest{}, &loginRequest{}, &otpRequest{}, &otpVerifyRequest{}}
		for _, v := range targets {
			r := httptest.NewRequest("POST", "/api/v1/x", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json; charset=utf-8")
			err := decode(httptest.NewRecorder(), r, v)
			if err != nil {
				refusedWell(t, cat, err)
				continue
			}
			if !utf8.Valid(body) {
				t.Fatalf("invalid UTF-8 accepted: %q", body)
			}
		}
	})
}

// multipartBody is a form with a fixed boundary, so that the fuzzer can
// mutate the raw bytes around it.
const fuzzBoundary = "FUZZBOUNDARY"

func multipartSeed(fields map[string]string, photo []byte) []byte {
	var b strings.Builder
	for k, v := range fields {
		b.WriteString("--" + fuzzBoundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n")
	}
	if photo != nil {
		b.WriteString("--" + fuzzBoundary + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n")
		b.Write(photo)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + fuzzBoundary + "--\r\n")
	return []byte(b.String())
}

// pngHeader is the start of a PNG: enough for content sniffing.
var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

// FuzzMultipartForms: any multipart body either parses into a filing and an
// action-taken report whose photos are all accepted images within the size
// limit and whose location is both-or-neither, or is refused with a
// translated invalid-input error.
func FuzzMultipartForms(f *testing.F) {
	f.Add(multipartSeed(map[string]string{"name": "राम", "mobile": "9876543210", "lat": "26.8", "long": "80.9"}, pngHeader))
	f.Add(multipartSeed(map[string]string{"note": "done"}, []byte("not an image")))
	f.Add(multipartSeed(map[string]string{"lat": "26.8"}, nil))
	f.Add(multipartSeed(map[string]string{"lat": "x", "long": "y"}, nil))
	f.Add([]byte("--" + fuzzBoundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\na\r\n--" + fuzzBoundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nb\r\n--" + fuzzBoundary + "--\r\n"))
	f.Add([]byte("--" + fuzzBoundary + "\r\n"))
	f.Add([]byte(""))
	const maxPhoto = 1 << 10
	cat := i18n.MustLoad()
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, which := range []string{"complaint", "report"} {
			r := httptest.NewRequest("POST", "/api/v1/x", bytes.NewReader(body))
			r.Header.Set("Content-Type", "multipart/form-data; boundary="+fuzzBoundary)
			w := httptest.NewRecorder()
			var photos []grievance.Upload
			var lat, long *float64
			var err error
			if which == "complaint" {
				var req complaintRequest
				req, photos, err = parseComplaintForm(w, r, maxPhoto)
				lat, long = req.Lat, req.Long
			} else {
				var req actionRequest
				req, photos, err = parseActionForm(w, r, maxPhoto)
				lat, long = req.Lat, req.Long
			}
			if r.MultipartForm != nil {
				r.MultipartForm.RemoveAll()
			}
			if err != nil {
				refusedWell(t, cat, err)
				continue
			}
			if (lat == nil) != (long == nil) {
				t.Fatalf("%s: half a location accepted", which)
			}
			if len(photos) > grievance.MaxPhotos {
				t.Fatalf("%s: %d photos accepted", which, len(photos))
			}
			for _, p := range photos {
				if len(p.Data) > maxPhoto || !allowedImage[http.DetectContentType(p.Data)] || p.ContentType != http.DetectContentType(p.Data) {
					t.Fatalf("%s: photo of %d bytes, type %q accepted", which, len(p.Data), p.ContentType)
				}
			}
		}
	})
}
