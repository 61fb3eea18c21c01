package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/notify"
)

// TestAdminCreateCategory: the administrator creates a category from the
// browser; citizens can choose it at once and its complaints go to its
// department with its time; bad input is refused naming the field and
// records nothing.
func TestAdminCreateCategory(t *testing.T) {
	m := MustRunMain(t, "", nil)
	admin := newClient(t, m)
	admin.lang = "en"
	tok := admin.login("admin", testAdminPassword)
	if r := admin.get("/admin/categories"); !strings.Contains(r.Body, `href="/admin/categories/new"`) {
		t.Fatal("the categories page offers no new category")
	}
	if r := admin.get("/admin/categories/new"); r.Status != 200 || !strings.Contains(r.Body, `name="code"`) {
		t.Fatalf("new category form: %d", r.Status)
	}
	cat := url.Values{"csrf": {tok}, "code": {"mun-hoarding"}, "name_hi": {"अवैध होर्डिंग"}, "name_en": {"Illegal hoarding"},
		"department": {"mun"}, "resolution_days": {"4"}, "escalation": {"2d 1d"}, "require_photo": {"on"}, "active": {"on"}}
	audit0 := auditCount(t, m, "")
	for _, b := range []struct{ field, value, want string }{
		{"code", "mun-garbage", "already used"},
		{"code", "Bad Code", "lowercase letters"},
		{"name_hi", "", "in Hindi and in English"},
		{"department", "nope", "department that exists"},
		{"resolution_days", "0", "from 1 to 365"},
		{"escalation", "2d 1x", "separated by spaces"},
	} {
		v := url.Values{}
		for k, x := range cat {
			v[k] = x
		}
		v.Set(b.field, b.value)
		field := strings.TrimSuffix(b.field, "_hi")
		r := admin.postForm("/admin/categories", v)
		if r.Status != 422 || !strings.Contains(r.Body, b.want) || !strings.Contains(r.Body, `id="`+field+`-error"`) {
			t.Errorf("category %s=%q: %d, want 422 naming %s\n%.300s", b.field, b.value, r.Status, field, r.Body)
		}
	}
	if got := auditCount(t, m, ""); got != audit0 {
		t.Fatalf("bad category input wrote %d audit entries", got-audit0)
	}
	if r := admin.postForm("/admin/categories", cat); r.Status != 303 || r.Location != "/admin/categories?done=saved" {
		t.Fatalf("create category: %d to %q\n%.500s", r.Status, r.Location, r.Body)
	}
	if got := auditCount(t, m, grievance.AuditCategory); got != 1 {
		t.Fatalf("category audit entries: %d, want 1", got)
	}
	c := mustMasters(t, m).Category("mun-hoarding")
	if c == nil || c.Name.Hi != "अवैध होर्डिंग" || c.ResolutionDays != 4 || grievance.FormatLadder(c.Escalation) != "2d 1d" || !c.RequirePhoto || !c.Active {
		t.Fatalf("new category: %+v", c)
	}
	if r := newClient(t, m).get("/"); !strings.Contains(r.Body, `value="mun-hoarding"`) || !strings.Contains(r.Body, "अवैध होर्डिंग") {
		t.Fatal("the new category is not on the citizen form")
	}
	filed := fileJSON(t, newClient(t, m), map[string]any{"category": "mun-hoarding"})
	if filed["department"] != "mun" {
		t.Fatalf("complaint in the new category went to %v, want mun", filed["department"])
	}
	if r := admin.get("/admin/categories/mun-hoarding"); r.Status != 200 || !strings.Contains(r.Body, "Illegal hoarding") || strings.Contains(r.Body, `name="code"`) {
		t.Errorf("edit form of the new category: %d", r.Status)
	}
}

// TestAdminEnableOfficer: a disabled post's page offers to enable it; once
// enabled, its officer signs in again and gets new complaints; enabling it
// twice is refused with a message.
func TestAdminEnableOfficer(t *testing.T) {
	m := MustRunMain(t, "", nil)
	admin := newClient(t, m)
	admin.lang = "en"
	tok := admin.login("admin", testAdminPassword)
	if r := admin.postForm("/admin/officers/mun-l1/disable", url.Values{"csrf": {tok}}); r.Status != 303 {
		t.Fatalf("disable mun-l1: %d\n%.500s", r.Status, r.Body)
	}
	if r := admin.get("/admin/officers"); !strings.Contains(r.Body, `action="/admin/officers/mun-l1/enable"`) {
		t.Error("the officers list offers no enable button for the disabled post")
	}
	page := admin.get("/admin/officers/mun-l1")
	if page.Status != 200 || !strings.Contains(page.Body, "This officer post is inactive") || !strings.Contains(page.Body, `action="/admin/officers/mun-l1/enable"`) {
		t.Fatalf("disabled post's page: %d\n%.1000s", page.Status, page.Body)
	}
	if r := admin.get("/admin/officers/mun-l2"); strings.Contains(r.Body, "/enable") {
		t.Error("an active post's page offers to enable it")
	}
	audit0 := auditCount(t, m, grievance.AuditOfficer)
	if r := admin.postForm("/admin/officers/mun-l1/enable", url.Values{"csrf": {tok}}); r.Status != 303 || r.Location != "/admin/officers?done=enabled" {
		t.Fatalf("enable: %d to %q\n%.500s", r.Status, r.Location, r.Body)
	}
	if got := auditCount(t, m, grievance.AuditOfficer); got != audit0+1 {
		t.Fatalf("officer audit entries after enable: %d, want %d", got, audit0+1)
	}
	if r := admin.get("/admin/officers?done=enabled"); !strings.Contains(r.Body, "active again") {
		t.Error("no notice after enabling")
	}
	if !mustMasters(t, m).OfficerByCode("mun-l1").Active {
		t.Fatal("mun-l1 still inactive")
	}
	officer := newClient(t, m)
	officer.login("mun-l1", testDemoPassword) // fails the test unless the sign-in works
	filed := fileJSON(t, newClient(t, m), nil)
	if r := officer.get("/officer/complaints/" + filed["number"].(string)); r.Status != 200 {
		t.Fatalf("the enabled officer cannot open a new complaint of theirs: %d", r.Status)
	}
	r := admin.postForm("/admin/officers/mun-l1/enable", url.Values{"csrf": {tok}})
	if r.Status != 409 || !strings.Contains(r.Body, "already active") {
		t.Errorf("second enable: %d\n%.500s", r.Status, r.Body)
	}
	admin.lang = "hi"
	if r := admin.postForm("/admin/officers/mun-l1/enable", url.Values{"csrf": {tok}}); r.Status != 409 || !strings.Contains(r.Body, "पहले से सक्रिय") {
		t.Errorf("second enable in Hindi: %d", r.Status)
	}
	if got := auditCount(t, m, grievance.AuditOfficer); got != audit0+1 {
		t.Fatalf("refused enables wrote %d audit entries", got-audit0-1)
	}
}

// TestAdminDeleteArea: an unused ward is deleted after a confirmation page
// and disappears from the citizen form; a zone with wards, a ward with a
// complaint and a ward with routing rules are refused with the reason,
// in the user's language, and stay.
func TestAdminDeleteArea(t *testing.T) {
	m := MustRunMain(t, "", nil)
	admin := newClient(t, m)
	admin.lang = "en"
	tok := admin.login("admin", testAdminPassword)
	for _, code := range []string{"w-z1-spare", "w-z1-used"} {
		ward := url.Values{"csrf": {tok}, "code": {code}, "kind": {"ward"}, "parent": {"z1"}, "name_hi": {"वार्ड " + code}, "name_en": {"Ward " + code}}
		if r := admin.postForm("/admin/areas", ward); r.Status != 303 {
			t.Fatalf("create %s: %d", code, r.Status)
		}
	}
	fileJSON(t, newClient(t, m), map[string]any{"area": "w-z1-used"})
	if r := admin.get("/admin/areas/w-z1-spare"); !strings.Contains(r.Body, `href="/admin/areas/w-z1-spare/delete"`) {
		t.Fatal("the area's page offers no deletion")
	}
	confirm := admin.get("/admin/areas/w-z1-spare/delete")
	if confirm.Status != 200 || !strings.Contains(confirm.Body, "Yes, delete the area") || !strings.Contains(confirm.Body, `action="/admin/areas/w-z1-spare/delete"`) {
		t.Fatalf("confirmation page: %d\n%.1000s", confirm.Status, confirm.Body)
	}
	if mustMasters(t, m).Area("w-z1-spare") == nil {
		t.Fatal("the confirmation page deleted the area")
	}
	audit0 := auditCount(t, m, grievance.AuditArea)
	for _, b := range []struct{ code, want string }{
		{"z1", "areas lie in it"},
		{"w-z1-used", "1 complaints name it"},
		{"w-z1-hazratganj", "routing rules name it"},
	} {
		r := admin.postForm("/admin/areas/"+b.code+"/delete", url.Values{"csrf": {tok}})
		if r.Status != 409 || !strings.Contains(r.Body, b.want) {
			t.Errorf("delete %s: %d, want 409 saying %q\n%.500s", b.code, r.Status, b.want, r.Body)
		}
		if mustMasters(t, m).Area(b.code) == nil {
			t.Fatalf("refused deletion removed %s", b.code)
		}
	}
	admin.lang = "hi"
	if r := admin.postForm("/admin/areas/z1/delete", url.Values{"csrf": {tok}}); r.Status != 409 || !strings.Contains(r.Body, "हटाया नहीं जा सकता") {
		t.Errorf("refusal in Hindi: %d", r.Status)
	}
	if got := auditCount(t, m, grievance.AuditArea); got != audit0 {
		t.Fatalf("refused deletions wrote %d audit entries", got-audit0)
	}
	if r := admin.postForm("/admin/areas/w-z1-spare/delete", url.Values{"csrf": {tok}}); r.Status != 303 || r.Location != "/admin/areas?done=deleted" {
		t.Fatalf("delete: %d to %q\n%.500s", r.Status, r.Location, r.Body)
	}
	if got := auditCount(t, m, grievance.AuditArea); got != audit0+1 {
		t.Fatalf("area audit entries after delete: %d, want %d", got, audit0+1)
	}
	if mustMasters(t, m).Area("w-z1-spare") != nil {
		t.Fatal("area still there")
	}
	if r := newClient(t, m).get("/"); strings.Contains(r.Body, `value="w-z1-spare"`) {
		t.Fatal("the deleted ward is still on the citizen form")
	}
	if r := admin.get("/admin/areas/w-z1-spare/delete"); r.Status != 404 {
		t.Errorf("deleted area's page: %d, want 404", r.Status)
	}
}

// citizenSent waits until the citizen's registration SMS of f has gone
// through the log gateway and returns it as the gateway got it.
func citizenSent(t *testing.T, m *Main, f filed) notify.Sent {
	t.Helper()
	msgs := waitSMS(t, m.Store, f.c.ID, 2, grievance.MsgDelivered, 10*time.Second)
	for _, g := range msgs {
		if g.Event != notify.EventRegistered || g.Audience != notify.Citizen {
			continue
		}
		for _, s := range m.SMS.log.Recent() {
			if s.ID == g.ID {
				return s
			}
		}
	}
	t.Fatalf("complaint %s: the citizen's registration SMS did not reach the gateway", f.c.Number)
	return notify.Sent{}
}

// TestAdminEditSMSTemplate: the administrator changes the English
// registration message's DLT ID and text in the browser; the next
// complaint's SMS leaves with the new text and ID, without a restart, and
// still after one; edits that could not match their registration (an
// unknown slot, too long, a bad ID) are refused with the reason and change
// nothing; a reset restores the registered default.
func TestAdminEditSMSTemplate(t *testing.T) {
	data := t.TempDir()
	m := MustRunMain(t, data, nil)
	admin := newClient(t, m)
	admin.lang = "en"
	tok := admin.login("admin", testAdminPassword)
	const path = "/admin/sms/templates/registered/citizen/en"
	if r := admin.get("/admin/sms"); !strings.Contains(r.Body, `href="`+path+`"`) {
		t.Fatal("the SMS page has no edit link for the template")
	}
	page := admin.get(path)
	if page.Status != 200 || !strings.Contains(page.Body, "Complaint {#number#} registered with {#department#}. Track it at {#track#}") {
		t.Fatalf("edit page: %d\n%.1500s", page.Status, page.Body)
	}
	audit0 := auditCount(t, m, grievance.AuditSMS)
	for _, b := range []struct{ dlt, text, want string }{
		{"1107161234567890123", "Complaint {#number#} for {#name#}. Track it at {#track#}", "{#name#} is not a variable of this message"},
		{"1107161234567890123", "Complaint {#number#} with {#department#}" + strings.Repeat(", {#department#}", 10), "Too long"},
		{"1107161234567890123", "Your complaint is registered. Track it at {#track#}", "must carry {#number#}"},
		{"12AB", "Complaint {#number#} registered. Track it at {#track#}", "6 to 25 digits"},
	} {
		r := admin.postForm(path, url.Values{"csrf": {tok}, "dlt_id": {b.dlt}, "text": {b.text}})
		if r.Status != 422 || !strings.Contains(r.Body, b.want) {
			t.Errorf("edit %q: %d, want 422 saying %q\n%.800s", b.text, r.Status, b.want, r.Body)
		}
	}
	admin.lang = "hi"
	if r := admin.postForm(path, url.Values{"csrf": {tok}, "dlt_id": {"1107161234567890123"}, "text": {"Complaint {#number#} by {#var#}"}}); r.Status != 422 ||
		!strings.Contains(r.Body, "इस संदेश का चर नहीं है") {
		t.Errorf("refusal in Hindi: %d", r.Status)
	}
	admin.lang = "en"
	if got := auditCount(t, m, grievance.AuditSMS); got != audit0 {
		t.Fatalf("refused edits wrote %d audit entries", got-audit0)
	}

	const newText = "Your complaint {#number#} is with {#department#}. Status: {#track#}"
	r := admin.postForm(path, url.Values{"csrf": {tok}, "dlt_id": {"1107161234567890123"}, "text": {newText}})
	if r.Status != 303 || r.Location != path+"?done=saved" {
		t.Fatalf("save: %d to %q\n%.800s", r.Status, r.Location, r.Body)
	}
	if got := auditCount(t, m, grievance.AuditSMS); got != audit0+1 {
		t.Fatalf("template audit entries: %d, want %d", got, audit0+1)
	}
	if r := admin.get(path + "?done=saved"); !strings.Contains(r.Body, "every new message uses it") || !strings.Contains(r.Body, "Reset to the registered default") {
		t.Error("the saved template's page lacks the notice or the reset button")
	}
	filed := mustFiled(t, m.Store, fileJSON(t, newClient(t, m), map[string]any{"mobile": "9811100001", "language": "en"})["number"].(string))
	want := "Your complaint " + filed.c.Number + " is with " + notify.Fit(filed.ms.Department(filed.c.Department).Name.En) + ". Status: " + m.Config.SMS.TrackURL
	if s := citizenSent(t, m, filed); s.Text != want || s.TemplateID != "1107161234567890123" {
		t.Fatalf("SMS after the edit: %q (template %s), want %q (1107161234567890123)", s.Text, s.TemplateID, want)
	}

	// After a restart the edit is still in force.
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = MustRunMain(t, data, nil)
	filed = mustFiled(t, m.Store, fileJSON(t, newClient(t, m), map[string]any{"mobile": "9811100002", "language": "en"})["number"].(string))
	if s := citizenSent(t, m, filed); !strings.HasPrefix(s.Text, "Your complaint "+filed.c.Number) {
		t.Fatalf("SMS after a restart: %q", s.Text)
	}

	// Reset: the registered default again, recorded.
	admin = newClient(t, m)
	admin.lang = "en"
	tok = admin.login("admin", testAdminPassword)
	if r := admin.postForm(path+"/reset", url.Values{"csrf": {tok}}); r.Status != 303 {
		t.Fatalf("reset: %d\n%.500s", r.Status, r.Body)
	}
	if got := auditCount(t, m, grievance.AuditSMS); got != audit0+2 {
		t.Fatalf("template audit entries after reset: %d, want %d", got, audit0+2)
	}
	filed = mustFiled(t, m.Store, fileJSON(t, newClient(t, m), map[string]any{"mobile": "9811100003", "language": "en"})["number"].(string))
	if s := citizenSent(t, m, filed); s.Text != filed.registeredCitizen(m.Config.SMS.TrackURL) {
		t.Fatalf("SMS after reset: %q, want %q", s.Text, filed.registeredCitizen(m.Config.SMS.TrackURL))
	}
	if r := admin.postForm(path+"/reset", url.Values{"csrf": {tok}}); r.Status != 404 {
		t.Errorf("reset of a template not edited: %d, want 404", r.Status)
	}
}
