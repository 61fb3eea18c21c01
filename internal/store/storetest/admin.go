package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// adminCR is an administrator who also acts for the control room, as
// disabling an officer with open complaints requires.
var adminCR = grievance.Actor{UserID: 2, Login: "admin", Roles: []grievance.Role{grievance.RoleAdmin, grievance.RoleSupervisor}}

// audit returns the whole audit log, newest first.
func (e *env) audit() []grievance.AuditEntry {
	e.t.Helper()
	got, err := e.h.Audit(e.ctx, grievance.AuditFilter{})
	if err != nil {
		e.t.Fatalf("Audit: %v", err)
	}
	return got
}

// wantOneAudit checks that exactly one entry was added since n and returns it.
func (e *env) wantOneAudit(n int, entity, key, action string) grievance.AuditEntry {
	e.t.Helper()
	all := e.audit()
	if len(all) != n+1 {
		e.t.Fatalf("audit has %d entries, want %d", len(all), n+1)
	}
	a := all[0]
	if a.Entity != entity || a.EntityKey != key || a.Action != action || a.ActorLogin != "admin" || a.ActorID != 2 || !a.At.Equal(Start) {
		e.t.Fatalf("audit entry %+v, want %s %s %s by admin at %v", a, entity, key, action, Start)
	}
	return a
}

// field decodes a JSON object and returns one of its fields.
func field(t *testing.T, js, name string) any {
	t.Helper()
	if js == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatalf("audit JSON %q: %v", js, err)
	}
	return m[name]
}

// testAdminAudit: each administration change records exactly one audit
// entry with the record before and after; a failed change records none.
func testAdminAudit(t *testing.T, e *env) {
	n := len(e.audit())

	// Create an officer post: an account comes with it.
	o := grievance.Officer{Code: "pwd-je-w4", Department: "pwd", Level: 1, Superior: "pwd-ae-z2", Mobile: "9000000099",
		Designation: grievance.Text{Hi: "अवर अभियंता", En: "Junior Engineer"}, Name: "New JE", Language: grievance.English,
		Jurisdiction: []string{"w4"}}
	id, err := e.h.AdminSaveOfficer(e.ctx, admin, o)
	if err != nil {
		t.Fatalf("AdminSaveOfficer(new): %v", err)
	}
	a := e.wantOneAudit(n, grievance.AuditOfficer, "pwd-je-w4", grievance.AuditCreate)
	if a.Before != "" || field(t, a.After, "Name") != "New JE" || field(t, a.After, "ID") != float64(id) {
		t.Fatalf("create entry before %q after %q", a.Before, a.After)
	}
	m, _ := e.h.Masters(e.ctx)
	if got := m.OfficerByCode("pwd-je-w4"); got == nil || got.ID != id || !got.Active || !got.Covers("w4") {
		t.Fatalf("new officer in masters: %+v", got)
	}
	if f := m.FirstOfficer("pwd", "w4", 1); f == nil || f.ID != id {
		t.Fatal("new officer does not take complaints of its ward")
	}
	u, err := e.h.UserByLogin(e.ctx, "pwd-je-w4")
	if err != nil || u.OfficerID != id || u.PasswordHash != "" {
		t.Fatalf("account of the new post: %+v, %v", u, err)
	}

	// Update it: same ID, before and after recorded.
	o.Name, o.Mobile = "Renamed JE", "9000000098"
	id2, err := e.h.AdminSaveOfficer(e.ctx, admin, o)
	if err != nil || id2 != id {
		t.Fatalf("AdminSaveOfficer(update) = %d, %v; want %d", id2, err, id)
	}
	a = e.wantOneAudit(n+1, grievance.AuditOfficer, "pwd-je-w4", grievance.AuditUpdate)
	if field(t, a.Before, "Name") != "New JE" || field(t, a.After, "Name") != "Renamed JE" || field(t, a.After, "Mobile") != "9000000098" {
		t.Fatalf("update entry before %q after %q", a.Before, a.After)
	}

	// Failed changes record nothing and change nothing.
	bad := []struct {
		name  string
		o     grievance.Officer
		field string
		in    string
	}{
		{"unknown department", grievance.Officer{Code: "x1", Department: "nope", Level: 1, Mobile: "9000000097"}, "", "unknown department"},
		{"level out of range", grievance.Officer{Code: "x2", Department: "health", Level: 3, Mobile: "9000000097"}, "", "level 3 not in 1..2"},
		{"unknown area", grievance.Officer{Code: "x3", Department: "pwd", Level: 1, Mobile: "9000000097", Jurisdiction: []string{"w9"}}, "", "unknown jurisdiction area"},
		{"unknown superior", grievance.Officer{Code: "x4", Department: "pwd", Level: 1, Mobile: "9000000097", Superior: "nobody"}, "", "unknown superior"},
		{"bad mobile", grievance.Officer{Code: "x5", Department: "pwd", Level: 1, Mobile: "12345"}, "mobile", ""},
	}
	for _, b := range bad {
		_, err := e.h.AdminSaveOfficer(e.ctx, admin, b.o)
		ge := grievance.AsError(err)
		if ge.Code != grievance.EInvalid {
			t.Fatalf("%s: error %v, want invalid", b.name, err)
		}
		if b.field != "" && ge.Fields[b.field] == "" {
			t.Errorf("%s: fields %v, want %s", b.name, ge.Fields, b.field)
		}
		if b.in != "" && !strings.Contains(ge.Error()+" "+strings.Join(argStrings(ge.Args), " "), b.in) {
			t.Errorf("%s: error %v (args %v), want it to name %q", b.name, err, ge.Args, b.in)
		}
	}
	_, err = e.h.AdminSaveOfficer(e.ctx, control, o)
	wantCode(t, err, grievance.EForbidden, "")
	if got := len(e.audit()); got != n+2 {
		t.Fatalf("failed changes left %d audit entries, want %d", got, n+2)
	}
	if _, err := e.h.UserByLogin(e.ctx, "x1"); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("a failed officer got an account: %v", err)
	}

	// Category: ladder and proof.
	m, _ = e.h.Masters(e.ctx)
	c := *m.Category("road")
	c.ResolutionDays, c.RequirePhoto = 4, true
	c.Escalation, _ = grievance.ParseLadder("2d 1d")
	if err := e.h.AdminSaveCategory(e.ctx, admin, c); err != nil {
		t.Fatalf("AdminSaveCategory: %v", err)
	}
	a = e.wantOneAudit(n+2, grievance.AuditCategory, "road", grievance.AuditUpdate)
	if field(t, a.Before, "ResolutionDays") != float64(3) || field(t, a.After, "ResolutionDays") != float64(4) ||
		field(t, a.Before, "Escalation") != "" || field(t, a.After, "Escalation") != "2d 1d" {
		t.Fatalf("category entry before %q after %q", a.Before, a.After)
	}
	m, _ = e.h.Masters(e.ctx)
	if got := m.Category("road"); got.ResolutionDays != 4 || !got.RequirePhoto || grievance.FormatLadder(got.Escalation) != "2d 1d" {
		t.Fatalf("category after save: %+v", got)
	}
	c.ResolutionDays = 0
	err = e.h.AdminSaveCategory(e.ctx, admin, c)
	wantField(t, err, "resolution_days", "admin.error.days")
	err = e.h.AdminSaveCategory(e.ctx, admin, grievance.Category{Code: "nope", Department: "pwd", ResolutionDays: 1})
	wantField(t, err, "name", "admin.error.names")
	if got := len(e.audit()); got != n+3 {
		t.Fatalf("failed category changes left %d audit entries, want %d", got, n+3)
	}

	// Accounts: reset password, disable, enable.
	sess := &grievance.Session{ID: "s-je-w4", UserID: u.ID, CSRF: "c", Expires: Start.Add(time.Hour)}
	if err := e.h.CreateSession(e.ctx, sess); err != nil {
		t.Fatal(err)
	}
	if err := e.h.AdminResetPassword(e.ctx, admin, u.ID, "$argon2id$new"); err != nil {
		t.Fatalf("AdminResetPassword: %v", err)
	}
	a = e.wantOneAudit(n+3, grievance.AuditUser, "pwd-je-w4", grievance.AuditResetPassword)
	if strings.Contains(a.Before+a.After, "argon2id") || field(t, a.After, "MustChange") != true {
		t.Fatalf("reset entry before %q after %q: want must_change and no hash", a.Before, a.After)
	}
	u, _ = e.h.User(e.ctx, u.ID)
	if u.PasswordHash != "$argon2id$new" || !u.MustChange {
		t.Fatalf("after reset: %+v", u)
	}
	if _, err := e.h.Session(e.ctx, sess.ID); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("session survived the reset: %v", err)
	}
	if err := e.h.AdminSetUserDisabled(e.ctx, admin, u.ID, true); err != nil {
		t.Fatal(err)
	}
	a = e.wantOneAudit(n+4, grievance.AuditUser, "pwd-je-w4", grievance.AuditDisable)
	if field(t, a.Before, "Disabled") != false || field(t, a.After, "Disabled") != true {
		t.Fatalf("disable entry before %q after %q", a.Before, a.After)
	}
	err = e.h.AdminResetPassword(e.ctx, admin, u.ID+1000, "$argon2id$x")
	wantCode(t, err, grievance.ENotFound, "")
	if got := len(e.audit()); got != n+5 {
		t.Fatalf("failed account change left %d audit entries, want %d", got, n+5)
	}

	// A masters import by an actor.
	m, _ = e.h.Masters(e.ctx)
	next := Fixture()
	next.Officers = slices.Clone(m.Officers)
	next.Holidays = append(next.Holidays, grievance.Holiday{Date: "2026-03-04", Name: grievance.Text{Hi: "होली", En: "Holi"}})
	if err := e.h.ReplaceMastersAs(e.ctx, admin, next, grievance.AuditHoliday); err != nil {
		t.Fatalf("ReplaceMastersAs: %v", err)
	}
	a = e.wantOneAudit(n+5, grievance.AuditHoliday, "", grievance.AuditImport)
	if strings.Contains(a.Before, "Holi") || !strings.Contains(a.After, "Holi") {
		t.Fatalf("import entry before %q after %q", a.Before, a.After)
	}
	next.Holidays = append(next.Holidays, grievance.Holiday{Date: "2026-3-4"})
	err = e.h.ReplaceMastersAs(e.ctx, admin, next, grievance.AuditHoliday)
	wantCode(t, err, grievance.EInvalid, "masters.invalid")
	if got := len(e.audit()); got != n+6 {
		t.Fatalf("failed import left %d audit entries, want %d", got, n+6)
	}

	// Filters.
	if got, _ := e.h.Audit(e.ctx, grievance.AuditFilter{Entity: grievance.AuditUser}); len(got) != 2 {
		t.Errorf("entity filter: %d entries, want 2", len(got))
	}
	if got, _ := e.h.Audit(e.ctx, grievance.AuditFilter{Actor: "nobody"}); len(got) != 0 {
		t.Errorf("actor filter: %d entries, want 0", len(got))
	}
	if got, _ := e.h.Audit(e.ctx, grievance.AuditFilter{From: Start.Add(time.Minute)}); len(got) != 0 {
		t.Errorf("date filter: %d entries, want 0", len(got))
	}
	if got, _ := e.h.Audit(e.ctx, grievance.AuditFilter{Actor: "ADMIN", From: Start, To: Start.Add(time.Minute)}); len(got) != n+6 {
		t.Errorf("actor and date filter: %d entries, want %d", len(got), n+6)
	}
}

func argStrings(args []any) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = fmt.Sprint(a)
	}
	return out
}

// testAdminDisableOfficer: disabling an officer moves their open complaints
// (with reassign events) to another officer, or to the control-room queue,
// in the same transaction that ends the post and its account.
func testAdminDisableOfficer(t *testing.T, e *env) {
	je1, je2 := e.officerID("pwd-je-w1"), e.officerID("pwd-je-w2")
	c1 := e.MustFile(newComplaint("road", "w1"))
	c2 := e.MustFile(newComplaint("road", "w1"))
	if c1.AssigneeID != je1 || c2.AssigneeID != je1 {
		t.Fatalf("fixture: complaints with %d, %d, want %d", c1.AssigneeID, c2.AssigneeID, je1)
	}
	u := &grievance.User{Login: "pwd-je-w1", Name: "JE", Roles: []grievance.Role{grievance.RoleOfficer}, OfficerID: je1, PasswordHash: "h"}
	if err := e.h.CreateUser(e.ctx, u); err != nil {
		t.Fatal(err)
	}
	counts, err := e.h.OpenByOfficer(e.ctx)
	if err != nil || counts[je1] != 2 {
		t.Fatalf("OpenByOfficer = %v, %v; want 2 for %d", counts, err, je1)
	}
	n := len(e.audit())

	// je-w2 does not cover w1: refused, nothing changes.
	_, err = e.h.AdminDisableOfficer(e.ctx, adminCR, je1, je2)
	wantField(t, err, "to", "admin.error.to")
	// An administrator without the control room's role cannot move complaints.
	_, err = e.h.AdminDisableOfficer(e.ctx, admin, je1, 0)
	wantCode(t, err, grievance.EForbidden, "")
	if got := len(e.audit()); got != n {
		t.Fatalf("refused disables left %d audit entries, want %d", got, n)
	}
	if m, _ := e.h.Masters(e.ctx); !m.Officer(je1).Active {
		t.Fatal("refused disable made the officer inactive")
	}

	// To the level-2 officer of the zone? Different level is fine: same department, covers w1.
	ae := e.officerID("pwd-ae-z1")
	moved, err := e.h.AdminDisableOfficer(e.ctx, adminCR, je1, ae)
	if err != nil || moved != 2 {
		t.Fatalf("AdminDisableOfficer = %d, %v; want 2 moved", moved, err)
	}
	a := e.wantOneAudit(n, grievance.AuditOfficer, "pwd-je-w1", grievance.AuditDisable)
	if field(t, a.Before, "Active") != true || field(t, a.After, "Active") != false || field(t, a.After, "To") != "pwd-ae-z1" {
		t.Fatalf("disable entry before %q after %q", a.Before, a.After)
	}
	for _, c := range []*grievance.Complaint{c1, c2} {
		got, err := e.h.Complaint(e.ctx, control, c.Number)
		if err != nil || got.AssigneeID != ae || got.Status != grievance.StatusAssigned {
			t.Fatalf("%s after disable: %+v, %v", c.Number, got, err)
		}
		evs, _ := e.h.History(e.ctx, control, c.Number)
		last := evs[len(evs)-1]
		if last.Kind != grievance.ActReassign || last.ActorID != adminCR.UserID || last.AssigneeID != ae {
			t.Fatalf("%s last event %+v, want a reassignment by the admin", c.Number, last)
		}
	}
	m, _ := e.h.Masters(e.ctx)
	if m.Officer(je1).Active {
		t.Fatal("officer still active")
	}
	if got, _ := e.h.User(e.ctx, u.ID); !got.Disabled {
		t.Fatal("officer's account not disabled")
	}
	_, err = e.h.AdminDisableOfficer(e.ctx, adminCR, je1, 0)
	wantCode(t, err, grievance.EConflict, "")

	// To the control-room queue.
	c3 := e.MustFile(newComplaint("road", "w2"))
	if moved, err := e.h.AdminDisableOfficer(e.ctx, adminCR, je2, 0); err != nil || moved != 1 {
		t.Fatalf("disable to the queue = %d, %v", moved, err)
	}
	got, _ := e.h.Complaint(e.ctx, control, c3.Number)
	if got.AssigneeID != 0 || got.Status != grievance.StatusRegistered || got.Department != "pwd" {
		t.Fatalf("%s in the queue: %+v", c3.Number, got)
	}
}
