package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"nivaran/internal/grievance"
)

// count returns how many complaints the control room sees.
func count(t *testing.T, m *Main) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		p, err := m.Store.Search(context.Background(), grievance.SystemActor, grievance.ComplaintFilter{Limit: 500, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Complaints)
		if p.Next == "" {
			return n
		}
		cursor = p.Next
	}
}

// TestBadInputAPI tries every kind of bad input on the filing API: each gets
// a 4xx with a message in the request's language, and nothing is stored.
func TestBadInputAPI(t *testing.T) {
	m := MustRunMain(t, "", map[string]string{"NIVARAN_MAX_PHOTO_MB": "1"})
	c := newClient(t, m)
	good := `{"name":"Ram","mobile":"9876543210","language":"en","category":"mun-garbage","area":"w-z1-aminabad","address":"Gali 4","description":"Garbage"}`
	with := func(field string, value any) string {
		var v map[string]any
		json.Unmarshal([]byte(good), &v)
		if value == nil {
			delete(v, field)
		} else {
			v[field] = value
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	tests := []struct {
		name, body, ctype string
		status            int
		field, message    string
	}{
		{"mobile too short", with("mobile", "98765"), "", 422, "mobile", "10-digit"},
		{"mobile starting 5", with("mobile", "5876543210"), "", 422, "mobile", "10-digit"},
		{"mobile letters", with("mobile", "98765abcde"), "", 422, "mobile", "10-digit"},
		{"mobile missing", with("mobile", nil), "", 422, "mobile", ""},
		{"unknown category", with("category", "no-such"), "", 422, "category", "kind of complaint"},
		{"unknown area", with("area", "nowhere"), "", 422, "area", "area"},
		{"area that is not a leaf", with("area", "z1"), "", 422, "area", "area"},
		{"empty description", with("description", "   "), "", 422, "description", "Describe"},
		{"description too long", with("description", strings.Repeat("क", 4001)), "", 422, "description", "4,000"},
		{"name missing", with("name", ""), "", 422, "name", "name"},
		{"control characters", with("name", "Ram\x00"), "", 422, "name", "control"},
		{"language unknown", with("language", "fr"), "", 422, "language", ""},
		{"latitude outside India", with("lat", 51.5) /* long missing too */, "", 422, "location", ""},
		{"wrong type", with("mobile", 9876543210), "", 422, "mobile", "type"},
		{"unknown field", with("colour", "red"), "", 422, "", "malformed"},
		{"not JSON", "name=Ram", "", 422, "", "malformed"},
		{"two objects", good + good, "", 422, "", "malformed"},
		{"form content type", good, "application/x-www-form-urlencoded", 422, "", "JSON"},
		{"invalid UTF-8", strings.Replace(good, "Garbage", "Garb\xff\xfeage", 1), "", 422, "", "invalid characters"},
		{"oversized body", with("description", strings.Repeat("x", 70<<10)), "", 422, "", "too large"},
		{"empty body", "", "", 422, "", "malformed"},
		{"deeply nested", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), "", 422, "", "malformed"},
	}
	c.lang = "en"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", c.base+"/api/v1/complaints", strings.NewReader(tt.body))
			ct := tt.ctype
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Accept-Language", "en")
			res := c.do(req)
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.status, res.Body)
			}
			var e struct {
				Error struct {
					Code, Message string
					Fields        map[string]string
				}
			}
			if err := json.Unmarshal([]byte(res.Body), &e); err != nil || e.Error.Code != "invalid" {
				t.Fatalf("body %s is not an invalid error", res.Body)
			}
			msg := e.Error.Message
			if tt.field != "" {
				var ok bool
				if msg, ok = e.Error.Fields[tt.field]; !ok {
					t.Fatalf("no message for field %s: %s", tt.field, res.Body)
				}
			}
			if !strings.Contains(strings.ToLower(msg), strings.ToLower(tt.message)) {
				t.Errorf("message %q lacks %q", msg, tt.message)
			}
		})
	}
	// The same refusal in Hindi.
	c.lang = "hi"
	res := c.postJSON("/api/v1/complaints", strings.Replace(with("mobile", "123"), `"language":"en"`, `"language":"hi"`, 1))
	if !strings.Contains(res.Body, "मोबाइल") {
		t.Errorf("Hindi message missing: %s", res.Body)
	}
	if n := count(t, m); n != 0 {
		t.Errorf("%d complaints stored after bad input, want 0", n)
	}
}

// TestBadInputWeb tries bad input on the citizen's form: every case gets
// the form back with a message in Hindi and nothing is stored.
func TestBadInputWeb(t *testing.T) {
	m := MustRunMain(t, "", map[string]string{"NIVARAN_MAX_PHOTO_MB": "1"})
	c := newClient(t, m)
	form := c.get("/")
	token := csrf(t, form.Body)
	good := url.Values{"csrf": {token}, "name": {"सीता"}, "mobile": {"9876543210"}, "category": {"mun-garbage"},
		"area": {"w-z1-aminabad"}, "address": {"गली 4"}, "description": {"कूड़ा"}}
	with := func(k, v string) url.Values {
		out := url.Values{}
		for kk, vv := range good {
			out[kk] = vv
		}
		out.Set(k, v)
		return out
	}
	big := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0xe0}, (1<<20)/4+10) // a "JPEG" over 1 MB
	tests := []struct {
		name   string
		values url.Values
		files  []file
		status int
		want   string
	}{
		{"bad mobile", with("mobile", "12345"), nil, 422, "10 अंकों"},
		{"unknown category", with("category", "x"), nil, 422, "शिकायत का प्रकार चुनें"},
		{"no area", with("area", ""), nil, 422, "क्षेत्र"},
		{"long description", with("description", strings.Repeat("a", 4001)), nil, 422, "4,000"},
		{"no name", with("name", ""), nil, 422, "नाम लिखें"},
		{"location outside India", with("lat", "0"), nil, 422, "भारत"},
		{"latitude not a number", with("lat", "abc"), nil, 422, "भारत"},
		{"photo not an image", good, []file{{"photo", "x.jpg", []byte("MZ\x90\x00 this is an exe")}}, 422, "JPEG, PNG या WebP"},
		{"photo too big", good, []file{{"photo", "big.jpg", big}}, 422, "5 MB"},
		{"six photos", good, []file{{"photo", "1.png", pngImage(t)}, {"photo", "2.png", pngImage(t)}, {"photo", "3.png", pngImage(t)}, {"photo", "4.png", pngImage(t)}, {"photo", "5.png", pngImage(t)}, {"photo", "6.png", pngImage(t)}}, 422, "5 फ़ोटो"},
		{"no CSRF token", with("csrf", ""), nil, 403, "फ़ॉर्म पुराना"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.postMultipart("/complaints", tt.values, tt.files...)
			if r.Status != tt.status || !strings.Contains(r.Body, tt.want) {
				t.Fatalf("status %d, want %d with %q\n%.3000s", r.Status, tt.status, tt.want, r.Body)
			}
			if tt.status == 422 && !strings.Contains(r.Body, `value="`+tt.values.Get("address")) && !strings.Contains(r.Body, tt.values.Get("address")) {
				t.Error("the form lost what the citizen typed")
			}
		})
	}
	// Wrong content type and oversized bodies.
	req, _ := http.NewRequest("POST", c.base+"/complaints", strings.NewReader(`{"a":1}`))
	req.Header.Set("Content-Type", "application/json")
	if r := c.do(req); r.Status != 422 {
		t.Errorf("JSON to the form: status %d", r.Status)
	}
	r := c.postMultipart("/complaints", good, file{"photo", "a.png", make([]byte, 6<<20)})
	if r.Status != 422 || !strings.Contains(r.Body, "बहुत बड़ी") {
		t.Errorf("oversized body: status %d", r.Status)
	}
	// HTML in a field is shown escaped, never executed.
	r = c.postMultipart("/complaints", with("description", `<script>alert(1)</script>`), nil...)
	if r.Status != 303 {
		t.Fatalf("script text: status %d", r.Status)
	}
	if receipt := c.get(r.Location); receipt.Status != 200 || strings.Contains(receipt.Body, "<script>alert") {
		t.Errorf("receipt: status %d, or script unescaped", receipt.Status)
	}
	if n := count(t, m); n != 1 {
		t.Errorf("%d complaints stored, want only the last one", n)
	}
	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	num := numberRE.FindStringSubmatch(r.Location)[1]
	staff := admin.get("/officer/complaints/" + num)
	if strings.Contains(staff.Body, "<script>alert") || !strings.Contains(staff.Body, "&lt;script&gt;") {
		t.Error("script not escaped on the staff page")
	}
}

func TestSecurityHeadersAndCSRF(t *testing.T) {
	m := MustRunMain(t, "", nil)
	c := newClient(t, m)
	r := c.get("/")
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
	if regexp.MustCompile(`<script>|\son[a-z]+="`).MatchString(r.Body) {
		t.Error("inline script or event handler on the page")
	}
	// A cross-site POST is refused even with a token.
	req, _ := http.NewRequest("POST", c.base+"/track", strings.NewReader("number=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := c.do(req); r.Status != 403 {
		t.Errorf("cross-site POST: status %d, want 403", r.Status)
	}
	// A staff action without the session's token is refused.
	o := newClient(t, m)
	o.login("mun-l1", testDemoPassword)
	number := fileJSON(t, newClient(t, m), nil)["number"].(string)
	if r := o.postForm("/officer/complaints/"+number+"/accept", url.Values{"csrf": {"forged"}}); r.Status != 403 {
		t.Errorf("forged token: status %d", r.Status)
	}
	cookie := ""
	for _, ck := range o.http.Jar.Cookies(mustURL(m.URL())) {
		if ck.Name == "nv_session" {
			cookie = ck.Name
		}
	}
	if cookie == "" {
		t.Fatal("no session cookie")
	}
}

func mustURL(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}

// TestLoginLockout: five wrong passwords lock the account, even the right
// password is then refused; the session cookie is HttpOnly and SameSite.
func TestLoginLockout(t *testing.T) {
	m := MustRunMain(t, "", nil)
	c := newClient(t, m)
	for i := range 5 {
		page := c.get("/officer/login")
		r := c.postForm("/officer/login", url.Values{"csrf": {csrf(t, page.Body)}, "login": {"mun-l1"}, "password": {"wrong"}})
		want := 401
		if i == 4 {
			want = 429
		}
		if r.Status != want {
			t.Fatalf("attempt %d: status %d, want %d", i+1, r.Status, want)
		}
	}
	page := c.get("/officer/login")
	r := c.postForm("/officer/login", url.Values{"csrf": {csrf(t, page.Body)}, "login": {"mun-l1"}, "password": {testDemoPassword}})
	if r.Status != 429 || !strings.Contains(r.Body, "खाता") {
		t.Fatalf("locked account accepted the right password: %d", r.Status)
	}
	// Another account is not affected; its cookie is protected.
	page = c.get("/officer/login")
	r = c.postForm("/officer/login", url.Values{"csrf": {csrf(t, page.Body)}, "login": {"jalkal-l1"}, "password": {testDemoPassword}})
	if r.Status != 303 {
		t.Fatalf("other account: %d", r.Status)
	}
	sc := r.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("session cookie %q", sc)
	}
}

// TestPublicRateLimit: with limits on, a flood from one address gets 429
// with Retry-After.
func TestPublicRateLimit(t *testing.T) {
	m := MustRunMain(t, "", map[string]string{"NIVARAN_RATE_LIMITS": "3/m"})
	c := newClient(t, m)
	var last response
	for range 4 {
		last = c.get("/api/v1/complaints/26010000000?mobile=9876543210")
	}
	if last.Status != 429 || last.Header.Get("Retry-After") == "" {
		t.Errorf("4th request: status %d Retry-After %q", last.Status, last.Header.Get("Retry-After"))
	}
}
