package main

import (
	"net/url"
	"strings"
	"testing"

	"nivaran/internal/grievance"
)

// TestAdminMoreMasters: the administrator adds a ward under a zone (citizens
// can file in it at once), adds a routing rule that sends a category in
// that ward to another department, and renames a department (the citizen
// form shows the new name); bad input is refused with 422 naming the field
// and changes nothing; each change is one audit entry.
func TestAdminMoreMasters(t *testing.T) {
	m := MustRunMain(t, "", nil)
	admin := newClient(t, m)
	admin.lang = "en"
	tok := admin.login("admin", testAdminPassword)

	for _, p := range []string{"/admin/departments", "/admin/areas", "/admin/rules", "/admin/departments/new",
		"/admin/departments/mun", "/admin/areas/new", "/admin/areas/z1"} {
		if r := admin.get(p); r.Status != 200 {
			t.Fatalf("GET %s: %d\n%.500s", p, r.Status, r.Body)
		}
	}
	if r := admin.get("/admin/areas"); !strings.Contains(r.Body, `href="/admin/areas/w-z1-aminabad"`) || !strings.Contains(r.Body, `href="/admin/rules"`) {
		t.Fatalf("areas page lacks the tree or the menu:\n%.2000s", r.Body)
	}

	// A ward under zone z1.
	ward := url.Values{"csrf": {tok}, "code": {"w-z1-test"}, "kind": {"ward"}, "parent": {"z1"},
		"name_hi": {"परीक्षण वार्ड"}, "name_en": {"Test Ward"}}
	audit0 := auditCount(t, m, "")
	for _, b := range []struct{ field, value, want string }{
		{"parent", "no-such-zone", "Choose another area"},
		{"code", "w-z1-aminabad", "already used"},
		{"code", "Bad Code", "lowercase letters"},
		{"kind", "village", "tehsil, block, zone or ward"},
		{"name_en", "", "in Hindi and in English"},
	} {
		v := url.Values{}
		for k, x := range ward {
			v[k] = x
		}
		v.Set(b.field, b.value)
		field := strings.TrimSuffix(b.field, "_en")
		r := admin.postForm("/admin/areas", v)
		if r.Status != 422 || !strings.Contains(r.Body, b.want) || !strings.Contains(r.Body, `id="`+field+`-error"`) {
			t.Errorf("area %s=%q: %d, want 422 naming %s\n%.300s", b.field, b.value, r.Status, field, r.Body)
		}
	}
	// A zone cannot move under its own ward.
	if r := admin.postForm("/admin/areas/z1", url.Values{"csrf": {tok}, "kind": {"zone"}, "parent": {"w-z1-aminabad"},
		"name_hi": {"ज़ोन 1"}, "name_en": {"Zone 1"}}); r.Status != 422 || !strings.Contains(r.Body, `id="parent-error"`) {
		t.Errorf("cycle: %d\n%.300s", r.Status, r.Body)
	}
	if got := auditCount(t, m, ""); got != audit0 {
		t.Fatalf("bad area input wrote %d audit entries", got-audit0)
	}
	if r := admin.postForm("/admin/areas", ward); r.Status != 303 {
		t.Fatalf("create ward: %d\n%.500s", r.Status, r.Body)
	}
	if got := auditCount(t, m, grievance.AuditArea); got != 1 {
		t.Fatalf("area audit entries: %d, want 1", got)
	}
	if r := newClient(t, m).get("/"); !strings.Contains(r.Body, `value="w-z1-test"`) {
		t.Fatal("the new ward is not on the citizen form")
	}
	c := fileJSON(t, newClient(t, m), map[string]any{"area": "w-z1-test"})
	if got := c["department"]; got != "mun" {
		t.Fatalf("complaint in the new ward went to %q, want mun", got)
	}

	// A rule: garbage in the new ward goes to the health department.
	rule := url.Values{"csrf": {tok}, "category": {"mun-garbage"}, "area": {"w-z1-test"}, "department": {"health"}}
	for _, b := range []struct{ field, value string }{{"category", "nope"}, {"area", "nope"}, {"department", "nope"}} {
		v := url.Values{}
		for k, x := range rule {
			v[k] = x
		}
		v.Set(b.field, b.value)
		if r := admin.postForm("/admin/rules", v); r.Status != 422 || !strings.Contains(r.Body, `id="`+b.field+`-error"`) {
			t.Errorf("rule with %s=nope: %d\n%.300s", b.field, r.Status, r.Body)
		}
	}
	if r := admin.postForm("/admin/rules", rule); r.Status != 303 {
		t.Fatalf("add rule: %d\n%.500s", r.Status, r.Body)
	}
	if r := admin.postForm("/admin/rules", rule); r.Status != 422 || !strings.Contains(r.Body, `id="area-error"`) {
		t.Errorf("duplicate rule: %d", r.Status)
	}
	c = fileJSON(t, newClient(t, m), map[string]any{"area": "w-z1-test"})
	if got := c["department"]; got != "health" {
		t.Fatalf("complaint under the new rule went to %q, want health", got)
	}
	if got := auditCount(t, m, grievance.AuditRule); got != 1 {
		t.Fatalf("rule audit entries: %d, want 1", got)
	}
	del := url.Values{"csrf": {tok}, "category": {"mun-garbage"}, "area": {"w-z1-test"}, "department": {"health"}}
	if r := admin.postForm("/admin/rules/delete", del); r.Status != 303 {
		t.Fatalf("delete rule: %d", r.Status)
	}
	c = fileJSON(t, newClient(t, m), map[string]any{"area": "w-z1-test"})
	if got := c["department"]; got != "mun" {
		t.Fatalf("complaint after the rule is deleted went to %q, want mun", got)
	}

	// Rename a department: the citizen form shows the new name.
	dept := url.Values{"csrf": {tok}, "name_hi": {"नगर निगम (नया नाम)"}, "name_en": {"Municipal Corporation Renamed"}}
	mun := mustMasters(t, m).Department("mun")
	for i, l := range mun.Levels {
		dept.Set("level"+string(rune('1'+i))+"_hi", l.Hi)
		dept.Set("level"+string(rune('1'+i))+"_en", l.En)
	}
	short := url.Values{}
	for k, x := range dept {
		short[k] = x
	}
	short.Del("level3_hi")
	short.Del("level3_en") // mun-l3 holds level 3
	audit0 = auditCount(t, m, "")
	if r := admin.postForm("/admin/departments/mun", short); r.Status != 422 || !strings.Contains(r.Body, `id="levels-error"`) ||
		!strings.Contains(r.Body, "holds a level you removed") {
		t.Errorf("dropping a held level: %d\n%.300s", r.Status, r.Body)
	}
	gap := url.Values{}
	for k, x := range dept {
		gap[k] = x
	}
	gap.Set("level5_hi", "क")
	gap.Set("level5_en", "k")
	if r := admin.postForm("/admin/departments/mun", gap); r.Status != 422 || !strings.Contains(r.Body, `id="levels-error"`) {
		t.Errorf("a gap in the ladder: %d", r.Status)
	}
	if got := auditCount(t, m, ""); got != audit0 {
		t.Fatalf("bad department input wrote %d audit entries", got-audit0)
	}
	if r := admin.postForm("/admin/departments/mun", dept); r.Status != 303 {
		t.Fatalf("rename department: %d\n%.500s", r.Status, r.Body)
	}
	citizen := newClient(t, m)
	citizen.lang = "en"
	if r := citizen.get("/"); !strings.Contains(r.Body, `label="Municipal Corporation Renamed"`) {
		t.Fatal("the citizen form does not show the new department name")
	}
	// A new department.
	nd := url.Values{"csrf": {tok}, "code": {"fire"}, "name_hi": {"अग्निशमन"}, "name_en": {"Fire Service"},
		"level1_hi": {"अग्निशमन अधिकारी"}, "level1_en": {"Fire Officer"}}
	if r := admin.postForm("/admin/departments", nd); r.Status != 303 {
		t.Fatalf("create department: %d\n%.500s", r.Status, r.Body)
	}
	if r := admin.postForm("/admin/departments", nd); r.Status != 422 || !strings.Contains(r.Body, `id="code-error"`) {
		t.Errorf("duplicate department code: %d", r.Status)
	}
	if got := auditCount(t, m, grievance.AuditDepartment); got != 2 {
		t.Fatalf("department audit entries: %d, want 2", got)
	}
}

// TestAdminMorePagesForbidden: an officer gets 403 on the departments,
// areas and rules pages and their forms, and writes nothing.
func TestAdminMorePagesForbidden(t *testing.T) {
	m := MustRunMain(t, "", nil)
	o := newClient(t, m)
	tok := o.login("mun-l1", testDemoPassword)
	for _, p := range []string{"/admin/departments", "/admin/departments/new", "/admin/departments/mun",
		"/admin/areas", "/admin/areas/new", "/admin/areas/z1", "/admin/rules"} {
		if r := o.get(p); r.Status != 403 {
			t.Errorf("GET %s: %d, want 403", p, r.Status)
		}
	}
	v := url.Values{"csrf": {tok}, "code": {"x"}, "name_hi": {"x"}, "name_en": {"x"}, "level1_hi": {"x"}, "level1_en": {"x"},
		"kind": {"ward"}, "parent": {"z1"}, "category": {"mun-garbage"}, "department": {"health"}}
	for _, p := range []string{"/admin/departments", "/admin/departments/mun", "/admin/areas", "/admin/areas/z1",
		"/admin/rules", "/admin/rules/delete"} {
		if r := o.postForm(p, v); r.Status != 403 {
			t.Errorf("POST %s: %d, want 403", p, r.Status)
		}
	}
	if got := auditCount(t, m, ""); got != 0 {
		t.Errorf("forbidden requests wrote %d audit entries", got)
	}
}
