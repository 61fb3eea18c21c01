package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
)

// apiClient speaks to the REST API with an optional bearer token; every
// exchange goes through the OpenAPI check.
type apiClient struct {
	t     testing.TB
	base  string
	http  *http.Client
	token string
}

func newAPIClient(t testing.TB, m *Main, sc *specCheck) *apiClient {
	return &apiClient{t: t, base: m.URL(), http: &http.Client{Transport: sc}}
}

// as returns a client that sends token.
func (c *apiClient) as(token string) *apiClient {
	cp := *c
	cp.token = token
	return &cp
}

type apiResponse struct {
	Status int
	Body   string
	Header http.Header
}

// json decodes the body into v and fails the test when it cannot.
func (r apiResponse) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

func (c *apiClient) do(method, path, ctype string, body []byte, header ...string) apiResponse {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiResponse{Status: res.StatusCode, Body: string(b), Header: res.Header}
}

func (c *apiClient) get(path string) apiResponse { c.t.Helper(); return c.do("GET", path, "", nil) }

func (c *apiClient) post(path string, v any, header ...string) apiResponse {
	c.t.Helper()
	b, _ := json.Marshal(v)
	return c.do("POST", path, "application/json", b, header...)
}

func (c *apiClient) delete(path string) apiResponse {
	c.t.Helper()
	return c.do("DELETE", path, "", nil)
}

// multipart posts fields and photos (each under the field "photo").
func (c *apiClient) multipart(path string, fields map[string]string, photos ...[]byte) apiResponse {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for i, p := range photos {
		w, _ := mw.CreateFormFile("photo", fmt.Sprintf("p%d.png", i))
		w.Write(p)
	}
	mw.Close()
	return c.do("POST", path, mw.FormDataContentType(), buf.Bytes())
}

// signIn returns an officer's (or any account's) token.
func (c *apiClient) signIn(login, password string) string {
	c.t.Helper()
	r := c.as("").post("/api/v1/tokens", map[string]string{"login": login, "password": password, "label": "test phone"})
	if r.Status != http.StatusCreated {
		c.t.Fatalf("sign in %s: %d %s", login, r.Status, r.Body)
	}
	var out struct{ Token string }
	r.json(c.t, &out)
	return out.Token
}

// citizenToken proves mobile with the code sent to it by SMS.
func (c *apiClient) citizenToken(m *Main, mobile string) string {
	c.t.Helper()
	r := c.as("").post("/api/v1/otp", map[string]string{"mobile": mobile, "language": "hi"})
	if r.Status != http.StatusAccepted {
		c.t.Fatalf("otp for %s: %d %s", mobile, r.Status, r.Body)
	}
	code := otpFromOutbox(c.t.(*testing.T), m, mobile)
	r = c.as("").post("/api/v1/otp/verify", map[string]string{"mobile": mobile, "code": code})
	if r.Status != http.StatusCreated {
		c.t.Fatalf("verify %s: %d %s", mobile, r.Status, r.Body)
	}
	var out struct{ Token, Scope string }
	r.json(c.t, &out)
	if out.Scope != "citizen:"+mobile {
		c.t.Fatalf("citizen token scope %q, want citizen:%s", out.Scope, mobile)
	}
	return out.Token
}

// offsetClock is the real clock moved forward by what a test adds.
type offsetClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

const (
	mobileA = "9876543210" // files the complaints of the API tests
	mobileB = "9822222222" // another citizen
	mobileC = "9833333333" // whose tokens expire and are revoked
)

// TestAPIRoles exercises every endpoint of the REST API with every kind of
// caller (anonymous, the complainant's token, another citizen's, the
// assigned officer, an officer of another department, the administrator,
// an expired token and a revoked one) and checks what is allowed and what
// is refused; every request and response is checked against the OpenAPI
// document, and every operation of the document must be exercised.
func TestAPIRoles(t *testing.T) {
	clock := &offsetClock{}
	m := mustRunMainAt(t, "", nil, clock.Now)
	sc := newSpecCheck(t, m.URL())
	anon := newAPIClient(t, m, sc)

	// An expiring citizen token first, then the clock moves past its life.
	expired := anon.citizenToken(m, mobileC)
	clock.Advance(31 * time.Minute)

	cA := anon.as(anon.citizenToken(m, mobileA))
	cB := anon.as(anon.citizenToken(m, mobileB))
	officer := anon.as(anon.signIn("mun-l1", testDemoPassword))
	other := anon.as(anon.signIn("jalkal-l1", testDemoPassword))
	admin := anon.as(anon.signIn("admin", testAdminPassword))
	revokedTok := anon.citizenToken(m, mobileC)
	if r := anon.as(revokedTok).delete("/api/v1/tokens/current"); r.Status != http.StatusNoContent {
		t.Fatalf("sign out: %d %s", r.Status, r.Body)
	}
	expiredC, revoked := anon.as(expired), anon.as(revokedTok)

	// Complaints of citizen A in the municipal corporation's ward: X to
	// work on, Y to be resolved and rejected, Z to be returned.
	file := func() string {
		r := anon.post("/api/v1/complaints", map[string]any{"name": "राम कुमार", "mobile": mobileA, "language": "hi",
			"category": "mun-garbage", "area": "w-z1-aminabad", "address": "अमीनाबाद बाज़ार, गली 4", "description": "तीन दिन से कूड़ा नहीं उठा।"})
		if r.Status != http.StatusCreated {
			t.Fatalf("file: %d %s", r.Status, r.Body)
		}
		var out struct{ Number string }
		r.json(t, &out)
		return out.Number
	}
	x, y, z := file(), file(), file()
	png := pngImage(t)

	type tc struct {
		name   string
		c      *apiClient
		method string
		path   string
		body   any // JSON body; nil: none
		want   int
	}
	X := "/api/v1/complaints/" + x
	cases := []tc{
		{"anyone reads categories", anon, "GET", "/api/v1/categories", nil, 200},
		{"anyone reads areas", anon, "GET", "/api/v1/areas", nil, 200},
		{"anyone reads the document", anon, "GET", "/api/v1/openapi.json", nil, 200},
		{"anyone tracks with number and mobile", anon, "GET", X + "?mobile=" + mobileA, nil, 200},
		{"a wrong mobile finds nothing", anon, "GET", X + "?mobile=" + mobileB, nil, 404},
		{"the complainant reads it", cA, "GET", X, nil, 200},
		{"another citizen does not", cB, "GET", X, nil, 404},
		{"the assigned officer reads it", officer, "GET", X, nil, 200},
		{"another department's officer does not", other, "GET", X, nil, 404},
		{"an expired token is refused", expiredC, "GET", X, nil, 401},
		{"a revoked token is refused", revoked, "GET", X, nil, 401},
		{"a malformed token is refused", anon.as("not-a-token"), "GET", X, nil, 401},
		{"history needs a token", anon, "GET", X + "/history", nil, 401},
		{"the complainant reads the history", cA, "GET", X + "/history", nil, 200},
		{"another citizen does not read the history", cB, "GET", X + "/history", nil, 404},
		{"the officer reads the history", officer, "GET", X + "/history", nil, 200},
		{"another officer does not read the history", other, "GET", X + "/history", nil, 404},
		{"revoked: no history", revoked, "GET", X + "/history", nil, 401},
		{"my complaints need a token", anon, "GET", "/api/v1/my/complaints", nil, 401},
		{"my complaints for a citizen", cA, "GET", "/api/v1/my/complaints?limit=2", nil, 200},
		{"my complaints are not for officers", officer, "GET", "/api/v1/my/complaints", nil, 403},
		{"expired: no complaints", expiredC, "GET", "/api/v1/my/complaints", nil, 401},
		{"a bad status filter", cA, "GET", "/api/v1/my/complaints?status=lost", nil, 422},
		{"a bad cursor", cA, "GET", "/api/v1/my/complaints?cursor=zzz", nil, 422},
		{"the inbox needs a token", anon, "GET", "/api/v1/inbox", nil, 401},
		{"the inbox is not for citizens", cA, "GET", "/api/v1/inbox", nil, 403},
		{"the officer's inbox", officer, "GET", "/api/v1/inbox", nil, 200},
		{"the officer's area", officer, "GET", "/api/v1/inbox?tab=area&status=assigned", nil, 200},
		{"another officer's inbox", other, "GET", "/api/v1/inbox", nil, 200},
		{"the administrator has no inbox", admin, "GET", "/api/v1/inbox", nil, 403},
		{"a bad tab", officer, "GET", "/api/v1/inbox?tab=all", nil, 422},
		{"a bad limit", officer, "GET", "/api/v1/inbox?limit=1000", nil, 422},
		{"revoked: no inbox", revoked, "GET", "/api/v1/inbox", nil, 401},
		{"actions need a token", anon, "POST", X + "/accept", map[string]any{}, 401},
		{"a citizen cannot accept", cA, "POST", X + "/accept", map[string]any{}, 403},
		{"another officer cannot accept", other, "POST", X + "/accept", map[string]any{}, 404},
		{"expired: no action", expiredC, "POST", X + "/accept", map[string]any{}, 401},
		{"the officer accepts, with no body at all", officer, "POST", X + "/accept", nil, 200},
		{"accepting twice conflicts", officer, "POST", X + "/accept", map[string]any{}, 409},
		{"a note needs text", officer, "POST", X + "/note", map[string]any{}, 422},
		{"the officer notes", officer, "POST", X + "/note", map[string]any{"note": "स्थल देखा"}, 200},
		{"a citizen cannot note", cA, "POST", X + "/note", map[string]any{"note": "x"}, 403},
		{"forward to an unknown post", officer, "POST", X + "/forward", map[string]any{"to": "nobody", "note": "x"}, 422},
		{"forward upwards is refused", officer, "POST", X + "/forward", map[string]any{"to": "mun-l2", "note": "x"}, 422},
		{"an unknown field is refused", officer, "POST", X + "/note", map[string]any{"note": "x", "extra": 1}, 422},
		{"an unknown action", officer, "POST", X + "/explode", map[string]any{}, 404},
		{"a report without its photo is refused", officer, "POST", X + "/report", map[string]any{"note": "done"}, 422},
		{"a citizen cannot confirm an open complaint", cA, "POST", X + "/confirm", map[string]any{}, 409},
		{"the officer returns Z", officer, "POST", "/api/v1/complaints/" + z + "/return", map[string]any{"note": "जल संस्थान का मामला"}, 200},
		{"another officer cannot return", other, "POST", "/api/v1/complaints/" + y + "/return", map[string]any{"note": "x"}, 404},
		{"tokens need a token", anon, "GET", "/api/v1/tokens", nil, 401},
		{"a citizen lists their tokens", cA, "GET", "/api/v1/tokens", nil, 200},
		{"an officer lists their tokens", officer, "GET", "/api/v1/tokens", nil, 200},
		{"only the administrator lists all tokens", officer, "GET", "/api/v1/admin/tokens", nil, 403},
		{"a citizen cannot list all tokens", cA, "GET", "/api/v1/admin/tokens", nil, 403},
		{"the administrator lists all tokens", admin, "GET", "/api/v1/admin/tokens", nil, 200},
		{"a wrong password", anon, "POST", "/api/v1/tokens", map[string]any{"login": "mun-l1", "password": "wrong-password"}, 401},
		{"an unknown user", anon, "POST", "/api/v1/tokens", map[string]any{"login": "nobody", "password": "wrong-password"}, 401},
		{"a code for a malformed mobile", anon, "POST", "/api/v1/otp", map[string]any{"mobile": "12345"}, 422},
		{"a wrong code", anon, "POST", "/api/v1/otp/verify", map[string]any{"mobile": mobileB, "code": "000000"}, 422},
		{"a malformed code", anon, "POST", "/api/v1/otp/verify", map[string]any{"mobile": mobileB, "code": "12ab"}, 422},
		{"an unknown API path", anon, "GET", "/api/v1/nothing", nil, 404},
	}
	for _, tt := range cases {
		var r apiResponse
		if tt.body != nil {
			b, _ := json.Marshal(tt.body)
			r = tt.c.do(tt.method, tt.path, "application/json", b)
		} else {
			r = tt.c.do(tt.method, tt.path, "", nil)
		}
		if r.Status != tt.want {
			t.Errorf("%s: %s %s = %d, want %d\n%.300s", tt.name, tt.method, tt.path, r.Status, tt.want, r.Body)
		}
		if r.Status >= 400 {
			var e struct {
				Error struct{ Code, Message string }
			}
			if json.Unmarshal([]byte(r.Body), &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Errorf("%s: error body %q is not {\"error\":{code,message}}", tt.name, r.Body)
			}
		}
		if r.Status == 401 && r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tt.name)
		}
	}

	// What the answers say, beyond their status.
	var detail struct {
		Number, Status, Mobile string
		History                []struct{ Action, Note string }
	}
	officer.get(X).json(t, &detail)
	if detail.Status != "in_progress" || detail.Mobile != mobileA || len(detail.History) != 3 || detail.History[2].Note != "स्थल देखा" {
		t.Errorf("officer's view of X: %+v", detail)
	}
	cA.get(X).json(t, &detail)
	for _, h := range detail.History {
		if h.Action == "note" {
			t.Errorf("the citizen sees the internal note: %+v", detail.History)
		}
	}
	var pg struct {
		Complaints []struct{ Number string }
		Next       string
	}
	cA.get("/api/v1/my/complaints?limit=2").json(t, &pg)
	if len(pg.Complaints) != 2 || pg.Next == "" {
		t.Fatalf("first page of my complaints: %+v", pg)
	}
	var pg2 struct{ Complaints []struct{ Number string } }
	cA.get("/api/v1/my/complaints?limit=2&cursor="+pg.Next).json(t, &pg2)
	if len(pg2.Complaints) != 1 || pg2.Complaints[0].Number != x {
		t.Errorf("second page: %+v, want the oldest (%s) alone", pg2, x)
	}
	var inbox struct{ Complaints []struct{ Number string } }
	other.get("/api/v1/inbox?tab=area").json(t, &inbox)
	if len(inbox.Complaints) != 0 {
		t.Errorf("another department's inbox holds %+v", inbox)
	}
	officer.get("/api/v1/inbox").json(t, &inbox)
	if len(inbox.Complaints) != 2 {
		t.Errorf("the officer's inbox holds %d complaints, want X and Y (Z was returned): %+v", len(inbox.Complaints), inbox)
	}

	// The action-taken report with its photo and location, as multipart,
	// carrying an idempotency key; then the citizen's answers.
	report := func(number string) {
		t.Helper()
		r := officer.multipart("/api/v1/complaints/"+number+"/report", map[string]string{"note": "कूड़ा उठा लिया गया", "lat": "26.8500", "long": "80.9400"}, png)
		if r.Status != 200 || !strings.Contains(r.Body, `"resolved"`) {
			t.Fatalf("report on %s: %d %s", number, r.Status, r.Body)
		}
	}
	report(x)
	if r := cB.post(X+"/confirm", map[string]any{}); r.Status != 404 {
		t.Errorf("another citizen confirms: %d", r.Status)
	}
	if r := officer.post(X+"/confirm", map[string]any{}); r.Status != 403 {
		t.Errorf("the officer confirms for the citizen: %d", r.Status)
	}
	if r := cA.post(X+"/confirm", map[string]any{}, "Idempotency-Key", "confirm-1"); r.Status != 200 || !strings.Contains(r.Body, `"closed"`) {
		t.Errorf("the citizen confirms: %d %s", r.Status, r.Body)
	}
	report(y)
	Y := "/api/v1/complaints/" + y
	if r := cA.post(Y+"/reject", map[string]any{}); r.Status != 422 {
		t.Errorf("a rejection without a reason: %d", r.Status)
	}
	if r := cA.post(Y+"/reject", map[string]any{"note": "कूड़ा अब भी पड़ा है"}); r.Status != 200 || !strings.Contains(r.Body, `"reopened"`) {
		t.Errorf("the citizen rejects: %d %s", r.Status, r.Body)
	}
	if r := officer.post(Y+"/accept", map[string]any{}, "Idempotency-Key", "bad key with spaces"); r.Status != 422 {
		t.Errorf("a malformed Idempotency-Key: %d", r.Status)
	}

	// Forwarding down the ladder: the control room gives W to the level-2
	// officer (set-up through the service), who forwards it to level 1.
	w := file()
	ms, _ := m.Store.Masters(context.Background())
	l2 := ms.OfficerByCode("mun-l2")
	control := grievance.Actor{UserID: 1, Login: "admin", Roles: []grievance.Role{grievance.RoleSupervisor}}
	if _, err := m.Store.Act(context.Background(), control, w, grievance.Action{Kind: grievance.ActReassign, Department: "mun",
		Target: &grievance.Officer{ID: l2.ID}, Note: "स्तर 2"}); err != nil {
		t.Fatal(err)
	}
	level2 := anon.as(anon.signIn("mun-l2", testDemoPassword))
	var wv struct {
		ForwardTo []struct{ Code string } `json:"forward_to"`
	}
	level2.get("/api/v1/complaints/"+w).json(t, &wv)
	if len(wv.ForwardTo) != 1 || wv.ForwardTo[0].Code != "mun-l1" {
		t.Fatalf("level 2 may forward W to %+v, want mun-l1", wv.ForwardTo)
	}
	if r := level2.post("/api/v1/complaints/"+w+"/forward", map[string]any{"to": "mun-l1"}); r.Status != 422 {
		t.Errorf("a forward without a note: %d", r.Status)
	}
	if r := officer.post("/api/v1/complaints/"+w+"/forward", map[string]any{"to": "mun-l1", "note": "x"}); r.Status != 403 {
		t.Errorf("level 1, who can see W but does not hold it, forwards it: %d %s", r.Status, r.Body)
	}
	if r := level2.post("/api/v1/complaints/"+w+"/forward", map[string]any{"to": "mun-l1", "note": "कृपया देखें"}); r.Status != 200 || !strings.Contains(r.Body, `"level":1`) {
		t.Errorf("level 2 forwards W: %d %s", r.Status, r.Body)
	}

	// Filing with photos as multipart.
	r := anon.multipart("/api/v1/complaints", map[string]string{"name": "सीता", "mobile": mobileB, "category": "mun-garbage",
		"area": "w-z1-aminabad", "address": "गली 5", "description": "कूड़ा", "lat": "26.85", "long": "80.94"}, png, png)
	if r.Status != 201 {
		t.Fatalf("multipart filing: %d %s", r.Status, r.Body)
	}
	var filed struct{ Number string }
	r.json(t, &filed)
	var seen struct {
		Photos    int
		PhotoURLs []string `json:"photo_urls"`
	}
	cB.get("/api/v1/complaints/"+filed.Number).json(t, &seen)
	if seen.Photos != 2 || len(seen.PhotoURLs) != 2 {
		t.Fatalf("the filing kept %d photos (%v), want 2", seen.Photos, seen.PhotoURLs)
	}
	for _, tt := range []struct {
		who  string
		c    *apiClient
		want int
	}{{"the citizen", cB, 200}, {"another citizen", cA, 404}, {"the officer", officer, 200}, {"another department", other, 404}, {"anyone", anon, 401}} {
		r := tt.c.get(seen.PhotoURLs[0])
		if r.Status != tt.want || tt.want == 200 && (r.Header.Get("Content-Type") != "image/png" || r.Body != string(png)) {
			t.Errorf("%s fetches a photo: %d %s", tt.who, r.Status, r.Header.Get("Content-Type"))
		}
	}
	if r := cB.get("/api/v1/complaints/" + filed.Number + "/photos/999999"); r.Status != 404 {
		t.Errorf("an unknown photo: %d", r.Status)
	}
	if r := anon.multipart("/api/v1/complaints", map[string]string{"name": "x", "mobile": mobileB}, []byte("not an image")); r.Status != 422 || !strings.Contains(r.Body, `"photo"`) {
		t.Errorf("a non-image photo: %d %s", r.Status, r.Body)
	}

	// Tokens: an owner revokes their own only; the administrator any, audited.
	var mine struct{ Tokens []struct{ ID int64 } }
	cB.get("/api/v1/tokens").json(t, &mine)
	if len(mine.Tokens) != 1 {
		t.Fatalf("citizen B's tokens: %+v", mine)
	}
	bID := mine.Tokens[0].ID
	if r := cA.delete(fmt.Sprint("/api/v1/tokens/", bID)); r.Status != 404 {
		t.Errorf("citizen A revoked B's token: %d", r.Status)
	}
	if r := officer.delete(fmt.Sprint("/api/v1/admin/tokens/", bID)); r.Status != 403 {
		t.Errorf("an officer used the admin revocation: %d", r.Status)
	}
	var all struct{ Tokens []struct{ Scope string } }
	admin.get("/api/v1/admin/tokens").json(t, &all)
	for _, tk := range all.Tokens {
		if strings.Contains(tk.Scope, mobileA) || strings.Contains(tk.Scope, mobileB) {
			t.Errorf("the administrator's list shows a citizen's mobile: %s", tk.Scope)
		}
	}
	if r := admin.delete(fmt.Sprint("/api/v1/admin/tokens/", bID)); r.Status != 204 {
		t.Fatalf("admin revokes: %d %s", r.Status, r.Body)
	}
	if r := cB.get("/api/v1/tokens"); r.Status != 401 {
		t.Errorf("a token revoked by the administrator still works: %d", r.Status)
	}
	if entries, _ := m.Store.Audit(context.Background(), grievance.AuditFilter{Entity: grievance.AuditAPIToken}); len(entries) != 1 || entries[0].ActorLogin != "admin" {
		t.Errorf("audit of the revocation: %+v", entries)
	}
	second := anon.signIn("mun-l1", testDemoPassword)
	officer.get("/api/v1/tokens").json(t, &mine)
	if len(mine.Tokens) != 2 {
		t.Fatalf("officer's tokens: %+v", mine)
	}
	if r := officer.delete(fmt.Sprint("/api/v1/tokens/", mine.Tokens[0].ID)); r.Status != 204 {
		t.Errorf("revoke own other token: %d", r.Status)
	}
	if r := anon.as(second).get("/api/v1/tokens"); r.Status != 401 {
		t.Errorf("the revoked second token works: %d", r.Status)
	}
	if r := officer.delete("/api/v1/tokens/current"); r.Status != 204 {
		t.Errorf("sign out: %d", r.Status)
	}
	if r := officer.get("/api/v1/inbox"); r.Status != 401 {
		t.Errorf("a signed-out token works: %d", r.Status)
	}

	// A disabled account's tokens stop at once; an account that must change
	// its password gets no token until it has.
	ctx := context.Background()
	adminActor := grievance.Actor{UserID: 1, Login: "admin", Roles: []grievance.Role{grievance.RoleAdmin}}
	jal, _ := m.Store.UserByLogin(ctx, "jalkal-l1")
	if err := m.Store.AdminSetUserDisabled(ctx, adminActor, jal.ID, true); err != nil {
		t.Fatal(err)
	}
	if r := other.get("/api/v1/inbox"); r.Status != 401 {
		t.Errorf("a disabled account's token: %d", r.Status)
	}
	l3, _ := m.Store.UserByLogin(ctx, "mun-l3")
	if err := m.Store.AdminResetPassword(ctx, adminActor, l3.ID, auth.HashPassword("temporary-password-1", auth.DefaultParams)); err != nil {
		t.Fatal(err)
	}
	if r := anon.post("/api/v1/tokens", map[string]string{"login": "mun-l3", "password": "temporary-password-1"}); r.Status != 403 {
		t.Errorf("sign-in that must change its password: %d %s", r.Status, r.Body)
	}

	// The developer page, in both languages, links the document.
	for lang, want := range map[string]string{"hi": "डेवलपर के लिए", "en": "for developers"} {
		res, err := http.Get(m.URL() + "/api?lang=" + lang)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) || !strings.Contains(string(b), "/api/v1/openapi.json") ||
			!strings.Contains(string(b), "POST /api/v1/complaints/{number}/report") {
			t.Errorf("/api?lang=%s: %d, lacks %q or the endpoints", lang, res.StatusCode, want)
		}
	}
	sc.requireAll()
}

// TestAPIRateLimit: past the limit the API answers 429 with Retry-After,
// in the documented error format.
func TestAPIRateLimit(t *testing.T) {
	m := MustRunMain(t, "", map[string]string{"NIVARAN_RATE_LIMITS": "3/m"})
	sc := newSpecCheck(t, m.URL())
	c := newAPIClient(t, m, sc)
	tok := c.signIn("mun-l1", testDemoPassword) // one of the address's three
	var last apiResponse
	for range 3 {
		last = c.get("/api/v1/complaints/26010000000?mobile=" + mobileA)
	}
	if last.Status != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("4th request over 3/m: %d, Retry-After %q", last.Status, last.Header.Get("Retry-After"))
	}
	// A token has its own allowance, apart from its address's: ten times it.
	for range 30 {
		if last = c.as(tok).get("/api/v1/inbox"); last.Status != 200 {
			t.Fatalf("authenticated request within 30/m: %d", last.Status)
		}
	}
	for range 1 {
		last = c.as(tok).get("/api/v1/inbox")
	}
	if last.Status != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("31st authenticated request over 30/m: %d", last.Status)
	}
}
