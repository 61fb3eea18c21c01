package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nivaran/internal/auth"
	"nivaran/internal/i18n"
	"nivaran/internal/masters"
	"nivaran/internal/store"
)

// FuzzComplaintCreate posts arbitrary bodies to POST /api/v1/complaints on
// a real store: no body may get a 5xx, a refusal must be a JSON error with
// a message, and an acceptance a 201 with the complaint's number.
//
//	go test ./internal/api -run '^$' -fuzz FuzzComplaintCreate -fuzztime 30s
func FuzzComplaintCreate(f *testing.F) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(f.TempDir(), "nivaran.db")})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	def, err := masters.Default()
	if err != nil {
		f.Fatal(err)
	}
	if err := st.ReplaceMasters(ctx, def); err != nil {
		f.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	h := (&Server{Complaints: st, Masters: st, Catalogue: cat, Public: auth.NewLimiter(0, time.Minute, nil),
		ClientAddr: func(*http.Request) string { return "fuzz" }, Location: time.UTC}).Handler()
	for _, s := range []string{
		`{"name":"राम","mobile":"9876543210","language":"hi","category":"mun-garbage","area":"w-z1-aminabad","address":"गली","description":"कूड़ा"}`,
		`{"name":"<script>","mobile":"' OR 1=1","category":"mun-garbage","area":"w-z1-aminabad","lat":91,"long":-181}`,
		`{"lat":1e400}`, `[[[[[[`, `{"name":"\ud800"}`, "\xff\xfe", `{"x":1}`, `null`, `{"name":"a"}{"name":"b"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/api/v1/complaints", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusCreated:
			if !strings.Contains(rec.Body.String(), `"number":"`) {
				t.Fatalf("201 without a number: %s", rec.Body)
			}
		case rec.Code >= 500:
			t.Fatalf("%q: status %d %s", body, rec.Code, rec.Body)
		case !strings.Contains(rec.Body.String(), `"message":"`):
			t.Fatalf("%q: status %d without a message: %s", body, rec.Code, rec.Body)
		}
	})
}
