package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The hostile-input tests walk every route the server registers
// (Main.Routes), so a route added later is attacked too without editing
// them.

// payload is script that must never come back unescaped.
const payload = `<script>alert(1)</script>`

// wildcardRE finds a pattern's path wildcards.
var wildcardRE = regexp.MustCompile(`\{[^}]*\}`)

// splitPattern returns a route pattern's method ("" for any) and path.
func splitPattern(p string) (method, path string) {
	if m, rest, ok := strings.Cut(p, " "); ok {
		return m, rest
	}
	return "", p
}

// hostileValues are what each path wildcard is replaced with: traversal,
// SQL meta-characters, script, invalid UTF-8 (escaped in the URL), an
// overlong value.
var hostileValues = []string{
	"..%2F..%2Fsecret.key", "..%2f..%2fnivaran.db", "....%2F%2F....%2F%2Fetc%2Fpasswd",
	"1%27%20OR%20%271%27%3D%271", "1%3B%20DROP%20TABLE%20complaints%3B--", "%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
	"%FF%FE%C0%AF", strings.Repeat("9", 5000), "%00",
}

// concretePaths returns the pattern's path with its wildcards filled by
// each hostile value (all wildcards at once), and once with real values
// from real.
func concretePaths(path string, real map[string]string) []string {
	path = strings.ReplaceAll(path, "{$}", "")
	if !wildcardRE.MatchString(path) {
		out := []string{path}
		if strings.HasSuffix(path, "/") { // a prefix: whatever lies below it
			for _, v := range hostileValues[:4] {
				out = append(out, path+v)
			}
		}
		return out
	}
	out := []string{wildcardRE.ReplaceAllStringFunc(path, func(w string) string {
		if v, ok := real[strings.Trim(w, "{}.")]; ok {
			return v
		}
		return "x"
	})}
	for _, v := range hostileValues {
		out = append(out, wildcardRE.ReplaceAllString(path, v))
	}
	return out
}

// hostileDo sends req as c and returns the answer, reading at most 1 MB
// of the body and none of an event stream (which never ends).
func hostileDo(t *testing.T, c *client, req *http.Request) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req = req.WithContext(ctx)
	if c.lang != "" {
		req.AddCookie(&http.Cookie{Name: "lang", Value: c.lang})
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Errorf("%s %.120s: %v", req.Method, req.URL.RequestURI(), err)
		return response{}
	}
	defer res.Body.Close()
	var b []byte
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		b, _ = io.ReadAll(io.LimitReader(res.Body, 1<<20))
	}
	return response{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

// snapshot is what malformed input must not change.
type snapshot struct {
	complaints int
	messages   int
	masters    string
}

func takeSnapshot(t *testing.T, m *Main) snapshot {
	t.Helper()
	ctx := context.Background()
	msgs, err := m.Store.Messages(ctx, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := m.Store.Masters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ms)
	return snapshot{complaints: countComplaints(t, m), messages: len(msgs), masters: string(b)}
}

// TestHostileInputEveryRoute sends, to every route, anonymously and as a
// signed-in administrator and supervisor: wrong and made-up methods,
// hostile path values and query strings, an oversized body, a deeply
// nested JSON body, invalid UTF-8 and SQL meta-characters and script in
// form fields. No answer may be a 5xx, no answer may reflect the script
// unescaped, and nothing may change.
func TestHostileInputEveryRoute(t *testing.T) {
	m := MustRunMain(t, "", nil)
	num := fileJSON(t, newClient(t, m), nil)["number"].(string)
	routes := m.Routes()
	if len(routes) < 40 {
		t.Fatalf("Main.Routes lists %d routes; the walk needs them all", len(routes))
	}
	admin := newClient(t, m)
	token := admin.login("admin", testAdminPassword)
	anon := newClient(t, m)
	anonToken := csrf(t, anon.get("/officer/login").Body)
	before := takeSnapshot(t, m)

	real := map[string]string{"number": num, "id": "1", "action": "bogus", "answer": "bogus", "name": "pendency",
		"code": "mun", "lang": "en", "gateway": "log"}
	hostileQuery := "?q=" + url.QueryEscape(payload) + "&lang=%FF&from=%27%20OR%201%3D1--&to=" + url.QueryEscape(payload) +
		"&status=" + url.QueryEscape(payload) + "&t=..%2F..%2Fsecret.key&format=" + url.QueryEscape(payload) + "&cursor=%FF%FE"
	formValues := func(tok string) url.Values {
		v := url.Values{"csrf": {tok}}
		// Fields the forms read; each gets script, SQL and invalid UTF-8.
		for _, f := range []string{"name", "mobile", "category", "area", "address", "description", "login", "password",
			"current", "new", "confirm", "reason", "to", "text", "by", "month", "designation", "department", "level"} {
			v[f] = []string{payload + "' OR '1'='1'; --", "\xff\xfe\xc0\xaf"}
		}
		return v
	}
	nested := strings.Repeat(`{"a":[`, 50000) + strings.Repeat(`]}`, 50000)
	oversized := strings.Repeat("description=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&", 40000) // ≈ 2 MB, past every form's limit

	type who struct {
		name  string
		c     *client
		token string
	}
	checked := 0
	for _, p := range routes {
		method, path := splitPattern(p)
		for _, w := range []who{{"anonymous", anon, anonToken}, {"admin", admin, token}} {
			if w.name == "admin" && strings.HasSuffix(path, "/logout") {
				continue // would end the administrator's session for the rest of the walk
			}
			for i, target := range concretePaths(path, real) {
				first := i == 0 // the real path gets every body; hostile paths the plain request
				var reqs []*http.Request
				add := func(method, u, ctype, body string) {
					req, err := http.NewRequest(method, m.URL()+u, strings.NewReader(body))
					if err != nil {
						return // not even a URL: nothing to send
					}
					if ctype != "" {
						req.Header.Set("Content-Type", ctype)
					}
					reqs = append(reqs, req)
				}
				if first {
					for _, bad := range []string{"PUT", "DELETE", "PATCH", "BREW", "TRACE"} {
						if bad != method {
							add(bad, target, "", "")
						}
					}
				}
				switch method {
				case "GET", "":
					add("GET", target+hostileQuery, "", "")
					if first {
						add("GET", target, "", "")
						add("HEAD", target+hostileQuery, "", "")
					}
				}
				if method == "POST" || method == "" {
					add("POST", target+hostileQuery, "application/x-www-form-urlencoded", formValues(w.token).Encode())
				}
				if first && (method == "POST" || method == "") {
					add("POST", target, "application/x-www-form-urlencoded", "csrf="+url.QueryEscape(w.token)+"&"+oversized)
					add("POST", target, "application/json", nested)
					add("POST", target, "application/json", `{"name":"`+payload+`","mobile":"' OR 1=1 --","description":"\xff\xfe"}`)
					add("POST", target, "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"../../../secret.key\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--x--\r\n")
				}
				for _, req := range reqs {
					res := hostileDo(t, w.c, req)
					checked++
					if res.Status >= 500 {
						t.Errorf("%s %s %.120s: status %d\n%.300s", w.name, req.Method, req.URL.RequestURI(), res.Status, res.Body)
					}
					if strings.Contains(res.Body, payload) && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
						t.Errorf("%s %s %.120s: the script came back unescaped", w.name, req.Method, req.URL.RequestURI())
					}
				}
			}
		}
	}
	t.Logf("%d routes, %d hostile requests, no 5xx", len(routes), checked)
	if after := takeSnapshot(t, m); after != before {
		t.Errorf("hostile requests changed data: complaints %d → %d, messages %d → %d, masters changed %v",
			before.complaints, after.complaints, before.messages, after.messages, before.masters != after.masters)
	}
}

// TestScriptAndFormulasEscapedEverywhere files complaints whose every text
// field holds script or a spreadsheet formula, through the API and the web
// form, then reads every GET route as the control room: no HTML page
// carries the script unescaped, and no cell of any CSV or XLSX export
// starts with a formula character.
func TestScriptAndFormulasEscapedEverywhere(t *testing.T) {
	m := MustRunMain(t, "", nil)
	nasty := map[string]any{"name": payload, "address": `"><img src=x onerror=alert(1)>` + payload, "description": payload + " =1+1"}
	num := fileJSON(t, newClient(t, m), nasty)["number"].(string)
	formula := map[string]any{"name": `=HYPERLINK("http://evil.example","x")`, "address": "+1+1", "description": "@SUM(A1)"}
	fileJSON(t, newClient(t, m), formula)
	fileJSON(t, newClient(t, m), map[string]any{"name": "-2+3", "address": "\t=1", "description": "=cmd|' /C calc'!A0"})
	craftDesignation(t, m)
	c := newClient(t, m)
	form := c.get("/")
	res := c.postMultipart("/complaints", url.Values{"csrf": {csrf(t, form.Body)}, "name": {payload}, "mobile": {"9876543210"},
		"category": {"mun-garbage"}, "area": {"w-z1-aminabad"}, "address": {payload}, "description": {payload}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("web form with script in every field: %d, want 303 (script is text, and accepted)", res.Status)
	}
	receipt := c.get(res.Location)
	if receipt.Status != http.StatusOK || strings.Contains(receipt.Body, payload) {
		t.Errorf("the receipt: %d, or it shows the script unescaped", receipt.Status)
	}

	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	real := map[string]string{"number": num, "id": "1", "action": "note", "answer": "yes", "name": "pendency", "code": "mun",
		"lang": "en", "gateway": "log"}
	var exports []string
	for _, p := range m.Routes() {
		method, path := splitPattern(p)
		if method != "GET" || strings.Contains(path, "/events") || strings.HasSuffix(path, "/") {
			continue
		}
		target := concretePaths(path, real)[0]
		pages := []string{target}
		if strings.Contains(path, "{name}") {
			pages = nil
			for _, n := range []string{"pendency", "flow", "resolution", "channels", "repeat"} {
				pages = append(pages, strings.Replace(target, "pendency", n, 1))
			}
		}
		for _, pg := range pages {
			r := admin.get(pg)
			if r.Status >= 500 {
				t.Errorf("GET %s: %d", pg, r.Status)
			}
			if strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") && strings.Contains(r.Body, payload) {
				t.Errorf("GET %s shows the script unescaped", pg)
			}
			for _, f := range []string{"csv", "xlsx"} {
				if strings.Contains(r.Body, "format="+f) {
					exports = append(exports, pg+sep(pg)+"format="+f)
				}
			}
		}
	}
	// The staff page shows the text, escaped: the walk above did read it.
	if staff := admin.get("/officer/complaints/" + num); !strings.Contains(staff.Body, htmlEscape(payload)) {
		t.Errorf("the staff page of %s does not show the description (escaped)", num)
	}
	if len(exports) < 5 {
		t.Fatalf("found %d export links on the control room's pages; want every report's CSV and XLSX", len(exports))
	}
	for _, e := range exports {
		r := admin.get(e)
		if r.Status != http.StatusOK {
			t.Errorf("GET %s: %d", e, r.Status)
			continue
		}
		for _, cell := range exportCells(t, e, r.Body) {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && !isNumber(cell) {
				t.Errorf("%s: cell %q would run as a formula", e, cell)
			}
		}
	}
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

var plainNumberRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// isNumber reports whether a cell is a plain (negative) number, which a
// spreadsheet reads as a number, not a formula.
func isNumber(s string) bool { return plainNumberRE.MatchString(s) }

// exportCells returns every cell of a CSV or XLSX export.
func exportCells(t *testing.T, name, body string) []string {
	t.Helper()
	var out []string
	if strings.HasSuffix(name, "format=csv") {
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range rows {
			out = append(out, r...)
		}
		return out
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer f.Close()
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out = append(out, r...)
		}
	}
	return out
}
