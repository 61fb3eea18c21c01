package main

import (
	"context"
	"net/url"
	"testing"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
)

// roleUser creates a user with roles (and an officer post, by code) and
// signs a client in as that user.
func roleUser(t *testing.T, m *Main, login string, post string, roles ...grievance.Role) (*client, string) {
	t.Helper()
	ctx := context.Background()
	u := &grievance.User{Login: login, Name: login, Roles: roles, Language: grievance.English,
		PasswordHash: auth.HashPassword("role-test-password", auth.DefaultParams)}
	if post != "" {
		ms, _ := m.Store.Masters(ctx)
		u.OfficerID = ms.OfficerByCode(post).ID
	}
	if err := m.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, m)
	return c, c.login(login, "role-test-password")
}

// TestRoleMatrix walks every role across the staff pages and the actions on
// a complaint, and proves each allowed and each refused: the control room
// (supervisor, District Magistrate) reads everything and acts on anything
// the rules allow it; a department head reads the whole department; an
// officer only their jurisdiction; an administrator without the supervisor
// role runs the masters but reads no complaint; an agent has neither.
func TestRoleMatrix(t *testing.T) {
	m := MustRunMain(t, "", nil)
	mun := fileJSON(t, newClient(t, m), nil)["number"].(string)                                         // municipal corporation, mun-l1
	water := fileJSON(t, newClient(t, m), map[string]any{"category": "jal-leakage"})["number"].(string) // water works

	type who struct {
		name  string
		post  string
		roles []grievance.Role
	}
	people := []who{
		{"supervisor", "", []grievance.Role{grievance.RoleSupervisor}},
		{"dm", "", []grievance.Role{grievance.RoleDM}},
		{"head", "mun-l3", []grievance.Role{grievance.RoleOfficer, grievance.RoleDeptHead}},
		{"officer", "mun-l1", []grievance.Role{grievance.RoleOfficer}},
		{"other-officer", "power-l1", []grievance.Role{grievance.RoleOfficer}},
		{"admin-only", "", []grievance.Role{grievance.RoleAdmin}},
		{"agent", "", []grievance.Role{grievance.RoleAgent}},
	}
	// Expected status of each GET for each person, in the order of people.
	pages := []struct {
		path string
		want []int
	}{
		{"/control", []int{200, 200, 403, 403, 403, 403, 403}},
		{"/control/wall", []int{200, 200, 403, 403, 403, 403, 403}},
		{"/control/wall.json", []int{200, 200, 403, 403, 403, 403, 403}},
		{"/control/defaulters", []int{200, 200, 403, 403, 403, 403, 403}},
		{"/control/scorecard", []int{200, 200, 403, 403, 403, 403, 403}},
		{"/control/reports", []int{200, 200, 403, 403, 403, 403, 403}},
		{"/control/reports/pendency", []int{200, 200, 403, 403, 403, 403, 403}},
		{"/admin/sms", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/holidays", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/officers", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/categories", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/audit", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/departments", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/areas", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/rules", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/categories/new", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/officers/mun-l2", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/areas/z1/delete", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/admin/sms/templates/registered/citizen/hi", []int{403, 403, 403, 403, 403, 200, 403}},
		{"/officer?tab=area", []int{303, 303, 200, 200, 200, 403, 403}},
		{"/officer/complaints/" + mun, []int{200, 200, 200, 200, 404, 404, 404}},
		{"/officer/complaints/" + water, []int{200, 200, 404, 404, 404, 404, 404}},
	}
	clients := make([]*client, len(people))
	tokens := make([]string, len(people))
	for i, p := range people {
		clients[i], tokens[i] = roleUser(t, m, p.name, p.post, p.roles...)
	}
	for _, pg := range pages {
		for i, p := range people {
			if got := clients[i].get(pg.path).Status; got != pg.want[i] {
				t.Errorf("%s GET %s: %d, want %d", p.name, pg.path, got, pg.want[i])
			}
		}
	}
	// Actions on the municipal complaint (assigned to mun-l1): who may note
	// it, who may accept it, who may reject it (control room only).
	actions := []struct {
		action string
		form   url.Values
		want   []int
	}{
		{"note", url.Values{"note": {"seen"}}, []int{303, 303, 303, 303, 404, 404, 404}},
		{"reject", url.Values{"note": {"out of scope"}}, []int{0, 0, 403, 403, 404, 404, 404}},
		{"accept", nil, []int{403, 403, 403, 303, 404, 404, 404}},
	}
	for _, a := range actions {
		for i, p := range people {
			if a.want[i] == 0 {
				continue // would change the complaint for the rest of the walk
			}
			form := url.Values{"csrf": {tokens[i]}}
			for k, v := range a.form {
				form[k] = v
			}
			if got := clients[i].postForm("/officer/complaints/"+mun+"/"+a.action, form).Status; got != a.want[i] {
				t.Errorf("%s POST %s: %d, want %d", p.name, a.action, got, a.want[i])
			}
		}
	}
	// Administration actions: refused to every role but the administrator,
	// whose requests here are each refused by the rules (nothing changes).
	adminActions := []struct {
		path string
		want []int
	}{
		{"/admin/categories", []int{403, 403, 403, 403, 403, 422, 403}},                                // no code or names
		{"/admin/officers/mun-l2/enable", []int{403, 403, 403, 403, 403, 409, 403}},                    // already active
		{"/admin/areas/z1/delete", []int{403, 403, 403, 403, 403, 409, 403}},                           // wards lie in it
		{"/admin/sms/templates/registered/citizen/hi", []int{403, 403, 403, 403, 403, 422, 403}},       // no text
		{"/admin/sms/templates/registered/citizen/hi/reset", []int{403, 403, 403, 403, 403, 404, 403}}, // not edited
	}
	for _, a := range adminActions {
		for i, p := range people {
			if got := clients[i].postForm(a.path, url.Values{"csrf": {tokens[i]}}).Status; got != a.want[i] {
				t.Errorf("%s POST %s: %d, want %d", p.name, a.path, got, a.want[i])
			}
		}
	}
	// Anonymous: every staff page sends to the sign-in page.
	anon := newClient(t, m)
	for _, pg := range pages {
		if r := anon.get(pg.path); r.Status != 303 || r.Location == "" {
			t.Errorf("anonymous GET %s: %d to %q, want the sign-in page", pg.path, r.Status, r.Location)
		}
	}
	// The DM rejects out of scope; the supervisor reopens it.
	if r := clients[1].postForm("/officer/complaints/"+water+"/reject", url.Values{"csrf": {tokens[1]}, "note": {"private land"}}); r.Status != 303 {
		t.Errorf("dm reject: %d", r.Status)
	}
	if r := clients[0].postForm("/officer/complaints/"+water+"/reopen", url.Values{"csrf": {tokens[0]}, "note": {"re-examine"}}); r.Status != 303 {
		t.Errorf("supervisor reopen: %d", r.Status)
	}
}
