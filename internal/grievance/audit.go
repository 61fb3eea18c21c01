package grievance

import (
	"context"
	"time"
)

// AuditEntry is one recorded change to the masters or the accounts: who made
// it, when, and the record before and after as JSON ("" when there was none:
// before a creation). Entries are never changed or removed.
type AuditEntry struct {
	ID         int64
	At         time.Time
	ActorID    int64
	ActorLogin string
	Entity     string // AuditOfficer, AuditCategory, AuditDepartment, AuditArea, AuditRule, AuditHoliday, AuditUser, AuditMasters
	EntityKey  string // the record's code ("category:area" for a rule, "*" for every area), the user's login
	Action     string // AuditCreate, AuditUpdate, …
	Before     string // JSON
	After      string // JSON
}

// The entities and actions of the audit log.
const (
	AuditOfficer    = "officer"
	AuditCategory   = "category"
	AuditHoliday    = "holiday"
	AuditUser       = "user"
	AuditMasters    = "masters"
	AuditDepartment = "department"
	AuditArea       = "area"
	AuditRule       = "rule"
	AuditSMS        = "sms_template"
	AuditWebhook    = "webhook"

	AuditCreate        = "create"
	AuditUpdate        = "update"
	AuditDisable       = "disable"
	AuditEnable        = "enable"
	AuditResetPassword = "reset_password"
	AuditImport        = "import"
	AuditDelete        = "delete"
	AuditReset         = "reset"
)

// AuditFilter selects audit entries: every condition that is set must hold.
// From and To bound At (From included, To excluded). Limit caps the answer
// (default and most 500), newest first.
type AuditFilter struct {
	Entity string
	Actor  string // actor login
	From   time.Time
	To     time.Time
	Limit  int
}

// AuditService reads the audit log. There is no way to change it.
type AuditService interface {
	// Audit returns the entries that match f, newest first. Any signed-in
	// administrator may read it; the caller checks the role.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// AdminService changes the masters and accounts one record at a time, for
// the administration pages. Every method checks that actor holds RoleAdmin
// (EForbidden otherwise) and records the change in the audit log in the same
// transaction: a change that fails records nothing.
type AdminService interface {
	AuditService

	// AdminSaveOfficer creates the officer post with o.Code, or updates it
	// (keeping its ID), and returns its ID. A new post gets a user account
	// whose login is the code and which cannot sign in until a password is
	// set. o.Active is ignored: a new post is active and an existing one
	// keeps its state (AdminDisableOfficer ends it). EInvalid with key
	// "masters.invalid" naming the row when the masters would not hold
	// together, or with field "mobile" for a malformed mobile number.
	AdminSaveOfficer(ctx context.Context, actor Actor, o Officer) (int64, error)

	// AdminSaveCategory creates the category with c.Code when there is
	// none, or updates it (department, names, resolution days, ladder,
	// proof, state). EInvalid with field "code" (empty), "name" (a name
	// missing in Hindi or English), "department" (unknown) or
	// "resolution_days" (below 1), or like AdminSaveOfficer.
	AdminSaveCategory(ctx context.Context, actor Actor, c Category) error

	// AdminSaveDepartment creates the department with d.Code or updates it
	// (names and ladder). EInvalid with field "code", "name" or "levels"
	// (every level needs both names; 1 to 6 levels; "levels" also when an
	// officer of the department holds a level the ladder would drop), or
	// key "masters.invalid" when the masters would not hold together.
	AdminSaveDepartment(ctx context.Context, actor Actor, d Department) error

	// AdminSaveArea creates the area with a.Code or updates it (kind,
	// parent, names); a new leaf can be chosen by citizens at once.
	// EInvalid with field "code", "kind", "name" or "parent" (unknown, or
	// making the parents a cycle).
	AdminSaveArea(ctx context.Context, actor Actor, a Area) error

	// AdminSaveRule adds a routing rule. EInvalid with field "area" when a
	// rule for the same category and area exists, or key
	// "masters.invalid" for an unknown category, area or department.
	AdminSaveRule(ctx context.Context, actor Actor, r RoutingRule) error

	// AdminDeleteRule removes the routing rule equal to r. ENotFound.
	AdminDeleteRule(ctx context.Context, actor Actor, r RoutingRule) error

	// AdminSetUserDisabled disables or enables an account; disabling ends
	// its sessions. ENotFound.
	AdminSetUserDisabled(ctx context.Context, actor Actor, userID int64, disabled bool) error

	// AdminResetPassword sets a new password hash that must be changed at
	// the next sign-in, clears lockout and ends the user's sessions.
	// ENotFound.
	AdminResetPassword(ctx context.Context, actor Actor, userID int64, hash string) error

	// AdminDisableOfficer ends an officer post: its open complaints are
	// reassigned (events by actor, who must also act for the control room)
	// to the officer with ID to, or to the control-room queue of their
	// department when to is 0; the post is made inactive and its accounts
	// disabled, all in one transaction. It returns how many complaints
	// moved. ENotFound for an unknown officer; EInvalid with field "to"
	// when the target is not an active officer of the same department
	// covering every complaint's area; EConflict when already inactive.
	AdminDisableOfficer(ctx context.Context, actor Actor, officerID, to int64) (int, error)

	// AdminEnableOfficer makes an inactive officer post active again and
	// enables its accounts, in one transaction; new complaints can be
	// routed to it at once. ENotFound for an unknown officer; EConflict
	// (key "admin.error.active") when it is already active.
	AdminEnableOfficer(ctx context.Context, actor Actor, officerID int64) error

	// AdminDeleteArea removes the area with code. It refuses, with EConflict
	// and a key saying why, an area that other areas lie in
	// ("admin.error.area_children"), that a complaint names
	// ("admin.error.area_complaints"), that an officer's jurisdiction names
	// ("admin.error.area_officers", active or not) or that a routing rule
	// names ("admin.error.area_rules"); the first argument of the error
	// counts them. ENotFound for an unknown area.
	AdminDeleteArea(ctx context.Context, actor Actor, code string) error

	// ReplaceMastersAs is ReplaceMasters by actor, recorded as an import of
	// entity (AuditHoliday: the holidays before and after; otherwise the
	// whole masters).
	ReplaceMastersAs(ctx context.Context, actor Actor, m *Masters, entity string) error

	// OpenByOfficer counts the open complaints (not resolved, closed or
	// rejected) assigned to each officer.
	OpenByOfficer(ctx context.Context) (map[int64]int, error)
}
