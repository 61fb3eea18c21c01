package main

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"nivaran/internal/grievance"
)

// auditCount counts the audit entries of entity.
func auditCount(t *testing.T, m *Main, entity string) int {
	t.Helper()
	got, err := m.Store.Audit(context.Background(), grievance.AuditFilter{Entity: entity})
	if err != nil {
		t.Fatal(err)
	}
	return len(got)
}

var passwordRE = regexp.MustCompile(`<code id="new-password">([^<]+)</code>`)

// TestAdminMasters: the administrator creates an officer post, edits a
// category's ladder, resets a password (the officer must change it at sign-in)
// and disables an officer with open complaints, moving them to another
// officer; each change is in the audit log; bad input changes nothing.
func TestAdminMasters(t *testing.T) {
	m := MustRunMain(t, "", nil)
	ctx := context.Background()
	admin := newClient(t, m)
	admin.lang = "en"
	tok := admin.login("admin", testAdminPassword)

	if r := admin.get("/admin/officers"); r.Status != 200 || !strings.Contains(r.Body, "mun-l1") || !strings.Contains(r.Body, `href="/admin/audit"`) {
		t.Fatalf("officers page: %d\n%.1000s", r.Status, r.Body)
	}
	form := func(f map[string]string, multi ...string) url.Values {
		v := url.Values{"csrf": {tok}, "code": {"mun-l1-aminabad"}, "department": {"mun"}, "level": {"1"},
			"designation_hi": {"सफ़ाई निरीक्षक"}, "designation_en": {"Sanitary Inspector"}, "name": {"Asha Verma"},
			"mobile": {"9000000077"}, "language": {"en"}, "superior": {"mun-l2"}}
		for k, x := range f {
			v.Set(k, x)
		}
		v["jurisdiction"] = append([]string{"w-z1-aminabad"}, multi...)
		return v
	}

	// Bad input: 422 naming the field; nothing changes.
	officers0 := len(mustMasters(t, m).Officers)
	audit0 := auditCount(t, m, "")
	for _, b := range []struct {
		name, field, value, want string
	}{
		{"unknown department", "department", "nope", "Choose a department that exists"},
		{"level out of range", "level", "4", "level of the department"},
		{"invalid mobile", "mobile", "12345", "10-digit mobile"},
		{"bad code", "code", "Bad Code!", "lowercase letters"},
		{"taken code", "code", "mun-l1", "already used"},
	} {
		r := admin.postForm("/admin/officers", form(map[string]string{b.field: b.value}))
		if r.Status != 422 || !strings.Contains(r.Body, b.want) || !strings.Contains(r.Body, `id="`+b.field+`-error"`) ||
			!strings.Contains(r.Body, `aria-describedby="`) {
			t.Errorf("%s: %d, want 422 naming %s\n%.300s", b.name, r.Status, b.field, r.Body)
		}
	}
	if r := admin.postForm("/admin/officers", form(nil, "no-such-area")); r.Status != 422 {
		t.Errorf("unknown area: %d", r.Status)
	}
	if got := len(mustMasters(t, m).Officers); got != officers0 {
		t.Fatalf("bad input changed the officers: %d, want %d", got, officers0)
	}
	if got := auditCount(t, m, ""); got != audit0 {
		t.Fatalf("bad input wrote %d audit entries", got-audit0)
	}

	// Create.
	if r := admin.postForm("/admin/officers", form(nil)); r.Status != 303 {
		t.Fatalf("create officer: %d\n%.1500s", r.Status, r.Body)
	}
	ms := mustMasters(t, m)
	newOff := ms.OfficerByCode("mun-l1-aminabad")
	if newOff == nil || newOff.Level != 1 || newOff.Superior != "mun-l2" || !newOff.Covers("w-z1-aminabad") || newOff.Covers("w-z1-hazratganj") {
		t.Fatalf("created officer: %+v", newOff)
	}
	if r := admin.get("/admin/officers/mun-l1-aminabad"); r.Status != 200 || !strings.Contains(r.Body, "Asha Verma") {
		t.Errorf("edit form: %d", r.Status)
	}

	// Edit a category's ladder; a bad ladder is refused.
	garbage := mustMasters(t, m).Category("mun-garbage")
	cat := url.Values{"csrf": {tok}, "name_hi": {garbage.Name.Hi}, "name_en": {garbage.Name.En}, "department": {garbage.Department}, "resolution_days": {"2"}, "escalation": {"2d 1x"}, "require_photo": {"on"}, "active": {"on"}}
	if r := admin.postForm("/admin/categories/mun-garbage", cat); r.Status != 422 || !strings.Contains(r.Body, `id="escalation-error"`) {
		t.Errorf("bad ladder: %d\n%.500s", r.Status, r.Body)
	}
	if c := mustMasters(t, m).Category("mun-garbage"); grievance.FormatLadder(c.Escalation) == "2d 1x" {
		t.Fatal("bad ladder saved")
	}
	cat.Set("escalation", "2d 1d")
	if r := admin.postForm("/admin/categories/mun-garbage", cat); r.Status != 303 {
		t.Fatalf("save category: %d\n%.1000s", r.Status, r.Body)
	}
	if c := mustMasters(t, m).Category("mun-garbage"); c.ResolutionDays != 2 || grievance.FormatLadder(c.Escalation) != "2d 1d" || !c.RequirePhoto {
		t.Fatalf("category after save: %+v", c)
	}
	if r := admin.get("/admin/categories"); !strings.Contains(r.Body, "2d 1d") {
		t.Error("categories list lacks the new ladder")
	}

	// Reset the password: shown once; the officer must change it.
	r := admin.postForm("/admin/officers/mun-l1-aminabad/password", url.Values{"csrf": {tok}})
	pm := passwordRE.FindStringSubmatch(r.Body)
	if r.Status != 200 || pm == nil {
		t.Fatalf("reset password: %d\n%.1000s", r.Status, r.Body)
	}
	off := newClient(t, m)
	page := off.get("/officer/login")
	res := off.postForm("/officer/login", url.Values{"csrf": {csrf(t, page.Body)}, "login": {"mun-l1-aminabad"}, "password": {pm[1]}})
	if res.Status != 303 {
		t.Fatalf("sign-in with the shown password: %d", res.Status)
	}
	if r := off.get("/officer"); r.Status != 303 || r.Location != "/officer/password" {
		t.Fatalf("after reset, /officer: %d → %q, want the password change", r.Status, r.Location)
	}

	// Disable with open complaints: they go to mun-l1.
	n1 := fileJSON(t, newClient(t, m), nil)["number"].(string)
	n2 := fileJSON(t, newClient(t, m), nil)["number"].(string)
	for _, n := range []string{n1, n2} {
		c, err := m.Store.Complaint(ctx, grievance.SystemActor, n)
		if err != nil || c.AssigneeID != newOff.ID {
			t.Fatalf("%s with %d (%v), want the new officer %d", n, c.AssigneeID, err, newOff.ID)
		}
	}
	if r := admin.get("/admin/officers/mun-l1-aminabad/disable"); r.Status != 200 || !strings.Contains(r.Body, "2 open complaints") {
		t.Fatalf("disable page: %d\n%.1000s", r.Status, r.Body)
	}
	if r := admin.postForm("/admin/officers/mun-l1-aminabad/disable", url.Values{"csrf": {tok}}); r.Status != 422 || !strings.Contains(r.Body, "choose where they go") {
		t.Fatalf("disable without a destination: %d", r.Status)
	}
	target := ms.OfficerByCode("mun-l1")
	if r := admin.postForm("/admin/officers/mun-l1-aminabad/disable", url.Values{"csrf": {tok}, "to": {strconv.FormatInt(target.ID, 10)}}); r.Status != 303 {
		t.Fatalf("disable: %d\n%.1500s", r.Status, r.Body)
	}
	if o := mustMasters(t, m).OfficerByCode("mun-l1-aminabad"); o.Active {
		t.Fatal("officer still active")
	}
	if r := off.get("/officer/password"); r.Status != 303 {
		t.Errorf("disabled officer's session still works: %d", r.Status)
	}
	inbox := newClient(t, m)
	inbox.login("mun-l1", testDemoPassword)
	box := inbox.get("/officer")
	for _, n := range []string{n1, n2} {
		if !strings.Contains(box.Body, n) {
			t.Errorf("mun-l1 inbox lacks %s", n)
		}
		evs, err := m.Store.History(ctx, grievance.SystemActor, n)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Kind != grievance.ActReassign || last.AssigneeID != target.ID || last.ActorName == "" {
			t.Errorf("%s last event %+v, want the reassignment to mun-l1", n, last)
		}
	}

	// The audit log has one entry for each change.
	all, err := m.Store.Audit(ctx, grievance.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range all[:len(all)-audit0] {
		got = append(got, a.Entity+"/"+a.Action+"/"+a.EntityKey+"/"+a.ActorLogin)
	}
	want := []string{"officer/disable/mun-l1-aminabad/admin", "user/reset_password/mun-l1-aminabad/admin",
		"category/update/mun-garbage/admin", "officer/create/mun-l1-aminabad/admin"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("audit entries\n got %v\nwant %v", got, want)
	}
	if r := admin.get("/admin/audit?entity=category"); r.Status != 200 || !strings.Contains(r.Body, "mun-garbage") || strings.Contains(r.Body, "mun-l1-aminabad") {
		t.Errorf("audit page filtered by category: %d", r.Status)
	}
	if r := admin.get("/admin/audit?actor=admin&from=2000-01-01&to=2999-12-31"); !strings.Contains(r.Body, "reset_password") && !strings.Contains(r.Body, "Password reset") {
		t.Error("audit page lacks the password reset")
	}
	if r := admin.get("/admin/audit?from=yesterday"); r.Status != 422 {
		t.Errorf("bad date filter: %d", r.Status)
	}
}

// TestAdminPagesForbidden: an officer gets 403 on every administration page.
func TestAdminPagesForbidden(t *testing.T) {
	m := MustRunMain(t, "", nil)
	o := newClient(t, m)
	tok := o.login("mun-l1", testDemoPassword)
	for _, p := range []string{"/admin/officers", "/admin/officers/new", "/admin/officers/mun-l2", "/admin/officers/mun-l2/disable",
		"/admin/categories", "/admin/categories/mun-garbage", "/admin/audit"} {
		if r := o.get(p); r.Status != 403 {
			t.Errorf("GET %s: %d, want 403", p, r.Status)
		}
	}
	for _, p := range []string{"/admin/officers", "/admin/officers/mun-l2", "/admin/officers/mun-l2/password",
		"/admin/officers/mun-l2/disable", "/admin/categories/mun-garbage"} {
		if r := o.postForm(p, url.Values{"csrf": {tok}, "to": {"queue"}, "resolution_days": {"1"}}); r.Status != 403 {
			t.Errorf("POST %s: %d, want 403", p, r.Status)
		}
	}
	if got := auditCount(t, m, ""); got != 0 {
		t.Errorf("forbidden requests wrote %d audit entries", got)
	}
}

func mustMasters(t *testing.T, m *Main) *grievance.Masters {
	t.Helper()
	ms, err := m.Store.Masters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ms
}
