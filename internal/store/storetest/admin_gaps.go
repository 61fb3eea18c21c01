package storetest

import (
	"slices"
	"testing"

	"nivaran/internal/grievance"
)

// testAdminCategoryCreate: a new category is recorded as a creation and
// routes complaints to its department at once; a category without code,
// names, days or a known department is refused naming the field and
// records nothing.
func testAdminCategoryCreate(t *testing.T, e *env) {
	n := len(e.audit())
	ladder, _ := grievance.ParseLadder("1d")
	c := grievance.Category{Code: "streetlight", Department: "pwd", Name: grievance.Text{Hi: "स्ट्रीट लाइट", En: "Street light"},
		ResolutionDays: 2, Escalation: ladder, RequirePhoto: true, Active: true}
	if err := e.h.AdminSaveCategory(e.ctx, admin, c); err != nil {
		t.Fatalf("AdminSaveCategory(new): %v", err)
	}
	a := e.wantOneAudit(n, grievance.AuditCategory, "streetlight", grievance.AuditCreate)
	if a.Before != "" || field(t, a.After, "Department") != "pwd" || field(t, a.After, "Escalation") != "1d" {
		t.Fatalf("create entry before %q after %q", a.Before, a.After)
	}
	got := e.mastersNow().Category("streetlight")
	if got == nil || got.Name.Hi != "स्ट्रीट लाइट" || got.ResolutionDays != 2 || !got.RequirePhoto || !got.Active ||
		grievance.FormatLadder(got.Escalation) != "1d" {
		t.Fatalf("new category in masters: %+v", got)
	}
	if x := e.MustFile(newComplaint("streetlight", "w1")); x.Department != "pwd" || x.AssigneeID != e.officerID("pwd-je-w1") {
		t.Fatalf("complaint in the new category: dept %s assignee %d", x.Department, x.AssigneeID)
	}

	name := grievance.Text{Hi: "क", En: "K"}
	bad := []struct {
		name  string
		c     grievance.Category
		field string
	}{
		{"no code", grievance.Category{Department: "pwd", Name: name, ResolutionDays: 1}, "code"},
		{"no Hindi name", grievance.Category{Code: "k1", Department: "pwd", Name: grievance.Text{En: "K"}, ResolutionDays: 1}, "name"},
		{"no days", grievance.Category{Code: "k2", Department: "pwd", Name: name}, "resolution_days"},
		{"unknown department", grievance.Category{Code: "k3", Department: "nope", Name: name, ResolutionDays: 1}, "department"},
	}
	for _, b := range bad {
		err := e.h.AdminSaveCategory(e.ctx, admin, b.c)
		if ge := grievance.AsError(err); ge.Code != grievance.EInvalid || ge.Fields[b.field] == "" {
			t.Errorf("%s: error %v (fields %v), want invalid naming %s", b.name, err, ge.Fields, b.field)
		}
	}
	wantCode(t, e.h.AdminSaveCategory(e.ctx, control, c), grievance.EForbidden, "")
	e.wantNothingWritten("refused category changes", n+1)
	m := e.mastersNow()
	if len(m.Categories) != len(e.m.Categories)+1 || m.Category("k3") != nil {
		t.Fatal("a refused category change changed the masters")
	}
}

// testAdminEnableOfficer: a disabled post made active again takes new
// complaints and its account can sign in; enabling an active post is a
// conflict; each change is one audit entry.
func testAdminEnableOfficer(t *testing.T, e *env) {
	je3 := e.officerID("pwd-je-w3")
	u := &grievance.User{Login: "pwd-je-w3", Name: "JE", Roles: []grievance.Role{grievance.RoleOfficer}, OfficerID: je3, PasswordHash: "h"}
	if err := e.h.CreateUser(e.ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.AdminDisableOfficer(e.ctx, adminCR, je3, 0); err != nil {
		t.Fatalf("AdminDisableOfficer: %v", err)
	}
	if c := e.MustFile(newComplaint("road", "w3")); c.AssigneeID == je3 {
		t.Fatal("a disabled post was given a new complaint")
	}
	n := len(e.audit())

	wantCode(t, e.h.AdminEnableOfficer(e.ctx, control, je3), grievance.EForbidden, "")
	wantCode(t, e.h.AdminEnableOfficer(e.ctx, admin, 99999), grievance.ENotFound, "")
	e.wantNothingWritten("refused enables", n)

	if err := e.h.AdminEnableOfficer(e.ctx, admin, je3); err != nil {
		t.Fatalf("AdminEnableOfficer: %v", err)
	}
	a := e.wantOneAudit(n, grievance.AuditOfficer, "pwd-je-w3", grievance.AuditEnable)
	if field(t, a.Before, "Active") != false || field(t, a.After, "Active") != true {
		t.Fatalf("enable entry before %q after %q", a.Before, a.After)
	}
	if !e.mastersNow().Officer(je3).Active {
		t.Fatal("officer still inactive")
	}
	if got, _ := e.h.User(e.ctx, u.ID); got.Disabled {
		t.Fatal("the post's account is still disabled")
	}
	if c := e.MustFile(newComplaint("road", "w3")); c.AssigneeID != je3 {
		t.Fatalf("complaint after enabling went to %d, want %d", c.AssigneeID, je3)
	}
	wantCode(t, e.h.AdminEnableOfficer(e.ctx, admin, je3), grievance.EConflict, "admin.error.active")
	e.wantNothingWritten("second enable", n+1)
}

// testAdminDeleteArea: an area that other areas lie in, that complaints,
// jurisdictions or routing rules name, is refused with the reason and its
// count; an unused area is deleted and the deletion recorded.
func testAdminDeleteArea(t *testing.T, e *env) {
	name := grievance.Text{Hi: "वार्ड", En: "Ward"}
	for _, code := range []string{"w5", "w6"} {
		if err := e.h.AdminSaveArea(e.ctx, admin, grievance.Area{Code: code, Kind: grievance.AreaWard, Parent: "z2", Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.h.AdminSaveRule(e.ctx, admin, grievance.RoutingRule{Category: "road", Area: "w6", Department: "health"}); err != nil {
		t.Fatal(err)
	}
	e.MustFile(newComplaint("road", "w4"))
	e.MustFile(newComplaint("drain", "w4"))
	n := len(e.audit())

	refused := []struct {
		code, key string
		count     int
	}{
		{"z1", "admin.error.area_children", 2},
		{"w4", "admin.error.area_complaints", 2},
		{"w3", "admin.error.area_officers", 1},
		{"w6", "admin.error.area_rules", 1},
	}
	for _, r := range refused {
		err := e.h.AdminDeleteArea(e.ctx, admin, r.code)
		ge := grievance.AsError(err)
		if ge.Code != grievance.EConflict || ge.Key != r.key || len(ge.Args) != 1 || ge.Args[0] != r.count {
			t.Errorf("delete %s: %v (args %v), want conflict %s with %d", r.code, err, ge.Args, r.key, r.count)
		}
	}
	wantCode(t, e.h.AdminDeleteArea(e.ctx, admin, "nope"), grievance.ENotFound, "")
	wantCode(t, e.h.AdminDeleteArea(e.ctx, control, "w5"), grievance.EForbidden, "")
	e.wantNothingWritten("refused deletions", n)
	m := e.mastersNow()
	for _, code := range []string{"z1", "w3", "w4", "w5", "w6"} {
		if m.Area(code) == nil {
			t.Fatalf("a refused deletion removed %s", code)
		}
	}

	if err := e.h.AdminDeleteArea(e.ctx, admin, "w5"); err != nil {
		t.Fatalf("AdminDeleteArea: %v", err)
	}
	a := e.wantOneAudit(n, grievance.AuditArea, "w5", grievance.AuditDelete)
	if a.After != "" || field(t, a.Before, "Parent") != "z2" {
		t.Fatalf("delete entry before %q after %q", a.Before, a.After)
	}
	m = e.mastersNow()
	if m.Area("w5") != nil || len(m.Areas) != len(e.m.Areas)+1 {
		t.Fatalf("after deleting w5: %d areas, w5 %v", len(m.Areas), m.Area("w5"))
	}
	if ae := m.OfficerByCode("pwd-ae-z2"); ae.Covers("w5") {
		t.Fatal("the zone's officer still covers the deleted ward")
	}
	if _, err := e.h.File(e.ctx, newComplaint("road", "w5")); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("filing in a deleted area: %v, want invalid", err)
	}
}

// testAdminSMSTemplates: an edit is stored with who and when, replaces an
// earlier edit, is recorded with the template before and after, and a reset
// removes it and records the default in force again.
func testAdminSMSTemplates(t *testing.T, e *env) {
	if got, err := e.h.SMSTemplateEdits(e.ctx); err != nil || len(got) != 0 {
		t.Fatalf("SMSTemplateEdits on a new store = %v, %v", got, err)
	}
	n := len(e.audit())
	def := grievance.SMSTemplateEdit{Event: "registered", Audience: "citizen", Lang: grievance.English, DLTID: "0000000000000000102",
		Text: "Complaint {#var#} registered with {#var#}. Track it at {#var#}", Vars: []string{"number", "department", "track"}}
	ed := def
	ed.DLTID, ed.Text = "1107160000000000102", "Your complaint {#var#} is with {#var#}. Status: {#var#}"
	if err := e.h.AdminSaveSMSTemplate(e.ctx, admin, def, ed); err != nil {
		t.Fatalf("AdminSaveSMSTemplate: %v", err)
	}
	a := e.wantOneAudit(n, grievance.AuditSMS, "registered/citizen/en", grievance.AuditUpdate)
	if field(t, a.Before, "Text") != def.Text || field(t, a.After, "Text") != ed.Text || field(t, a.After, "DLTID") != ed.DLTID {
		t.Fatalf("edit entry before %q after %q", a.Before, a.After)
	}
	got, err := e.h.SMSTemplateEdits(e.ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("SMSTemplateEdits = %v, %v; want one", got, err)
	}
	if g := got[0]; g.Key() != ed.Key() || g.DLTID != ed.DLTID || g.Text != ed.Text || !slices.Equal(g.Vars, ed.Vars) ||
		g.By != "admin" || !g.Updated.Equal(Start) {
		t.Fatalf("stored edit %+v", g)
	}

	// A second edit replaces the first.
	ed2 := ed
	ed2.Text = "Complaint {#var#} is with {#var#}. See {#var#}"
	if err := e.h.AdminSaveSMSTemplate(e.ctx, admin, ed, ed2); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.h.SMSTemplateEdits(e.ctx); len(got) != 1 || got[0].Text != ed2.Text {
		t.Fatalf("after a second edit: %+v", got)
	}
	n += 2

	wantCode(t, e.h.AdminSaveSMSTemplate(e.ctx, control, ed, ed2), grievance.EForbidden, "")
	wantCode(t, e.h.AdminResetSMSTemplate(e.ctx, control, def), grievance.EForbidden, "")
	empty := ed2
	empty.Text = ""
	wantCode(t, e.h.AdminSaveSMSTemplate(e.ctx, admin, ed2, empty), grievance.EInvalid, "")
	e.wantNothingWritten("refused template changes", n)

	if err := e.h.AdminResetSMSTemplate(e.ctx, admin, def); err != nil {
		t.Fatalf("AdminResetSMSTemplate: %v", err)
	}
	a = e.wantOneAudit(n, grievance.AuditSMS, "registered/citizen/en", grievance.AuditReset)
	if field(t, a.Before, "Text") != ed2.Text || field(t, a.After, "Text") != def.Text {
		t.Fatalf("reset entry before %q after %q", a.Before, a.After)
	}
	if got, _ := e.h.SMSTemplateEdits(e.ctx); len(got) != 0 {
		t.Fatalf("edits after reset: %+v", got)
	}
	wantCode(t, e.h.AdminResetSMSTemplate(e.ctx, admin, def), grievance.ENotFound, "")
}
