package grievance

import (
	"context"
	"io"
	"time"
)

// ComplaintService files complaints and changes them. Every method that
// writes is one durable transaction: when it returns without error, the
// change, its history event and its outbox messages have been committed.
type ComplaintService interface {
	// File registers a complaint from any channel: it validates in against
	// the masters (EInvalid with per-field keys), numbers it, routes it,
	// computes its deadline, and writes the complaint, its photos, its first
	// history event and its outbox messages. Anyone may call it; the edge
	// rate-limits.
	File(ctx context.Context, in NewComplaint) (*Complaint, error)

	// Complaint returns the complaint with number if actor may see it, with
	// its attachments. ENotFound when it does not exist or actor may not see
	// it (its existence is not revealed).
	Complaint(ctx context.Context, actor Actor, number string) (*Complaint, error)

	// Track returns the complaint and its public history when number and
	// mobile match; ENotFound otherwise, the same for a wrong number and a
	// wrong mobile.
	Track(ctx context.Context, number, mobile string) (*Complaint, []Event, error)

	// History returns the events of a complaint actor may see, oldest first:
	// public events only for a citizen, every event for staff.
	History(ctx context.Context, actor Actor, number string) ([]Event, error)

	// Search lists the complaints actor may see that match f.
	Search(ctx context.Context, actor Actor, f ComplaintFilter) (ComplaintPage, error)

	// Act applies action to the complaint (see Apply for the checks and
	// codes) and writes the event, attachments and outbox messages.
	// ENotFound when actor may not see the complaint.
	Act(ctx context.Context, actor Actor, number string, act Action) (*Complaint, error)
}

// Order of a complaint list.
const (
	OrderDue    = "due"    // earliest deadline first: overdue first
	OrderRecent = "recent" // newest first
)

// ComplaintFilter narrows a complaint list. Zero fields do not filter.
type ComplaintFilter struct {
	Statuses   []Status
	OpenOnly   bool
	Department string
	Area       string
	Category   string
	AssigneeID int64
	Mobile     string
	Channel    Channel
	// CreatedFrom and CreatedTo bound the filing time: From inclusive,
	// To exclusive.
	CreatedFrom time.Time
	CreatedTo   time.Time
	// Text finds complaints by number, mobile, name and description: each
	// of its words must begin a word of the complaint (Hindi or English).
	// A text search lists the newest filed first, whatever Order says.
	Text   string
	Order  string
	Limit  int    // default 50, at most 500
	Cursor string // from ComplaintPage.Next
}

// ComplaintPage is one page of a list.
type ComplaintPage struct {
	Complaints []*Complaint
	Next       string // cursor of the next page; "" at the end
}

// MastersService keeps the district's masters.
type MastersService interface {
	// Masters returns the current masters, indexed. The value is shared and
	// must not be changed; it is replaced, not mutated, on change.
	Masters(ctx context.Context) (*Masters, error)

	// ReplaceMasters checks m as a whole and replaces the masters with it in
	// one transaction: officers are matched by code and keep their IDs and
	// accounts. EInvalid naming the first wrong row; nothing changes then.
	ReplaceMasters(ctx context.Context, m *Masters) error
}

// User is an account that signs in with a user ID and password.
type User struct {
	ID           int64
	Login        string
	Name         string
	PasswordHash string // argon2id, PHC string format; "" cannot sign in
	Roles        []Role
	OfficerID    int64 // the officer profile this user holds, 0 if none
	Language     Lang
	Disabled     bool
	MustChange   bool // must set a new password at next sign-in
	FailedLogins int
	LockedUntil  time.Time
	Created      time.Time
}

// UserService keeps accounts.
type UserService interface {
	// UserByLogin returns the user with login (case-insensitive); ENotFound.
	UserByLogin(ctx context.Context, login string) (*User, error)
	// User returns the user with id; ENotFound.
	User(ctx context.Context, id int64) (*User, error)
	// CreateUser stores u and sets u.ID; EConflict when the login is taken.
	CreateUser(ctx context.Context, u *User) error
	// SetPassword replaces the password hash, clears lockout and failures.
	SetPassword(ctx context.Context, id int64, hash string, mustChange bool) error
	// LoginFailed counts a failed sign-in and locks the account until
	// lockUntil when the count reaches limit. It returns the new count.
	LoginFailed(ctx context.Context, id int64, limit int, lockUntil time.Time) (int, error)
	// LoginSucceeded clears the failure count.
	LoginSucceeded(ctx context.Context, id int64) error
}

// Session is a signed-in browser. The cookie holds a random token; the
// store keeps only its SHA-256 (ID), so a leaked database opens no session.
type Session struct {
	ID       string // hex SHA-256 of the cookie token
	UserID   int64
	CSRF     string
	Created  time.Time
	Expires  time.Time
	LastSeen time.Time
}

// SessionService keeps sessions in the database so that every server
// accepts them.
type SessionService interface {
	CreateSession(ctx context.Context, s *Session) error
	// Session returns an unexpired session; ENotFound otherwise.
	Session(ctx context.Context, id string) (*Session, error)
	DeleteSession(ctx context.Context, id string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
}

// BlobStore keeps files (photos, recordings) by a key it chooses.
type BlobStore interface {
	// Put stores data durably and returns its key (content-addressed, so
	// storing the same bytes twice is harmless).
	Put(ctx context.Context, data []byte) (string, error)
	// Open returns the blob with key; ENotFound.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
}

// SweepOptions tune the scheduler's sweep.
type SweepOptions struct {
	WarnBefore   time.Duration // warn the officer this long before the deadline; 0: no warnings
	VerifyWithin time.Duration // close a resolution the citizen did not answer after this long; 0: never
	Batch        int           // complaints per transaction; default 500
}

// SweepResult counts what a sweep did.
type SweepResult struct {
	Warned, Escalated, TopOfLadder, Closed int
}

// Scheduler does the work that deadlines make due.
type Scheduler interface {
	// Sweep, at now, warns officers of near deadlines once, moves overdue
	// complaints one level up their department's ladder (marking those at
	// the top), and closes resolutions the citizen left unanswered as
	// resolved-unverified. Safe to call from several servers at once.
	Sweep(ctx context.Context, now time.Time, o SweepOptions) (SweepResult, error)
}

// Change is what a committed change looks like to live screens: enough to
// count and to show a line in a feed, without personal data.
type Change struct {
	Kind       ActionKind
	Number     string
	Status     Status
	From       Status
	Channel    Channel
	Category   string
	Area       string
	Department string
	Level      int
	Location   *Point
	At         time.Time
	// Seq is the ID of the complaint history's event (the same on every
	// server of a database); 0 when there is none.
	Seq int64
}

// ChangeOf describes event ev on complaint c as a Change.
func ChangeOf(c *Complaint, ev Event) Change {
	return Change{Kind: ev.Kind, Number: c.Number, Status: c.Status, From: ev.From, Channel: c.Channel, Category: c.Category,
		Area: c.Area, Department: c.Department, Level: c.Level, Location: c.Location, At: ev.At, Seq: ev.ID}
}
