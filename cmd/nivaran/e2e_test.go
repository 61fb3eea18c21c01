package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"nivaran/internal/grievance"
)

var numberRE = regexp.MustCompile(`/c/(\d{11})\?t=([0-9a-f]+)`)

// TestCitizenAndOfficerFlow walks a complaint's whole life through the HTML
// surfaces as a citizen and an officer would, without JavaScript.
func TestCitizenAndOfficerFlow(t *testing.T) {
	m := MustRunMain(t, "", nil)
	citizen := newClient(t, m)

	form := citizen.get("/")
	if form.Status != 200 || !strings.Contains(form.Body, "शिकायत दर्ज करें") || !strings.Contains(form.Body, `lang="hi"`) {
		t.Fatalf("form: status %d, want the Hindi form", form.Status)
	}
	res := citizen.postMultipart("/complaints", url.Values{
		"csrf": {csrf(t, form.Body)}, "name": {"सीता देवी"}, "mobile": {"+91 98765 43210"}, "category": {"mun-garbage"},
		"area": {"w-z1-aminabad"}, "address": {"गली 4, अमीनाबाद"}, "description": {"तीन दिन से कूड़ा नहीं उठा।"},
		"lat": {"26.8467"}, "long": {"80.9462"},
	}, file{"photo", "kooda.png", pngImage(t)})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("file: status %d, want 303\n%.2000s", res.Status, res.Body)
	}
	mm := numberRE.FindStringSubmatch(res.Location)
	if mm == nil {
		t.Fatalf("redirect %q is not a complaint link", res.Location)
	}
	number := mm[1]
	receipt := citizen.get(res.Location)
	for _, want := range []string{number, "आपकी शिकायत दर्ज हो गई है", "नगर निगम लखनऊ", "ज़ोनल सफ़ाई अधिकारी", "निस्तारण की अंतिम तिथि"} {
		if !strings.Contains(receipt.Body, want) {
			t.Errorf("receipt lacks %q", want)
		}
	}
	if strings.Contains(receipt.Body, "9876543210") {
		t.Error("receipt shows the mobile number")
	}
	// A link with a wrong token shows nothing.
	if r := citizen.get("/c/" + number + "?t=00000000000000000000000000000000"); r.Status != 404 {
		t.Errorf("wrong token: status %d, want 404", r.Status)
	}

	// The officer of the department sees it in the inbox and acts on it.
	officer := newClient(t, m)
	token := officer.login("mun-l1", testDemoPassword)
	inbox := officer.get("/officer")
	if !strings.Contains(inbox.Body, number) {
		t.Fatalf("inbox lacks %s", number)
	}
	page := officer.get("/officer/complaints/" + number)
	if !strings.Contains(page.Body, "सीता देवी") || !strings.Contains(page.Body, "9876543210") {
		t.Error("officer's page lacks the complainant's name and mobile")
	}
	if r := officer.postForm("/officer/complaints/"+number+"/accept", url.Values{"csrf": {token}}); r.Status != 303 {
		t.Fatalf("accept: %d\n%.1000s", r.Status, r.Body)
	}
	if r := officer.postForm("/officer/complaints/"+number+"/note", url.Values{"csrf": {token}, "note": {"ठेकेदार से बात हुई"}}); r.Status != 303 {
		t.Fatalf("note: %d", r.Status)
	}
	// A report without the proof a garbage complaint needs is refused.
	r0 := officer.postMultipart("/officer/complaints/"+number+"/report", url.Values{"csrf": {token}, "note": {"हो गया"}})
	if r0.Status != http.StatusUnprocessableEntity || !strings.Contains(r0.Body, "फ़ोटो अनिवार्य") {
		t.Fatalf("report without photo: status %d, want 422 with a Hindi message", r0.Status)
	}
	// A photo taken far from the place is refused too.
	r0 = officer.postMultipart("/officer/complaints/"+number+"/report", url.Values{"csrf": {token}, "note": {"हो गया"},
		"lat": {"26.90"}, "long": {"80.9462"}}, file{"photo", "x.png", pngImage(t)})
	if r0.Status != http.StatusUnprocessableEntity || !strings.Contains(r0.Body, "बहुत दूर") {
		t.Fatalf("report far away: status %d", r0.Status)
	}
	// A report without remarks is refused with a message and changes nothing.
	r := officer.postMultipart("/officer/complaints/"+number+"/report", url.Values{"csrf": {token}, "note": {"  "}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "टिप्पणी लिखें") {
		t.Fatalf("empty report: status %d, want 422 with a Hindi message", r.Status)
	}
	r = officer.postMultipart("/officer/complaints/"+number+"/report", url.Values{
		"csrf": {token}, "note": {"कूड़ा उठवा दिया गया, स्थान साफ़ है।"}, "lat": {"26.8468"}, "long": {"80.9463"},
	}, file{"photo", "saaf.png", pngImage(t)})
	if r.Status != 303 {
		t.Fatalf("report: %d\n%.1000s", r.Status, r.Body)
	}

	// The citizen tracks it with number and mobile and sees the report, not the internal note.
	tr := citizen.get("/track")
	r = citizen.postForm("/track", url.Values{"csrf": {csrf(t, tr.Body)}, "number": {number}, "mobile": {"9876543210"}})
	if r.Status != 303 {
		t.Fatalf("track: %d\n%.1000s", r.Status, r.Body)
	}
	status := citizen.get(r.Location)
	for _, want := range []string{"निस्तारित", "कूड़ा उठवा दिया गया", "स्वीकार करें"} {
		if !strings.Contains(status.Body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if strings.Contains(status.Body, "ठेकेदार") {
		t.Error("status page shows an internal note")
	}
	photos := regexp.MustCompile(`<img src="(/c/[^"]+)"`).FindAllStringSubmatch(status.Body, -1)
	if len(photos) != 2 {
		t.Fatalf("status page shows %d photos, want 2 (citizen's and officer's)", len(photos))
	}
	img := citizen.get(strings.ReplaceAll(photos[1][1], "&amp;", "&"))
	if img.Status != 200 || img.Header.Get("Content-Type") != "image/png" {
		t.Errorf("photo: status %d type %q", img.Status, img.Header.Get("Content-Type"))
	}
	// Wrong mobile: a clear message, no link.
	r = citizen.postForm("/track", url.Values{"csrf": {csrf(t, tr.Body)}, "number": {number}, "mobile": {"9876543211"}})
	if r.Status != 404 || !strings.Contains(r.Body, "कोई शिकायत नहीं मिली") {
		t.Errorf("track with wrong mobile: status %d", r.Status)
	}

	// The control room closes it.
	admin := newClient(t, m)
	atok := admin.login("admin", testAdminPassword)
	if r := admin.get("/control"); !strings.Contains(r.Body, number) {
		t.Error("control room list lacks the complaint")
	}
	if r := admin.postForm("/officer/complaints/"+number+"/close", url.Values{"csrf": {atok}}); r.Status != 303 {
		t.Fatalf("close: %d\n%.1000s", r.Status, r.Body)
	}
	if r := admin.get("/officer/complaints/" + number); !strings.Contains(r.Body, "s-closed") {
		t.Error("complaint not closed")
	}
}

// TestReturnAndReassign: the officer returns a complaint as not theirs; the
// control room assigns it to the right department.
func TestReturnAndReassign(t *testing.T) {
	m := MustRunMain(t, "", nil)
	api := newClient(t, m)
	number := fileJSON(t, api, map[string]any{"category": "jal-leakage"})["number"].(string)

	water := newClient(t, m)
	tok := water.login("jalkal-l1", testDemoPassword)
	if r := water.postForm("/officer/complaints/"+number+"/return", url.Values{"csrf": {tok}, "note": {"यह सड़क का गड्ढा है"}}); r.Status != 303 {
		t.Fatalf("return: %d\n%.1000s", r.Status, r.Body)
	}
	admin := newClient(t, m)
	atok := admin.login("admin", testAdminPassword)
	if r := admin.get("/control?status=returned"); !strings.Contains(r.Body, number) {
		t.Fatal("returned complaint not in the control room's list")
	}
	if r := admin.get("/control"); !strings.Contains(r.Body, `id="attention-work"`) || !strings.Contains(r.Body, `href="/officer/complaints/`+number+`"`) {
		t.Error("the returned complaint is not on the control room's attention list")
	}
	st, err := m.Store.Masters(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	pwd := st.OfficerByCode("pwd-l1")
	r := admin.postForm("/officer/complaints/"+number+"/reassign", url.Values{"csrf": {atok}, "department": {"pwd"}, "officer": {itoa(pwd.ID)}})
	if r.Status != 303 {
		t.Fatalf("reassign: %d\n%.1000s", r.Status, r.Body)
	}
	pw := newClient(t, m)
	pw.login("pwd-l1", testDemoPassword)
	if r := pw.get("/officer"); !strings.Contains(r.Body, number) {
		t.Error("reassigned complaint not in the PWD officer's inbox")
	}
	// The water officer no longer sees it.
	if r := water.get("/officer/complaints/" + number); r.Status != 404 {
		t.Errorf("former assignee: status %d, want 404", r.Status)
	}
}

// TestOfficerCannotReachAnotherJurisdiction proves that guessing a URL
// gives another department's officer nothing: no page, no photo, no action.
func TestOfficerCannotReachAnotherJurisdiction(t *testing.T) {
	m := MustRunMain(t, "", nil)
	number := fileJSON(t, newClient(t, m), nil)["number"].(string) // municipal corporation

	other := newClient(t, m)
	tok := other.login("power-l1", testDemoPassword)
	for _, path := range []string{"/officer/complaints/" + number, "/officer/complaints/" + number + "/photos/1"} {
		if r := other.get(path); r.Status != 404 || strings.Contains(r.Body, "9876543210") {
			t.Errorf("GET %s: status %d, want 404 without data", path, r.Status)
		}
	}
	for _, action := range []string{"accept", "note", "return", "report", "close", "reject", "reassign"} {
		r := other.postForm("/officer/complaints/"+number+"/"+action, url.Values{"csrf": {tok}, "note": {"x"}, "department": {"power"}})
		if r.Status != 404 {
			t.Errorf("POST %s: status %d, want 404", action, r.Status)
		}
	}
	if r := other.get("/officer?tab=area"); strings.Contains(r.Body, number) {
		t.Error("another department's complaint listed")
	}
	// Unchanged: the right officer still finds it assigned.
	c, err := m.Store.Complaint(t.Context(), grievance.SystemActor, number)
	if err != nil || c.Status != grievance.StatusAssigned {
		t.Errorf("complaint changed: %v %v", c.Status, err)
	}
	// An officer is not the control room.
	if r := other.get("/control"); r.Status != 403 {
		t.Errorf("officer at /control: status %d, want 403", r.Status)
	}
}

func TestAPI(t *testing.T) {
	m := MustRunMain(t, "", nil)
	c := newClient(t, m)
	out := fileJSON(t, c, map[string]any{"lat": 26.85, "long": 80.95})
	for _, k := range []string{"number", "status", "department", "due"} {
		if out[k] == nil || out[k] == "" {
			t.Errorf("answer lacks %s: %v", k, out)
		}
	}
	if out["status"] != "assigned" || out["department"] != "mun" {
		t.Errorf("got %v", out)
	}
	number := out["number"].(string)
	r := c.get("/api/v1/complaints/" + number + "?mobile=9876543210")
	var st struct {
		Status  string
		History []struct{ Action string }
	}
	if err := json.Unmarshal([]byte(r.Body), &st); r.Status != 200 || err != nil || st.Status != "assigned" || len(st.History) != 1 {
		t.Fatalf("track: %d %s", r.Status, r.Body)
	}
	wrongMobile := c.get("/api/v1/complaints/" + number + "?mobile=9876543211")
	unknown := c.get("/api/v1/complaints/26010000000?mobile=9876543210")
	if wrongMobile.Status != 404 || unknown.Status != 404 || wrongMobile.Body != unknown.Body {
		t.Errorf("wrong mobile %d %q vs unknown number %d %q: want the same 404", wrongMobile.Status, wrongMobile.Body, unknown.Status, unknown.Body)
	}
	var cats []struct {
		Code string
		Name grievance.Text
	}
	if r := c.get("/api/v1/categories"); json.Unmarshal([]byte(r.Body), &cats) != nil || len(cats) < 40 || cats[0].Name.Hi == "" || cats[0].Name.En == "" {
		t.Errorf("categories: %d", len(cats))
	}
	var areas []struct {
		Code       string
		Selectable bool
	}
	if r := c.get("/api/v1/areas"); json.Unmarshal([]byte(r.Body), &areas) != nil || len(areas) < 20 {
		t.Errorf("areas: %d", len(areas))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
