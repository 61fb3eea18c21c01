package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"nivaran/internal/grievance"
)

// georeportSchemas compiles the GeoReport v2 JSON schemas the Open311
// project publishes (testdata/georeport-v2, see SOURCE.md there).
func georeportSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	names := []string{"request", "requests", "service", "services", "service-definition"}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", "georeport-v2", n+".json"))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("file:///georeport-v2/"+n+".json", doc); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]*jsonschema.Schema{}
	for _, n := range names {
		s, err := c.Compile("file:///georeport-v2/" + n + ".json")
		if err != nil {
			t.Fatalf("compile %s: %v", n, err)
		}
		out[n] = s
	}
	return out
}

type o311 struct {
	t       *testing.T
	base    string
	schemas map[string]*jsonschema.Schema
}

type o311Response struct {
	Status int
	Body   []byte
	Header http.Header
}

func (o *o311) do(method, path string, form url.Values) o311Response {
	o.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, o.base+"/open311/v2/"+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := o311Response{Status: res.StatusCode, Body: b, Header: res.Header}
	// The specification's encoding rules hold for every answer.
	switch {
	case strings.Contains(path, ".json"):
		if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			o.t.Errorf("%s: Content-Type %q", path, ct)
		}
	case strings.Contains(path, ".xml"):
		if ct := res.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
			o.t.Errorf("%s: Content-Type %q", path, ct)
		}
		if !bytes.HasPrefix(b, []byte(`<?xml version="1.0" encoding="utf-8"?>`)) {
			o.t.Errorf("%s: no XML declaration with the encoding: %.80s", path, b)
		}
	}
	return r
}

// valid checks a JSON answer against one of the published schemas.
func (o *o311) valid(schema string, r o311Response) {
	o.t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Body))
	if err != nil {
		o.t.Fatalf("not JSON: %v\n%s", err, r.Body)
	}
	if err := o.schemas[schema].Validate(v); err != nil {
		o.t.Errorf("answer does not match the GeoReport v2 schema %s: %v\n%.500s", schema, err, r.Body)
	}
}

// specError is the standard's error list, in JSON and XML.
type specError struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

type specErrors struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []specError `xml:"error"`
}

// wantError checks an error answer: the HTTP status, and the standard's
// error list carrying the same code and a description.
func (o *o311) wantError(what string, r o311Response, status int, xmlFormat bool) {
	o.t.Helper()
	if r.Status != status {
		o.t.Errorf("%s: status %d, want %d: %s", what, r.Status, status, r.Body)
		return
	}
	var list []specError
	if xmlFormat {
		var x specErrors
		if err := xml.Unmarshal(r.Body, &x); err != nil {
			o.t.Errorf("%s: error list is not the standard's XML: %v\n%s", what, err, r.Body)
		}
		list = x.Errors
	} else if err := json.Unmarshal(r.Body, &list); err != nil {
		o.t.Errorf("%s: error list is not the standard's JSON: %v\n%s", what, err, r.Body)
	}
	if len(list) != 1 || list[0].Code != status || list[0].Description == "" {
		o.t.Errorf("%s: error list %+v, want one error with code %d and a description", what, list, status)
	}
}

// The specification's XML, as a client reads it (written from the
// specification's examples, not from our types).
type specService struct {
	Code     string `xml:"service_code" json:"service_code"`
	Name     string `xml:"service_name" json:"service_name"`
	Metadata bool   `xml:"metadata" json:"metadata"`
	Type     string `xml:"type" json:"type"`
	Group    string `xml:"group" json:"group"`
}

type specServices struct {
	XMLName  xml.Name      `xml:"services"`
	Services []specService `xml:"service"`
}

type specDefinition struct {
	XMLName    xml.Name `xml:"service_definition"`
	Code       string   `xml:"service_code"`
	Attributes []struct {
		Code     string `xml:"code"`
		Datatype string `xml:"datatype"`
		Required bool   `xml:"required"`
		Values   []struct {
			Key  string `xml:"key"`
			Name string `xml:"name"`
		} `xml:"values>value"`
	} `xml:"attributes>attribute"`
}

type specRequest struct {
	ID                string   `xml:"service_request_id" json:"service_request_id"`
	Token             string   `xml:"token" json:"token"`
	Status            string   `xml:"status" json:"status"`
	StatusNotes       string   `xml:"status_notes" json:"status_notes"`
	ServiceName       string   `xml:"service_name" json:"service_name"`
	ServiceCode       string   `xml:"service_code" json:"service_code"`
	ServiceNotice     string   `xml:"service_notice" json:"service_notice"`
	AgencyResponsible string   `xml:"agency_responsible" json:"agency_responsible"`
	RequestedDatetime string   `xml:"requested_datetime" json:"requested_datetime"`
	UpdatedDatetime   string   `xml:"updated_datetime" json:"updated_datetime"`
	ExpectedDatetime  string   `xml:"expected_datetime" json:"expected_datetime"`
	Address           string   `xml:"address" json:"address"`
	Lat               *float64 `xml:"lat" json:"lat"`
	Long              *float64 `xml:"long" json:"long"`
}

type specRequests struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []specRequest `xml:"request"`
}

var o311KeyRE = regexp.MustCompile(`<code>(o311_[A-Za-z0-9_-]+)</code>`)

// TestOpen311 drives GeoReport v2 as the specification describes it, with
// a key the administrator issues on the admin page: every JSON answer is
// checked against the published schemas, every XML answer is read as the
// specification's examples show it and must say what the JSON says.
func TestOpen311(t *testing.T) {
	m := MustRunMain(t, "", map[string]string{"NIVARAN_BASE_URL": "http://www.nivaran.example.in"})
	o := &o311{t: t, base: m.URL(), schemas: georeportSchemas(t)}
	ctx := context.Background()
	ms, _ := m.Store.Masters(ctx)

	// The administrator issues a key; it is shown once.
	admin := newClient(t, m)
	tok := admin.login("admin", testAdminPassword)
	page := admin.postForm("/admin/api/keys", url.Values{"csrf": {tok}, "name": {"नगर ऐप"}})
	km := o311KeyRE.FindStringSubmatch(page.Body)
	if page.Status != 200 || km == nil {
		t.Fatalf("issue key: %d\n%.800s", page.Status, page.Body)
	}
	key := km[1]
	if r := admin.postForm("/admin/api/keys", url.Values{"csrf": {tok}, "name": {""}}); r.Status != 422 {
		t.Errorf("a key without a name: %d", r.Status)
	}

	// Discovery.
	r := o.do("GET", "discovery.json", nil)
	var disc struct {
		Endpoints []struct {
			Specification, URL, Type string
			Formats                  []string
		}
	}
	if err := json.Unmarshal(r.Body, &disc); err != nil || r.Status != 200 || len(disc.Endpoints) != 1 ||
		disc.Endpoints[0].Specification != "http://wiki.open311.org/GeoReport_v2" || !strings.HasSuffix(disc.Endpoints[0].URL, "/open311/v2") ||
		!slices.Contains(disc.Endpoints[0].Formats, "text/xml") || !slices.Contains(disc.Endpoints[0].Formats, "application/json") {
		t.Errorf("discovery: %d %s", r.Status, r.Body)
	}
	var xdisc struct {
		XMLName   xml.Name `xml:"discovery"`
		Endpoints []struct {
			URL     string   `xml:"url"`
			Formats []string `xml:"formats>format"`
		} `xml:"endpoints>endpoint"`
	}
	if r := o.do("GET", "discovery.xml", nil); xml.Unmarshal(r.Body, &xdisc) != nil || len(xdisc.Endpoints) != 1 || xdisc.Endpoints[0].URL != disc.Endpoints[0].URL {
		t.Errorf("discovery.xml: %s", r.Body)
	}

	// Services: every active category, names in Hindi by default.
	r = o.do("GET", "services.json", nil)
	o.valid("services", r)
	var services []specService
	json.Unmarshal(r.Body, &services)
	var xs specServices
	if err := xml.Unmarshal(o.do("GET", "services.xml", nil).Body, &xs); err != nil {
		t.Fatal(err)
	}
	if len(services) < 40 || !slices.Equal(services, xs.Services) {
		t.Fatalf("services: %d in JSON, XML says the same: %v", len(services), slices.Equal(services, xs.Services))
	}
	garbage := ms.Category("mun-garbage")
	for _, sv := range services {
		if sv.Code == "mun-garbage" && (sv.Name != garbage.Name.Hi || sv.Group != ms.Department("mun").Name.Hi || !sv.Metadata || sv.Type != "realtime") {
			t.Errorf("mun-garbage as a service: %+v", sv)
		}
	}
	var en []specService
	json.Unmarshal(o.do("GET", "services.json?lang=en", nil).Body, &en)
	if len(en) == 0 || en[0].Name == services[0].Name {
		t.Errorf("lang=en gives the same names")
	}

	// A service definition: the area is a required singlevaluelist.
	r = o.do("GET", "services/mun-garbage.json", nil)
	o.valid("service-definition", r)
	var def specDefinition
	if err := xml.Unmarshal(o.do("GET", "services/mun-garbage.xml", nil).Body, &def); err != nil {
		t.Fatal(err)
	}
	if def.Code != "mun-garbage" || len(def.Attributes) != 1 || def.Attributes[0].Code != "area" || def.Attributes[0].Datatype != "singlevaluelist" ||
		!def.Attributes[0].Required || !slices.ContainsFunc(def.Attributes[0].Values, func(v struct {
		Key  string `xml:"key"`
		Name string `xml:"name"`
	}) bool {
		return v.Key == "w-z1-aminabad" && strings.Contains(v.Name, ms.Area("w-z1-aminabad").Name.Hi)
	}) {
		t.Errorf("service definition: %+v", def)
	}
	o.wantError("unknown service", o.do("GET", "services/nothing.json", nil), 404, false)
	o.wantError("unknown service (XML)", o.do("GET", "services/nothing.xml", nil), 404, true)

	// POST requests.
	form := func(extra map[string]string) url.Values {
		v := url.Values{"api_key": {key}, "service_code": {"mun-garbage"}, "lat": {"26.8512"}, "long": {"80.9401"},
			"address_string": {"अमीनाबाद बाज़ार, गली 4"}, "first_name": {"राम"}, "last_name": {"कुमार"}, "phone": {"+91 98765 43210"},
			"description": {"तीन दिन से कूड़ा नहीं उठा।"}, "attribute[area]": {"w-z1-aminabad"}}
		for k, s := range extra {
			if s == "" {
				v.Del(k)
			} else {
				v.Set(k, s)
			}
		}
		return v
	}
	before := count(t, m)
	o.wantError("no api_key", o.do("POST", "requests.json", form(map[string]string{"api_key": ""})), 403, false)
	o.wantError("wrong api_key", o.do("POST", "requests.xml", form(map[string]string{"api_key": "o311_guess"})), 403, true)
	o.wantError("no service_code", o.do("POST", "requests.json", form(map[string]string{"service_code": ""})), 400, false)
	o.wantError("unknown service_code", o.do("POST", "requests.json", form(map[string]string{"service_code": "nothing"})), 404, false)
	o.wantError("no location", o.do("POST", "requests.json", form(map[string]string{"lat": "", "long": "", "address_string": ""})), 400, false)
	o.wantError("half a location", o.do("POST", "requests.json", form(map[string]string{"long": ""})), 400, false)
	o.wantError("no area", o.do("POST", "requests.json", form(map[string]string{"attribute[area]": ""})), 400, false)
	o.wantError("unknown area", o.do("POST", "requests.json", form(map[string]string{"attribute[area]": "atlantis"})), 400, false)
	o.wantError("no phone", o.do("POST", "requests.json", form(map[string]string{"phone": ""})), 400, false)
	o.wantError("another jurisdiction", o.do("POST", "requests.json", form(map[string]string{"jurisdiction_id": "sfgov.org"})), 404, false)
	if n := count(t, m); n != before {
		t.Fatalf("refused requests filed %d complaints", n-before)
	}
	r = o.do("POST", "requests.json", form(nil))
	var made []specRequest
	if err := json.Unmarshal(r.Body, &made); r.Status != 201 || err != nil || len(made) != 1 || made[0].ID == "" || made[0].Token != "" || made[0].ServiceNotice == "" {
		t.Fatalf("POST requests.json: %d %s", r.Status, r.Body)
	}
	id := made[0].ID
	var xmade specRequests
	r = o.do("POST", "requests.xml", form(map[string]string{"description": "दूसरी शिकायत", "phone": "9822222222"}))
	if err := xml.Unmarshal(r.Body, &xmade); r.Status != 201 || err != nil || len(xmade.Requests) != 1 || xmade.Requests[0].ID == "" {
		t.Fatalf("POST requests.xml: %d %s", r.Status, r.Body)
	}
	id2 := xmade.Requests[0].ID
	c, err := m.Store.Complaint(ctx, grievance.SystemActor, id)
	if err != nil || c.Channel != grievance.ChannelOpen311 || c.Mobile != "9876543210" || c.Name != "राम कुमार" || c.Address != "अमीनाबाद बाज़ार, गली 4" || c.Location == nil {
		t.Fatalf("the filed complaint: %+v, %v", c, err)
	}

	// GET requests/{id}: the published schema, the mapping, no personal data.
	r = o.do("GET", "requests/"+id+".json", nil)
	o.valid("requests", r)
	var one []specRequest
	json.Unmarshal(r.Body, &one)
	if len(one) != 1 {
		t.Fatalf("requests/%s: %s", id, r.Body)
	}
	got := one[0]
	wantDue := c.Due.In(m.Config.Location).Format(time.RFC3339)
	if got.Status != "open" || got.ExpectedDatetime != wantDue || got.AgencyResponsible != ms.Department("mun").Name.Hi ||
		got.ServiceName != garbage.Name.Hi || got.StatusNotes == "" || !strings.Contains(got.Address, ms.Area("w-z1-aminabad").Name.Hi) ||
		got.Lat == nil || *got.Lat != 26.851 {
		t.Errorf("request as published: %+v (expected %s)", got, wantDue)
	}
	for _, private := range []string{"9876543210", "कुमार", "गली 4", "तीन दिन"} {
		if bytes.Contains(r.Body, []byte(private)) {
			t.Errorf("GET requests publishes %q: %s", private, r.Body)
		}
	}
	var xone specRequests
	if err := xml.Unmarshal(o.do("GET", "requests/"+id+".xml", nil).Body, &xone); err != nil || len(xone.Requests) != 1 || xone.Requests[0] != withoutPointers(got, xone.Requests[0]) {
		t.Errorf("XML round trip of requests/%s: %+v vs JSON %+v (%v)", id, xone.Requests, got, err)
	}
	o.wantError("unknown request", o.do("GET", "requests/26010000000.json", nil), 404, false)

	// tokens/{token}: requests are realtime, a request's token is its ID.
	r = o.do("GET", "tokens/"+id+".json", nil)
	var toks []specRequest
	if json.Unmarshal(r.Body, &toks); r.Status != 200 || len(toks) != 1 || toks[0].ID != id || toks[0].Token != id {
		t.Errorf("tokens/%s: %d %s", id, r.Status, r.Body)
	}
	o.wantError("unknown token", o.do("GET", "tokens/nothing.xml", nil), 404, true)

	// The officer resolves the first: it is then closed, with notes.
	officer := newAPIClient(t, m, newSpecCheck(t, m.URL()))
	officer = officer.as(officer.signIn("mun-l1", testDemoPassword))
	if r := officer.multipart("/api/v1/complaints/"+id+"/report", map[string]string{"note": "उठा लिया", "lat": "26.8512", "long": "80.9401"}, pngImage(t)); r.Status != 200 {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}

	// GET requests: filters and defaults.
	list := func(q string) []specRequest {
		t.Helper()
		r := o.do("GET", "requests.json"+q, nil)
		if r.Status != 200 {
			t.Fatalf("requests.json%s: %d %s", q, r.Status, r.Body)
		}
		o.valid("requests", r)
		var out []specRequest
		json.Unmarshal(r.Body, &out)
		return out
	}
	ids := func(rs []specRequest) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	all := list("")
	if !slices.Equal(ids(all), []string{id2, id}) {
		t.Errorf("default list: %v, want newest first [%s %s]", ids(all), id2, id)
	}
	if closed := list("?status=closed"); len(closed) != 1 || closed[0].ID != id || closed[0].ExpectedDatetime != "" || closed[0].StatusNotes == got.StatusNotes {
		t.Errorf("status=closed: %+v", closed)
	}
	if open := list("?status=open"); !slices.Equal(ids(open), []string{id2}) {
		t.Errorf("status=open: %v", ids(open))
	}
	if both := list("?status=open,closed&service_code=mun-garbage,jal-leakage"); len(both) != 2 {
		t.Errorf("status=open,closed and two services: %v", ids(both))
	}
	if none := list("?service_code=jal-leakage"); len(none) != 0 {
		t.Errorf("service_code=jal-leakage: %v", ids(none))
	}
	if picked := list("?service_request_id=" + id + ",26010000000&status=open"); !slices.Equal(ids(picked), []string{id}) {
		t.Errorf("service_request_id overrides the other arguments: %v", ids(picked))
	}
	old := time.Now().AddDate(0, 0, -200).UTC().Format(time.RFC3339)
	if past := list("?end_date=" + url.QueryEscape(old)); len(past) != 0 {
		t.Errorf("end_date 200 days ago: %v", ids(past))
	}
	if empty := list("?status="); len(empty) != 2 {
		t.Errorf("an empty argument is as if not sent: %v", ids(empty))
	}
	o.wantError("a window over 90 days", o.do("GET", "requests.json?start_date="+url.QueryEscape(old)+"&end_date="+url.QueryEscape(time.Now().UTC().Format(time.RFC3339)), nil), 400, false)
	o.wantError("a date without a zone", o.do("GET", "requests.json?start_date=2026-01-01T00:00:00", nil), 400, false)
	o.wantError("an unknown status", o.do("GET", "requests.xml?status=pending", nil), 400, true)
	o.wantError("another jurisdiction", o.do("GET", "requests.json?jurisdiction_id=sfgov.org", nil), 404, false)
	if r := o.do("GET", "requests.json?jurisdiction_id=nivaran.example.in", nil); r.Status != 200 {
		t.Errorf("our own jurisdiction_id: %d %s", r.Status, r.Body)
	}
	var xall specRequests
	if err := xml.Unmarshal(o.do("GET", "requests.xml", nil).Body, &xall); err != nil || len(xall.Requests) != 2 || xall.Requests[1].Status != "closed" {
		t.Errorf("requests.xml: %+v %v", xall, err)
	}
	o.wantError("no format", o.do("GET", "requests", nil), 404, true)
	o.wantError("another format", o.do("GET", "requests.csv", nil), 404, true)
	o.wantError("PUT", o.do("PUT", "requests.json", url.Values{}), 405, false)

	// The administrator revokes the key: it no longer files; both changes
	// are in the audit log.
	keys, _ := m.Store.Open311Keys(ctx, grievance.Actor{Roles: []grievance.Role{grievance.RoleAdmin}})
	if len(keys) != 1 {
		t.Fatalf("keys: %+v", keys)
	}
	if r := admin.postForm("/admin/api/keys/"+itoa(keys[0].ID)+"/revoke", url.Values{"csrf": {tok}}); r.Status != 303 {
		t.Fatalf("revoke: %d", r.Status)
	}
	o.wantError("revoked api_key", o.do("POST", "requests.json", form(nil)), 403, false)
	entries, _ := m.Store.Audit(ctx, grievance.AuditFilter{Entity: grievance.AuditOpen311Key})
	if len(entries) != 2 || entries[0].Action != grievance.AuditRevoke || entries[1].Action != grievance.AuditCreate || strings.Contains(entries[1].After, key) {
		t.Errorf("audit of the key: %+v", entries)
	}
	p := admin.get("/admin/api")
	if p.Status != 200 || !strings.Contains(p.Body, "नगर ऐप") || strings.Contains(p.Body, key) {
		t.Errorf("the admin page lists the key without its secret: %d", p.Status)
	}

	// The same page revokes an officer's API token, audited.
	var mine struct{ Tokens []struct{ ID int64 } }
	officer.get("/api/v1/tokens").json(t, &mine)
	if len(mine.Tokens) != 1 || !strings.Contains(p.Body, "mun-l1") || !strings.Contains(p.Body, "/admin/api/tokens/"+itoa(mine.Tokens[0].ID)+"/revoke") {
		t.Fatalf("the admin page does not list the officer's token %+v", mine)
	}
	if r := admin.postForm("/admin/api/tokens/"+itoa(mine.Tokens[0].ID)+"/revoke", url.Values{"csrf": {tok}}); r.Status != 303 {
		t.Fatalf("revoke token: %d", r.Status)
	}
	if r := officer.get("/api/v1/inbox"); r.Status != 401 {
		t.Errorf("a token revoked on the admin page still works: %d", r.Status)
	}
	if entries, _ := m.Store.Audit(ctx, grievance.AuditFilter{Entity: grievance.AuditAPIToken}); len(entries) != 1 {
		t.Errorf("audit of the token's revocation: %+v", entries)
	}
	if r := admin.postForm("/admin/api/tokens/"+itoa(mine.Tokens[0].ID)+"/revoke", url.Values{"csrf": {tok}}); r.Status != 404 {
		t.Errorf("revoking twice: %d", r.Status)
	}
	if p := admin.get("/admin/audit?entity=open311_key"); p.Status != 200 || !strings.Contains(p.Body, "Open311 कुंजी") || !strings.Contains(p.Body, "रद्द किया") {
		t.Errorf("the audit page names the key's changes: %d", p.Status)
	}
	officerPage := newClient(t, m)
	officerPage.login("mun-l1", testDemoPassword)
	if r := officerPage.get("/admin/api"); r.Status != 403 {
		t.Errorf("an officer opens /admin/api: %d", r.Status)
	}
}

// withoutPointers returns j with x's coordinate pointers when they hold the
// same values, so that two decodings compare equal.
func withoutPointers(j, x specRequest) specRequest {
	if j.Lat != nil && x.Lat != nil && *j.Lat == *x.Lat {
		j.Lat = x.Lat
	}
	if j.Long != nil && x.Long != nil && *j.Long == *x.Long {
		j.Long = x.Long
	}
	return j
}
