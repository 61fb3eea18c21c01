package grievance_test

import (
	"testing"

	"nivaran/internal/grievance"
)

// officerActor is the signed-in user holding officer id of m.
func officerActor(t *testing.T, m *grievance.Masters, id int64, roles ...grievance.Role) grievance.Actor {
	t.Helper()
	o := MustOfficer(t, m, id)
	return grievance.Actor{UserID: 100 + id, Login: o.Code, Roles: append([]grievance.Role{grievance.RoleOfficer}, roles...), Officer: o}
}

func staffActor(id int64, login string, roles ...grievance.Role) grievance.Actor {
	return grievance.Actor{UserID: id, Login: login, Roles: roles}
}

func TestCanSee(t *testing.T) {
	m := MustMasters(t)
	const mobile = "9876543210"
	pwdW1 := &grievance.Complaint{Mobile: mobile, Department: "pwd", Area: "w1", AssigneeID: jeW1b, Status: grievance.StatusAssigned}
	pwdW3 := &grievance.Complaint{Mobile: mobile, Department: "pwd", Area: "w3", AssigneeID: jeW3, Status: grievance.StatusAssigned}
	jalW1 := &grievance.Complaint{Mobile: mobile, Department: "jal", Area: "w1", AssigneeID: jalJeW1, Status: grievance.StatusAssigned}
	jalToPwd := &grievance.Complaint{Mobile: mobile, Department: "jal", Area: "w3", AssigneeID: jeW1, Status: grievance.StatusAssigned}
	queue := &grievance.Complaint{Mobile: mobile, Area: "w1", Status: grievance.StatusRegistered}

	// A department head's own post covers only zone z2, yet sees the whole department.
	head := officerActor(t, m, jeW3, grievance.RoleDeptHead)
	ghost := officerActor(t, m, jeGhost)
	ghostHead := officerActor(t, m, jeGhost, grievance.RoleDeptHead)

	tests := []struct {
		name  string
		actor grievance.Actor
		c     *grievance.Complaint
		want  bool
	}{
		{"supervisor sees any department", staffActor(900, "sup", grievance.RoleSupervisor), jalW1, true},
		{"supervisor sees the queue", staffActor(900, "sup", grievance.RoleSupervisor), queue, true},
		{"DM sees all", staffActor(901, "dm", grievance.RoleDM), pwdW3, true},
		{"DM sees the queue", staffActor(901, "dm", grievance.RoleDM), queue, true},
		{"system sees all", grievance.SystemActor, queue, true},
		{"admin alone sees nothing", staffActor(902, "admin", grievance.RoleAdmin), pwdW1, false},
		{"agent sees nothing", staffActor(903, "agent", grievance.RoleAgent), pwdW1, false},
		{"user without roles", staffActor(904, "nobody"), pwdW1, false},
		{"officer role without officer profile", staffActor(905, "x", grievance.RoleOfficer), pwdW1, false},

		{"assignee", officerActor(t, m, jeW1b), pwdW1, true},
		{"assigned to me in another department", officerActor(t, m, jeW1), jalToPwd, true},
		{"same department, area in jurisdiction", officerActor(t, m, jeW1), pwdW1, true},
		{"same department, zone jurisdiction covers the ward", officerActor(t, m, aeZ1), pwdW1, true},
		{"same department, whole-district jurisdiction", officerActor(t, m, eeAll), pwdW3, true},
		{"same department, other area", officerActor(t, m, jeW1), pwdW3, false},
		{"same department, other zone", officerActor(t, m, aeZ1), pwdW3, false},
		{"other department, same area", officerActor(t, m, jalJeW1), pwdW1, false},
		{"other department, whole-district officer", officerActor(t, m, eeAll), jalW1, false},
		{"queue: officer covering the area does not see it", officerActor(t, m, jeW1), queue, false},
		{"queue: whole-district officer does not see it", officerActor(t, m, eeAll), queue, false},
		{"dept head: whole department", head, pwdW1, true},
		{"dept head: own jurisdiction", head, pwdW3, true},
		{"dept head: not other departments", head, jalW1, false},
		{"dept head: not the queue", head, queue, false},
		{"officer whose jurisdiction names no known area covers nothing", ghost, pwdW1, false},
		{"... nor the area of another", ghost, pwdW3, false},
		{"... unless dept head", ghostHead, pwdW3, true},
		{"supervisor who is also an officer", officerActor(t, m, jalJeW1, grievance.RoleSupervisor), pwdW3, true},

		{"citizen, own mobile", grievance.CitizenActor(mobile), pwdW1, true},
		{"citizen, own mobile, in the queue", grievance.CitizenActor(mobile), queue, true},
		{"citizen, other mobile", grievance.CitizenActor("9123456780"), pwdW1, false},
		{"citizen, same number not normalised", grievance.CitizenActor("+91" + mobile), pwdW1, false},
		{"citizen with empty mobile", grievance.CitizenActor(""), &grievance.Complaint{Department: "pwd", Area: "w1"}, false},
	}
	for _, tt := range tests {
		if got := tt.actor.CanSee(tt.c); got != tt.want {
			t.Errorf("%s: CanSee = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// An unassigned complaint (AssigneeID 0) is assigned to nobody, so no
// officer sees it because of assignment: an officer profile not yet stored
// (ID 0) must not see every unassigned complaint.
func TestCanSeeUnassignedOfficerZeroID(t *testing.T) {
	o := &grievance.Officer{ID: 0, Code: "new", Department: "pwd", Level: 1, Areas: []string{"w1"}, Active: true}
	a := grievance.Actor{UserID: 77, Roles: []grievance.Role{grievance.RoleOfficer}, Officer: o}
	for _, c := range []*grievance.Complaint{
		{Department: "", Area: "w3", Status: grievance.StatusRegistered},
		{Department: "jal", Area: "w3", Status: grievance.StatusReturned},
	} {
		if a.CanSee(c) {
			t.Errorf("officer with ID 0 CanSee(unassigned %q/%q) = true; want false", c.Department, c.Area)
		}
	}
}

func TestActorPredicates(t *testing.T) {
	tests := []struct {
		name                      string
		a                         grievance.Actor
		citizen, controlRoom, sup bool
	}{
		{"citizen", grievance.CitizenActor("9876543210"), true, false, false},
		{"system", grievance.SystemActor, false, false, false},
		{"system with a mobile is not a citizen", grievance.Actor{System: true, Mobile: "9876543210"}, false, false, false},
		{"user with a mobile is not a citizen", grievance.Actor{UserID: 5, Mobile: "9876543210"}, false, false, false},
		{"supervisor", staffActor(1, "s", grievance.RoleSupervisor), false, true, true},
		{"DM", staffActor(1, "d", grievance.RoleDM), false, true, false},
		{"admin", staffActor(1, "a", grievance.RoleAdmin), false, false, false},
		{"dept head", staffActor(1, "h", grievance.RoleDeptHead), false, false, false},
		{"agent and supervisor", staffActor(1, "x", grievance.RoleAgent, grievance.RoleSupervisor), false, true, true},
	}
	for _, tt := range tests {
		if got := tt.a.IsCitizen(); got != tt.citizen {
			t.Errorf("%s: IsCitizen = %v; want %v", tt.name, got, tt.citizen)
		}
		if got := tt.a.ControlRoom(); got != tt.controlRoom {
			t.Errorf("%s: ControlRoom = %v; want %v", tt.name, got, tt.controlRoom)
		}
		if got := tt.a.Has(grievance.RoleSupervisor); got != tt.sup {
			t.Errorf("%s: Has(supervisor) = %v; want %v", tt.name, got, tt.sup)
		}
	}
	for _, r := range []grievance.Role{"admin", "supervisor", "dm", "dept_head", "officer", "agent"} {
		if !r.Valid() {
			t.Errorf("Role(%q).Valid() = false; want true", r)
		}
	}
	for _, r := range []grievance.Role{"", "Admin", "citizen", "root"} {
		if r.Valid() {
			t.Errorf("Role(%q).Valid() = true; want false", r)
		}
	}
}
