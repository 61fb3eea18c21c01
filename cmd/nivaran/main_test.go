package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"nivaran/internal/config"
	"nivaran/internal/masters"
	"nivaran/internal/store/pgtest"
)

const (
	testAdminPassword = "admin-test-password"
	testDemoPassword  = "officer-test-password"
)

// MustRunMain starts a server on a free loopback port with a data
// directory (a new temporary one when data is ""), and stops it at the end
// of the test.
func MustRunMain(t testing.TB, data string, env map[string]string) *Main {
	t.Helper()
	return mustRunMainAt(t, data, env, nil)
}

// mustRunMainAt is MustRunMain with the server's clock (nil: time.Now).
func mustRunMainAt(t testing.TB, data string, env map[string]string, now func() time.Time) *Main {
	t.Helper()
	if data == "" {
		data = t.TempDir()
	}
	vars := map[string]string{
		"NIVARAN_ADMIN_PASSWORD": testAdminPassword,
		"NIVARAN_DEMO_PASSWORD":  testDemoPassword,
		"NIVARAN_RATE_LIMITS":    "off",
		"NIVARAN_LOG_LEVEL":      "error",
	}
	for k, v := range env {
		vars[k] = v
	}
	if _, set := vars["NIVARAN_DATABASE_URL"]; !set && os.Getenv("NIVARAN_TEST_E2E_POSTGRES") != "" {
		vars["NIVARAN_DATABASE_URL"] = e2eDatabase(t, data)
	}
	c, err := config.Load([]string{"--addr", "127.0.0.1:0", "--data", data}, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	m.Config = c
	if now != nil {
		m.Now = now
	}
	var out bytes.Buffer
	m.Out = &out
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m
}

// e2eDatabases are the PostgreSQL databases of the end-to-end tests by data
// directory, so that a server restarted on the same directory finds its
// database again.
var e2eDatabases sync.Map

// e2eDatabase is the PostgreSQL database of data directory data, with
// NIVARAN_TEST_E2E_POSTGRES set: the end-to-end tests then run on
// PostgreSQL (on the server pgtest names) instead of SQLite.
func e2eDatabase(t testing.TB, data string) string {
	u, ok := e2eDatabases.Load(data)
	if !ok {
		u = pgtest.MustDatabase(t)
		e2eDatabases.Store(data, u)
	}
	// The commands a test runs (masters, user) find it as an operator's
	// would: in the environment.
	t.Setenv("NIVARAN_DATABASE_URL", u.(string))
	return u.(string)
}

// URL returns the server's base URL.
func (m *Main) URL() string { return "http://" + m.Addr() }

// client is a browser-like HTTP client: cookies, no automatic redirects.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	lang string
}

func newClient(t testing.TB, m *Main) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: m.URL(), lang: "hi", http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	if c.lang != "" {
		req.AddCookie(&http.Cookie{Name: "lang", Value: c.lang})
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	return c.do(req)
}

func (c *client) postForm(path string, v url.Values) response {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// file is an upload for postMultipart.
type file struct {
	field, name string
	data        []byte
}

func (c *client) postMultipart(path string, v url.Values, files ...file) response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range v {
		for _, s := range vs {
			mw.WriteField(k, s)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile(f.field, f.name)
		w.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func (c *client) postJSON(path string, body string) response {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the form on a page.
func csrf(t testing.TB, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%.500s", body)
	}
	return m[1]
}

// login signs in as login and returns the session's CSRF token.
func (c *client) login(login, password string) string {
	c.t.Helper()
	page := c.get("/officer/login")
	res := c.postForm("/officer/login", url.Values{"csrf": {csrf(c.t, page.Body)}, "login": {login}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d, want 303\n%.800s", login, res.Status, res.Body)
	}
	return csrf(c.t, c.get(res.Location).Body)
}

// pngImage returns a small valid PNG.
func pngImage(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fileJSON files a complaint through the API and returns the answer.
func fileJSON(t testing.TB, c *client, fields map[string]any) map[string]any {
	t.Helper()
	body := map[string]any{"name": "राम कुमार", "mobile": "9876543210", "language": "hi", "category": "mun-garbage",
		"area": "w-z1-aminabad", "address": "अमीनाबाद बाज़ार, गली 4", "description": "तीन दिन से कूड़ा नहीं उठा।"}
	for k, v := range fields {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	res := c.postJSON("/api/v1/complaints", string(b))
	if res.Status != http.StatusCreated {
		t.Fatalf("file: status %d: %s", res.Status, res.Body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// craftDesignation gives the post mun-l1 a Hindi designation that a
// spreadsheet would run as a formula, for the exports to neutralise, and
// returns it.
func craftDesignation(t testing.TB, m *Main) string {
	t.Helper()
	const crafted = `=HYPERLINK("http://evil.example","x")`
	def, err := masters.Default()
	if err != nil {
		t.Fatal(err)
	}
	for i := range def.Officers {
		if def.Officers[i].Code == "mun-l1" {
			def.Officers[i].Designation.Hi = crafted
		}
	}
	if err := m.Store.ReplaceMasters(context.Background(), def); err != nil {
		t.Fatal(err)
	}
	return crafted
}
