package grievance

import "slices"

// Role is what a user may do. A user may hold several.
type Role string

// The roles of Nivaran.
const (
	RoleAdmin      Role = "admin"      // masters and users
	RoleSupervisor Role = "supervisor" // control room: every complaint, reassign, close, reopen, reject
	RoleDM         Role = "dm"         // District Magistrate: reads everything, acts on anything
	RoleDeptHead   Role = "dept_head"  // head of a department: the whole department
	RoleOfficer    Role = "officer"    // an officer in their jurisdiction
	RoleAgent      Role = "agent"      // helpline agent: registers complaints for callers
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleSupervisor, RoleDM, RoleDeptHead, RoleOfficer, RoleAgent}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Actor is who performs an action: a signed-in user (with the officer profile
// they are linked to, if any), a citizen proven by their mobile number, or the
// system itself (scheduler, intake).
type Actor struct {
	UserID     int64
	Login      string
	Roles      []Role
	Officer    *Officer // nil unless the user is an officer
	Mobile     string   // set for a citizen actor
	System     bool
	TokenScope []string // reserved for API tokens
}

// SystemActor is the actor of automatic actions.
var SystemActor = Actor{System: true, Login: "system"}

// CitizenActor is the actor for a citizen who proved they own mobile.
func CitizenActor(mobile string) Actor { return Actor{Mobile: mobile, Login: "citizen"} }

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// ControlRoom reports whether the actor acts for the control room:
// supervisors and the District Magistrate.
func (a Actor) ControlRoom() bool { return a.Has(RoleSupervisor) || a.Has(RoleDM) }

// IsCitizen reports whether the actor is a citizen.
func (a Actor) IsCitizen() bool { return a.Mobile != "" && a.UserID == 0 && !a.System }

// CanSee reports whether the actor may read complaint c. The control room
// reads everything; a department head their department; an officer what is
// assigned to them and what falls in their jurisdiction; a citizen what was
// filed from their mobile number.
func (a Actor) CanSee(c *Complaint) bool {
	switch {
	case a.System || a.ControlRoom():
		return true
	case a.IsCitizen():
		return c.Mobile == a.Mobile
	case a.Officer != nil:
		o := a.Officer
		if c.AssigneeID != 0 && c.AssigneeID == o.ID {
			return true
		}
		if c.Department == "" || c.Department != o.Department {
			return false
		}
		return a.Has(RoleDeptHead) || o.Covers(c.Area)
	}
	return false
}
