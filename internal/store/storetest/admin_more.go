package storetest

import (
	"testing"

	"nivaran/internal/grievance"
)

// mastersNow returns the stored masters.
func (e *env) mastersNow() *grievance.Masters {
	e.t.Helper()
	m, err := e.h.Masters(e.ctx)
	if err != nil {
		e.t.Fatalf("Masters: %v", err)
	}
	return m
}

// wantNothingWritten checks that the audit log still has n entries.
func (e *env) wantNothingWritten(what string, n int) {
	e.t.Helper()
	if got := len(e.audit()); got != n {
		e.t.Fatalf("%s: audit has %d entries, want %d", what, got, n)
	}
}

// testAdminDepartments: creating and changing a department records one
// audit entry each; a ladder that drops a level an officer holds, or bad
// names, is refused naming the field and records nothing.
func testAdminDepartments(t *testing.T, e *env) {
	n := len(e.audit())
	tx := func(en string) grievance.Text { return grievance.Text{Hi: en + " (हि)", En: en} }

	// Create.
	d := grievance.Department{Code: "water", Name: tx("Water"), Levels: []grievance.Text{tx("Junior Engineer"), tx("Executive Engineer")}}
	if err := e.h.AdminSaveDepartment(e.ctx, admin, d); err != nil {
		t.Fatalf("AdminSaveDepartment(new): %v", err)
	}
	a := e.wantOneAudit(n, grievance.AuditDepartment, "water", grievance.AuditCreate)
	if a.Before != "" || field(t, a.After, "Code") != "water" {
		t.Fatalf("create entry before %q after %q", a.Before, a.After)
	}
	if got := e.mastersNow().Department("water"); got == nil || len(got.Levels) != 2 || got.Name.En != "Water" {
		t.Fatalf("new department in masters: %+v", got)
	}

	// Rename pwd and shorten nothing: the name changes, the ladder stays.
	pwd := *e.mastersNow().Department("pwd")
	pwd.Name = tx("Public Works Department")
	if err := e.h.AdminSaveDepartment(e.ctx, admin, pwd); err != nil {
		t.Fatalf("AdminSaveDepartment(rename): %v", err)
	}
	a = e.wantOneAudit(n+1, grievance.AuditDepartment, "pwd", grievance.AuditUpdate)
	if b, _ := field(t, a.Before, "Name").(map[string]any); b["en"] != "Public Works" {
		t.Fatalf("update entry before %q", a.Before)
	}
	if af, _ := field(t, a.After, "Name").(map[string]any); af["en"] != "Public Works Department" {
		t.Fatalf("update entry after %q", a.After)
	}
	if got := e.mastersNow().Department("pwd").Name.En; got != "Public Works Department" {
		t.Fatalf("pwd name = %q", got)
	}

	// Refused, naming the field; nothing recorded, nothing changed.
	short := pwd
	short.Levels = pwd.Levels[:2] // pwd-ee holds level 3
	bad := []struct {
		name  string
		d     grievance.Department
		field string
	}{
		{"level still held", short, "levels"},
		{"no levels", grievance.Department{Code: "x1", Name: tx("X")}, "levels"},
		{"level without English", grievance.Department{Code: "x2", Name: tx("X"), Levels: []grievance.Text{{Hi: "क"}}}, "levels"},
		{"seven levels", grievance.Department{Code: "x3", Name: tx("X"), Levels: make([]grievance.Text, 7)}, "levels"},
		{"no name", grievance.Department{Code: "x4", Levels: []grievance.Text{tx("A")}}, "name"},
		{"no code", grievance.Department{Name: tx("X"), Levels: []grievance.Text{tx("A")}}, "code"},
	}
	for _, b := range bad {
		err := e.h.AdminSaveDepartment(e.ctx, admin, b.d)
		if ge := grievance.AsError(err); ge.Code != grievance.EInvalid || ge.Fields[b.field] == "" {
			t.Errorf("%s: error %v (fields %v), want invalid naming %s", b.name, err, ge.Fields, b.field)
		}
	}
	wantCode(t, e.h.AdminSaveDepartment(e.ctx, control, d), grievance.EForbidden, "")
	e.wantNothingWritten("refused department changes", n+2)
	m := e.mastersNow()
	if len(m.Department("pwd").Levels) != 3 || m.Department("x1") != nil || m.Department("x4") != nil {
		t.Fatal("a refused department change changed the masters")
	}
}

// testAdminAreas: a new ward under a zone is a leaf citizens can choose
// at once; its zone keeps it in officers' jurisdictions; an unknown parent
// or a cycle is refused on the field "parent" and records nothing.
func testAdminAreas(t *testing.T, e *env) {
	n := len(e.audit())
	w5 := grievance.Area{Code: "w5", Kind: grievance.AreaWard, Parent: "z1", Name: grievance.Text{Hi: "वार्ड 5", En: "Ward 5"}}
	if err := e.h.AdminSaveArea(e.ctx, admin, w5); err != nil {
		t.Fatalf("AdminSaveArea(new): %v", err)
	}
	a := e.wantOneAudit(n, grievance.AuditArea, "w5", grievance.AuditCreate)
	if a.Before != "" || field(t, a.After, "Parent") != "z1" {
		t.Fatalf("create entry before %q after %q", a.Before, a.After)
	}
	m := e.mastersNow()
	if !m.Leaf("w5") {
		t.Fatal("new ward is not a leaf")
	}
	if ae := m.OfficerByCode("pwd-ae-z1"); !ae.Covers("w5") {
		t.Fatal("the zone's officer does not cover the new ward")
	}
	c := e.MustFile(newComplaint("road", "w5"))
	if c.Area != "w5" || c.Department != "pwd" || c.AssigneeID != e.officerID("pwd-ae-z1") {
		t.Fatalf("complaint in the new ward: area %s dept %s assignee %d", c.Area, c.Department, c.AssigneeID)
	}

	// Rename: before and after recorded.
	w5.Name.En = "Ward Five"
	if err := e.h.AdminSaveArea(e.ctx, admin, w5); err != nil {
		t.Fatalf("AdminSaveArea(update): %v", err)
	}
	a = e.wantOneAudit(n+1, grievance.AuditArea, "w5", grievance.AuditUpdate)
	if b, _ := field(t, a.Before, "Name").(map[string]any); b["en"] != "Ward 5" {
		t.Fatalf("update entry before %q", a.Before)
	}

	bad := []struct {
		name  string
		a     grievance.Area
		field string
	}{
		{"unknown parent", grievance.Area{Code: "w6", Kind: grievance.AreaWard, Parent: "z9", Name: w5.Name}, "parent"},
		{"cycle", grievance.Area{Code: "z1", Kind: grievance.AreaZone, Parent: "w1", Name: w5.Name}, "parent"},
		{"own parent", grievance.Area{Code: "w1", Kind: grievance.AreaWard, Parent: "w1", Name: w5.Name}, "parent"},
		{"unknown kind", grievance.Area{Code: "w7", Kind: "village", Parent: "z1", Name: w5.Name}, "kind"},
		{"no name", grievance.Area{Code: "w8", Kind: grievance.AreaWard, Parent: "z1"}, "name"},
	}
	for _, b := range bad {
		err := e.h.AdminSaveArea(e.ctx, admin, b.a)
		if ge := grievance.AsError(err); ge.Code != grievance.EInvalid || ge.Fields[b.field] == "" {
			t.Errorf("%s: error %v (fields %v), want invalid naming %s", b.name, err, ge.Fields, b.field)
		}
	}
	wantCode(t, e.h.AdminSaveArea(e.ctx, control, w5), grievance.EForbidden, "")
	e.wantNothingWritten("refused area changes", n+2)
	m = e.mastersNow()
	if m.Area("w6") != nil || m.Area("z1").Parent != "" || m.Area("w1").Parent != "z1" {
		t.Fatal("a refused area change changed the masters")
	}
}

// testAdminRules: adding a rule routes new complaints by it at once and
// deleting it restores the category's department; each records one entry;
// unknown references and a second rule for the same category and area are
// refused and record nothing.
func testAdminRules(t *testing.T, e *env) {
	n := len(e.audit())
	r := grievance.RoutingRule{Category: "road", Area: "w1", Department: "health"}
	if err := e.h.AdminSaveRule(e.ctx, admin, r); err != nil {
		t.Fatalf("AdminSaveRule: %v", err)
	}
	a := e.wantOneAudit(n, grievance.AuditRule, "road:w1", grievance.AuditCreate)
	if a.Before != "" || field(t, a.After, "Department") != "health" {
		t.Fatalf("create entry before %q after %q", a.Before, a.After)
	}
	if c := e.MustFile(newComplaint("road", "w1")); c.Department != "health" || c.AssigneeID != e.officerID("health-mo-z1") {
		t.Fatalf("complaint under the rule: dept %s assignee %d", c.Department, c.AssigneeID)
	}

	bad := []struct {
		name  string
		r     grievance.RoutingRule
		field string // "" for a masters.invalid naming the row
	}{
		{"unknown category", grievance.RoutingRule{Category: "nope", Department: "pwd"}, ""},
		{"unknown area", grievance.RoutingRule{Category: "road", Area: "w9", Department: "pwd"}, ""},
		{"unknown department", grievance.RoutingRule{Category: "road", Area: "w2", Department: "nope"}, ""},
		{"duplicate", grievance.RoutingRule{Category: "road", Area: "w1", Department: "pwd"}, "area"},
	}
	for _, b := range bad {
		err := e.h.AdminSaveRule(e.ctx, admin, b.r)
		ge := grievance.AsError(err)
		switch {
		case ge.Code != grievance.EInvalid:
			t.Errorf("%s: error %v, want invalid", b.name, err)
		case b.field != "" && ge.Fields[b.field] == "":
			t.Errorf("%s: fields %v, want %s", b.name, ge.Fields, b.field)
		case b.field == "" && ge.Key != "masters.invalid":
			t.Errorf("%s: key %q, want masters.invalid", b.name, ge.Key)
		}
	}
	wantCode(t, e.h.AdminSaveRule(e.ctx, control, r), grievance.EForbidden, "")
	wantCode(t, e.h.AdminDeleteRule(e.ctx, admin, grievance.RoutingRule{Category: "road", Area: "w2", Department: "health"}), grievance.ENotFound, "")
	e.wantNothingWritten("refused rule changes", n+1)
	if got := len(e.mastersNow().Rules); got != 3 {
		t.Fatalf("rules after refused changes: %d, want 3", got)
	}

	if err := e.h.AdminDeleteRule(e.ctx, admin, r); err != nil {
		t.Fatalf("AdminDeleteRule: %v", err)
	}
	a = e.wantOneAudit(n+1, grievance.AuditRule, "road:w1", grievance.AuditDelete)
	if a.After != "" || field(t, a.Before, "Department") != "health" {
		t.Fatalf("delete entry before %q after %q", a.Before, a.After)
	}
	if c := e.MustFile(newComplaint("road", "w1")); c.Department != "pwd" {
		t.Fatalf("complaint after the rule is deleted: dept %s, want pwd", c.Department)
	}
	// A rule for every area has the key "*".
	if err := e.h.AdminSaveRule(e.ctx, admin, grievance.RoutingRule{Category: "hospital", Department: "pwd"}); err != nil {
		t.Fatal(err)
	}
	e.wantOneAudit(n+2, grievance.AuditRule, "hospital:*", grievance.AuditCreate)
}
