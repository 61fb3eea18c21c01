package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// staffRoutes returns every route (from Main.Routes) of the officer
// console, the control room and the administration, except signing in.
func staffRoutes(m *Main) []string {
	// Public under the staff prefixes: the sign-in page, and the field
	// app's manifest, which browsers fetch without cookies.
	public := map[string]bool{"/officer/login": true, "/officer/app.webmanifest": true}
	var out []string
	for _, p := range m.Routes() {
		_, path := splitPattern(p)
		staff := false
		for _, prefix := range []string{"/officer", "/control", "/admin", "/agent"} {
			staff = staff || strings.HasPrefix(path, prefix)
		}
		if staff && !public[path] {
			out = append(out, p)
		}
	}
	return out
}

// TestAccessEveryStaffRoute extends the role matrix (roles_test.go) to
// every staff route the server registers: anonymous, a session that has
// expired and a session that was signed out are each sent to the sign-in
// page (GET) or refused (POST) on every one, changing nothing; an officer of
// another department gets 404 for a complaint on every route that names
// one.
func TestAccessEveryStaffRoute(t *testing.T) {
	var offset atomic.Int64 // the server's clock runs ahead by this much
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	m := mustRunMainAt(t, "", nil, now)
	num := fileJSON(t, newClient(t, m), nil)["number"].(string) // municipal corporation
	routes := staffRoutes(m)
	if len(routes) < 30 {
		t.Fatalf("%d staff routes; want them all", len(routes))
	}
	real := map[string]string{"number": num, "id": "1", "action": "note", "name": "pendency", "code": "mun-l1"}

	expired := newClient(t, m)
	expiredToken := expired.login("admin", testAdminPassword)
	signedOut := newClient(t, m)
	outToken := signedOut.login("admin", testAdminPassword)
	oldCookies := signedOut.http.Jar.Cookies(mustURL(m.URL()))
	if r := signedOut.postForm("/officer/logout", url.Values{"csrf": {outToken}}); r.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.Status)
	}
	for _, ck := range oldCookies { // the revoked session's cookie, replayed
		signedOut.http.Jar.SetCookies(mustURL(m.URL()), []*http.Cookie{ck})
	}
	anon := newClient(t, m)
	anonToken := csrf(t, anon.get("/officer/login").Body)
	before := takeSnapshot(t, m)
	offset.Store(int64(m.Config.SessionTTL + time.Hour)) // the first session has expired

	type who struct {
		name  string
		c     *client
		token string
	}
	for _, p := range routes {
		method, path := splitPattern(p)
		target := concretePaths(path, real)[0]
		for _, w := range []who{{"anonymous", anon, anonToken}, {"expired session", expired, expiredToken}, {"signed-out session", signedOut, outToken}} {
			switch method {
			case "GET", "":
				r := w.c.get(target)
				if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/officer/login") {
					t.Errorf("%s GET %s: %d to %q, want 303 to the sign-in page", w.name, target, r.Status, r.Location)
				}
			case "POST":
				r := w.c.postForm(target, url.Values{"csrf": {w.token}, "note": {"x"}, "name": {"x"}})
				if r.Status < 300 || r.Status >= 500 || (r.Status == http.StatusSeeOther && !strings.HasPrefix(r.Location, "/officer/login")) {
					t.Errorf("%s POST %s: %d to %q, want a refusal", w.name, target, r.Status, r.Location)
				}
			}
		}
	}
	if after := takeSnapshot(t, m); after != before {
		t.Errorf("refused requests changed data")
	}
	offset.Store(0)

	// An officer of another department, on every route naming a complaint.
	other, otherToken := roleUser(t, m, "other-dept", "power-l1", grievance.RoleOfficer)
	for _, p := range routes {
		method, path := splitPattern(p)
		if !strings.Contains(path, "{number}") {
			continue
		}
		target := concretePaths(path, real)[0]
		var r response
		if method == "POST" {
			r = other.postForm(target, url.Values{"csrf": {otherToken}, "note": {"x"}})
		} else {
			r = other.get(target)
		}
		if r.Status != http.StatusNotFound {
			t.Errorf("another department's officer %s %s: %d, want 404", method, target, r.Status)
		}
	}
	if after := takeSnapshot(t, m); after != before {
		t.Errorf("another department's officer changed data")
	}
}

// sessionValue returns the value of the session cookie a response set.
func sessionValue(r response) string {
	for _, sc := range r.Header.Values("Set-Cookie") {
		if strings.Contains(sc, "HttpOnly") && !strings.HasPrefix(sc, "csrf") && !strings.HasPrefix(sc, "lang=") {
			if name, rest, ok := strings.Cut(sc, "="); ok && name != "" {
				v, _, _ := strings.Cut(rest, ";")
				if v != "" {
					return name + "=" + v
				}
			}
		}
	}
	return ""
}

// TestSessionRotatesOnLogin: each sign-in issues a new token, signing in
// again makes the token the browser held worthless, and a token planted
// before sign-in is not adopted (no fixation, no reuse).
func TestSessionRotatesOnLogin(t *testing.T) {
	m := MustRunMain(t, "", nil)
	c := newClient(t, m)
	signIn := func() string {
		page := c.get("/officer/login")
		r := c.postForm("/officer/login", url.Values{"csrf": {csrf(t, page.Body)}, "login": {"admin"}, "password": {testAdminPassword}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("login: %d", r.Status)
		}
		v := sessionValue(r)
		if v == "" {
			t.Fatalf("login set no session cookie: %v", r.Header.Values("Set-Cookie"))
		}
		return v
	}
	first := signIn()
	second := signIn() // the same browser signs in again
	name, _, _ := strings.Cut(first, "=")
	// An attacker's planted token is not adopted.
	c.http.Jar.SetCookies(mustURL(m.URL()), []*http.Cookie{{Name: name, Value: "planted-by-attacker", Path: "/"}})
	third := signIn()
	if first == second || second == third || strings.Contains(third, "planted") {
		t.Fatalf("session tokens %q, %q, %q: want a new one at each sign-in", first, second, third)
	}
	// The token of the first sign-in, which the browser presented when it
	// signed in again, no longer opens anything.
	old := newClient(t, m)
	old.http.Jar.SetCookies(mustURL(m.URL()), []*http.Cookie{{Name: name, Value: strings.TrimPrefix(first, name+"="), Path: "/"}})
	if r := old.get("/control"); r.Status == http.StatusOK {
		t.Errorf("the token of an earlier sign-in still opens /control after signing in again")
	}
	now := newClient(t, m)
	now.http.Jar.SetCookies(mustURL(m.URL()), []*http.Cookie{{Name: name, Value: strings.TrimPrefix(third, name+"="), Path: "/"}})
	if r := now.get("/control"); r.Status != http.StatusOK {
		t.Errorf("the newest token does not open /control: %d", r.Status)
	}
}

// mobileRE finds a full ten-digit Indian mobile number (with or without
// +91) in text.
var mobileRE = regexp.MustCompile(`(^|[^0-9])(\+?91)?[6-9][0-9]{9}([^0-9]|$)`)

// TestMobileNumbersMaskedInLogs runs the binary at debug level, files
// complaints (API and web form), asks for a one-time code, tracks a
// complaint and lets the SMS go out; its whole log must not hold one full
// mobile number, the citizens' or the officers'.
func TestMobileNumbersMaskedInLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	c := startChild(t, nivaranBinary(t), t.TempDir(), map[string]string{"NIVARAN_LOG_LEVEL": "debug"})
	base := c.url
	post := func(path, ctype, body string) *http.Response {
		res, err := http.Post(base+path, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res := post("/api/v1/complaints", "application/json",
		`{"name":"राम","mobile":"9812345678","language":"hi","category":"mun-garbage","area":"w-z1-aminabad","address":"गली 4","description":"कूड़ा"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("file: %d", res.StatusCode)
	}
	post("/api/v1/complaints", "application/json", `{"name":"x","mobile":"98123456","category":"nope"}`) // refused, logged at debug
	http.Get(base + "/api/v1/complaints/26120000000?mobile=9812345678")
	// Web: a form with its CSRF cookie, one-time code, tracking.
	wc := &client{t: t, base: base, lang: "hi", http: newClient(t, &Main{}).http}
	form := wc.get("/")
	wc.postMultipart("/complaints", url.Values{"csrf": {csrf(t, form.Body)}, "name": {"सीता"}, "mobile": {"9123456780"},
		"category": {"mun-garbage"}, "area": {"w-z1-aminabad"}, "address": {"गली"}, "description": {"नाली"}})
	ask := wc.get("/my")
	wc.postForm("/my/code", url.Values{"csrf": {csrf(t, ask.Body)}, "mobile": {"9898989898"}})
	tr := wc.get("/track")
	wc.postForm("/track", url.Values{"csrf": {csrf(t, tr.Body)}, "number": {"26120000000"}, "mobile": {"9812345678"}})
	// The log gateway logs each SMS it sends: wait for them.
	for start := time.Now(); strings.Count(c.stderr.String(), "sms sent") < 3; time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the SMS were not sent within 30 s; log:\n%s", c.stderr)
		}
	}
	c.kill()
	log := c.stderr.String()
	for _, line := range strings.Split(log, "\n") {
		if mobileRE.MatchString(line) {
			t.Errorf("a full mobile number in the log: %s", line)
		}
	}
	if !strings.Contains(log, "level=DEBUG") {
		t.Errorf("no debug lines: the log was not captured at debug level")
	}
}

// TestPasswordSprayingLimited tries one wrong password on many accounts
// from one address (spraying, which the per-account lockout never sees):
// the address is refused with 429 and Retry-After before it has tried
// 40 accounts, and a right password from it is refused too while it lasts.
func TestPasswordSprayingLimited(t *testing.T) {
	m := MustRunMain(t, "", map[string]string{"NIVARAN_RATE_LIMITS": "60/m"})
	ms, err := m.Store.Masters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, m)
	tried, refused := 0, false
	for _, o := range ms.Officers {
		if tried == 40 {
			break
		}
		page := c.get("/officer/login")
		r := c.postForm("/officer/login", url.Values{"csrf": {csrf(t, page.Body)}, "login": {o.Code}, "password": {"Winter2026!"}})
		tried++
		if r.Status == http.StatusTooManyRequests {
			if r.Header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
			refused = true
			break
		}
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password for %s: %d, want 401", o.Code, r.Status)
		}
	}
	if !refused {
		t.Fatalf("%d accounts tried from one address without a refusal", tried)
	}
	page := c.get("/officer/login")
	if r := c.postForm("/officer/login", url.Values{"csrf": {csrf(t, page.Body)}, "login": {"admin"}, "password": {testAdminPassword}}); r.Status != http.StatusTooManyRequests {
		t.Errorf("the right password from the refused address: %d, want 429", r.Status)
	}
	t.Logf("refused after %d accounts", tried)
}
