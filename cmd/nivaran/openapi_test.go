package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"nivaran/internal/api"
)

// specCheck is an http.RoundTripper that checks every exchange with
// /api/v1 against the OpenAPI document: the response always (status,
// headers, body), the request whenever the server accepted it (a refused
// request may be malformed on purpose). It records which operations were
// exercised, so that a test can require all of them.
type specCheck struct {
	t      testing.TB
	doc    *openapi3.T
	router routers.Router
	mu     sync.Mutex
	seen   map[string]bool
}

func newSpecCheck(t testing.TB, base string) *specCheck {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &specCheck{t: t, doc: doc, router: router, seen: map[string]bool{}}
}

func (sc *specCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		if len(reqBody) == 0 {
			req.Body = http.NoBody
		}
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return res, err
	}
	resBody, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(resBody))

	what := req.Method + " " + req.URL.RequestURI()
	check := req.Clone(context.Background())
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := sc.router.FindRoute(check)
	if err != nil {
		if res.StatusCode != http.StatusNotFound {
			sc.t.Errorf("%s answered %d but is not in the OpenAPI document: %v", what, res.StatusCode, err)
		}
		return res, nil
	}
	sc.mu.Lock()
	sc.seen[route.Method+" "+route.Path] = true
	sc.mu.Unlock()
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route, Options: opts}
	if res.StatusCode < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			sc.t.Errorf("%s was accepted (%d) but the request does not match the OpenAPI document: %v", what, res.StatusCode, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(resBody)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		sc.t.Errorf("%s → %d: the response does not match the OpenAPI document: %v\n%.300s", what, res.StatusCode, err, resBody)
	}
	return res, nil
}

// requireAll fails the test for every operation of the document that no
// request exercised.
func (sc *specCheck) requireAll() {
	sc.t.Helper()
	var missing []string
	for path, item := range sc.doc.Paths.Map() {
		for method := range item.Operations() {
			if !sc.seen[method+" "+path] {
				missing = append(missing, method+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		sc.t.Errorf("operations of the OpenAPI document no test exercised: %s", strings.Join(missing, ", "))
	}
}
