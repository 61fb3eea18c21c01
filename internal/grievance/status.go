package grievance

import (
	"strings"
	"time"
)

// ActionKind names what an actor does to a complaint.
type ActionKind string

// The actions on a complaint.
const (
	ActAccept        ActionKind = "accept"         // officer: takes it up
	ActForward       ActionKind = "forward"        // officer: to a subordinate, with a note
	ActReturn        ActionKind = "return"         // officer: not my department, back to the control room
	ActNote          ActionKind = "note"           // anyone who can see it: an internal note
	ActReport        ActionKind = "report"         // officer: action-taken report, resolves it
	ActReassign      ActionKind = "reassign"       // control room: to a department and officer
	ActClose         ActionKind = "close"          // control room: closes a resolved complaint
	ActReopen        ActionKind = "reopen"         // control room: reopens a resolved, closed or rejected one
	ActReject        ActionKind = "reject"         // control room: out of scope, with a reason
	ActCitizenAccept ActionKind = "citizen_accept" // citizen: confirms the resolution
	ActCitizenReject ActionKind = "citizen_reject" // citizen: not solved, with a reason
	ActFile          ActionKind = "file"           // the first event, written by File
	ActEscalate      ActionKind = "escalate"       // system: the deadline passed, to the next level up
	ActHold          ActionKind = "hold"           // control room: waiting on the citizen or a court; the clock stops
	ActRelease       ActionKind = "release"        // control room: the hold ends; the deadline moves by the time held
	ActAutoClose     ActionKind = "auto_close"     // system: no answer from the citizen in time: resolved, unverified
	ActWarnDue       ActionKind = "warn_due"       // system: the deadline is near; the officer is told (an event, not an action)
	ActLink          ActionKind = "link"           // assignee or control room: a duplicate of Action.Parent, resolved with it
	ActUnlink        ActionKind = "unlink"         // assignee or control room: not a duplicate after all
	ActLinked        ActionKind = "linked"         // the store: a duplicate was linked to this one (an event, not an action)
)

// Action is a request to change a complaint. The service resolves Target
// (forward, reassign) from the masters before calling Apply.
type Action struct {
	Kind       ActionKind
	Note       string
	Target     *Officer // forward, reassign: the officer it goes to
	Department string   // reassign: the department (Target may be nil: the department's queue)
	Category   string   // reassign: a new category (required for a complaint still in triage)
	Area       string   // reassign: a new area (required for a complaint still in triage)
	Photos     []Upload // report
	Location   *Point   // report: where the photo was taken
	Parent     string   // link: the number of the complaint this one duplicates
	Due        time.Time
	// Proof a report must carry, set by the service from the category and
	// the configuration: a photo and a location, within MaxDistance metres
	// of the complaint's own location when it has one.
	RequireProof bool
	MaxDistance  float64
	Key          string // idempotency key: the same action repeated with the same key by the same actor is applied once
}

// Event is one entry of a complaint's append-only history.
type Event struct {
	ID           int64
	ComplaintID  int64
	At           time.Time
	Kind         ActionKind
	ActorID      int64  // user ID, 0 for citizen and system
	ActorName    string // "officer:<post code>" (shown as the post's designation), "citizen", "system", "control_room" or the user's login
	From, To     Status
	Note         string
	Public       bool // the citizen sees this event
	NotePublic   bool // the citizen sees the note too
	AssigneeID   int64
	FromAssignee int64 // the assignee before the change (not stored: for the messages of this change)
	Department   string
	Level        int
	Attachments  []Attachment
}

// rule says who may take an action and from which statuses.
type rule struct {
	from     []Status
	to       Status // "" keeps the status
	who      func(a Actor, c *Complaint) bool
	needNote bool
	public   bool
	notePub  bool
}

func isAssignee(a Actor, c *Complaint) bool {
	return a.Officer != nil && c.AssigneeID != 0 && a.Officer.ID == c.AssigneeID
}

func controlRoom(a Actor, _ *Complaint) bool { return a.System || a.ControlRoom() }

func system(a Actor, _ *Complaint) bool { return a.System }

func canSee(a Actor, c *Complaint) bool { return !a.IsCitizen() && a.CanSee(c) }

func owner(a Actor, c *Complaint) bool { return a.IsCitizen() && a.Mobile == c.Mobile }

var working = []Status{StatusAssigned, StatusInProgress, StatusReopened}

// rules is the status machine. Field officers resolve on the spot, so an
// action-taken report may be submitted without accepting first.
var rules = map[ActionKind]rule{
	ActAccept:        {from: []Status{StatusAssigned, StatusReopened}, to: StatusInProgress, who: isAssignee, public: true},
	ActForward:       {from: working, to: StatusAssigned, who: isAssignee, needNote: true, public: true},
	ActReturn:        {from: working, to: StatusReturned, who: isAssignee, needNote: true, public: true},
	ActNote:          {from: Statuses, who: canSee, needNote: true},
	ActReport:        {from: working, to: StatusResolved, who: isAssignee, needNote: true, public: true, notePub: true},
	ActReassign:      {from: []Status{StatusRegistered, StatusReturned, StatusAssigned, StatusInProgress, StatusReopened}, to: StatusAssigned, who: controlRoom, public: true},
	ActClose:         {from: []Status{StatusResolved}, to: StatusClosed, who: controlRoom, public: true, notePub: true},
	ActReopen:        {from: []Status{StatusResolved, StatusClosed, StatusRejected}, to: StatusReopened, who: controlRoom, needNote: true, public: true, notePub: true},
	ActReject:        {from: []Status{StatusRegistered, StatusAssigned, StatusInProgress, StatusReturned, StatusReopened}, to: StatusRejected, who: controlRoom, needNote: true, public: true, notePub: true},
	ActCitizenAccept: {from: []Status{StatusResolved}, to: StatusClosed, who: owner, public: true, notePub: true},
	ActCitizenReject: {from: []Status{StatusResolved}, to: StatusReopened, who: owner, needNote: true, public: true, notePub: true},
	ActEscalate:      {from: working, to: StatusAssigned, who: system, public: true},
	ActHold:          {from: working, who: controlRoom, needNote: true, public: true, notePub: true},
	ActRelease:       {from: working, who: controlRoom, public: true},
	ActAutoClose:     {from: []Status{StatusResolved}, to: StatusClosed, who: system, public: true},
	ActLink:          {from: linkFrom, who: linker, public: true, notePub: true},
	ActUnlink:        {from: linkFrom, who: linker, public: true, notePub: true},
}

// Allowed reports whether actor may take action kind on c now, without
// checking the action's note or target. Pages use it to offer only what works.
func Allowed(kind ActionKind, a Actor, c *Complaint) bool {
	r, ok := rules[kind]
	if !ok || !a.CanSee(c) && !a.IsCitizen() {
		return false
	}
	if !contains(r.from, c.Status) {
		return false
	}
	return r.who(a, c)
}

func contains(list []Status, s Status) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Apply checks that actor may take action on c and, if so, changes c and
// returns the history event to append. It returns EForbidden when the actor
// may not see or act on c, EConflict when the status does not allow the
// action, and EInvalid for a missing note or a wrong target. c is unchanged
// on error.
func Apply(c *Complaint, act Action, a Actor, now time.Time) (Event, error) {
	r, ok := rules[act.Kind]
	if !ok {
		return Event{}, Errorf(EInvalid, "error.action")
	}
	if !a.CanSee(c) {
		return Event{}, Errorf(EForbidden, "error.forbidden")
	}
	if !r.who(a, c) {
		return Event{}, Errorf(EForbidden, "error.action_forbidden")
	}
	if !contains(r.from, c.Status) {
		return Event{}, Errorf(EConflict, "error.action_status")
	}
	note := strings.TrimSpace(act.Note)
	f := FieldErrors{}
	checkText(f, "note", note, MaxNote, r.needNote)
	if err := f.Err(); err != nil {
		return Event{}, err
	}
	if act.Location != nil && !act.Location.InIndia() {
		return Event{}, (FieldErrors{"location": "error.location"}).Err()
	}
	if len(act.Photos) > MaxPhotos {
		return Event{}, (FieldErrors{"photo": "error.photo_count"}).Err()
	}
	if act.Kind == ActReport && act.RequireProof {
		if err := checkProof(c, act); err != nil {
			return Event{}, err
		}
	}
	next := *c
	switch act.Kind {
	case ActForward:
		t := act.Target
		if t == nil || a.Officer == nil || !a.Officer.CanForwardTo(t, c) {
			return Event{}, (FieldErrors{"officer": "error.forward_target"}).Err()
		}
		next.AssigneeID, next.Level = t.ID, t.Level
	case ActReassign:
		t := act.Target
		if act.Department == "" {
			return Event{}, (FieldErrors{"department": "error.department"}).Err()
		}
		if t != nil && (!t.Active || t.Department != act.Department) {
			return Event{}, (FieldErrors{"officer": "error.reassign_target"}).Err()
		}
		if act.Category != "" {
			next.Category = act.Category
		}
		if act.Area != "" {
			next.Area = act.Area
		}
		if next.Category == "" || next.Area == "" {
			return Event{}, (FieldErrors{"category": "error.triage"}).Err()
		}
		if t != nil && !t.Covers(next.Area) {
			return Event{}, (FieldErrors{"officer": "error.reassign_target"}).Err()
		}
		next.Department = act.Department
		next.AssigneeID, next.Level = 0, 0
		if t != nil {
			next.AssigneeID, next.Level = t.ID, t.Level
		}
		if !act.Due.IsZero() {
			next.Due = act.Due
		}
		if t == nil {
			// A department without an officer for the area is still the
			// control room's to place: it stays registered in the queue.
			r.to = StatusRegistered
		}
	case ActReturn:
		next.AssigneeID, next.Level = 0, 0
	case ActEscalate:
		t := act.Target
		if t == nil || !t.Active || t.Department != c.Department || t.Level <= c.Level || !t.Covers(c.Area) {
			return Event{}, (FieldErrors{"officer": "error.escalate_target"}).Err()
		}
		if c.OnHold {
			return Event{}, Errorf(EConflict, "error.on_hold")
		}
		next.AssigneeID, next.Level, next.Escalations = t.ID, t.Level, c.Escalations+1
		if !act.Due.IsZero() {
			next.Due = act.Due
		}
	case ActCitizenReject:
		// Not solved: it goes back to work at the next level up, when
		// there is one, with a fresh deadline.
		if t := act.Target; t != nil {
			next.AssigneeID, next.Level, next.Escalations = t.ID, t.Level, c.Escalations+1
		}
		if !act.Due.IsZero() {
			next.Due = act.Due
		}
	case ActHold:
		if c.OnHold {
			return Event{}, Errorf(EConflict, "error.on_hold")
		}
		next.OnHold, next.HoldSince = true, now
	case ActLink, ActUnlink:
		if err := link(&next, act); err != nil {
			return Event{}, err
		}
		note = linkNote(c, &next)
	case ActRelease:
		if !c.OnHold {
			return Event{}, Errorf(EConflict, "error.not_on_hold")
		}
		next.OnHold, next.HoldSince = false, time.Time{}
		if !act.Due.IsZero() {
			next.Due = act.Due
		}
	}
	if r.to != "" {
		next.Status = r.to
	}
	if !next.Status.Open() {
		// Resolved, closed or rejected: no clock runs, so no hold either;
		// a reopening starts a fresh deadline.
		next.OnHold, next.HoldSince = false, time.Time{}
	}
	next.Updated = now
	ev := Event{
		ComplaintID: c.ID, At: now, Kind: act.Kind, ActorID: a.UserID, ActorName: actorName(a),
		From: c.Status, To: next.Status, Note: note, Public: r.public, NotePublic: r.notePub,
		AssigneeID: next.AssigneeID, Department: next.Department, Level: next.Level, FromAssignee: c.AssigneeID,
	}
	*c = next
	return ev, nil
}

// actorName is what the history shows as the actor: an officer's
// designation, never a personal name, so the public history stays neutral.
func actorName(a Actor) string {
	switch {
	case a.System:
		return "system"
	case a.IsCitizen():
		return "citizen"
	case a.Officer != nil:
		return "officer:" + a.Officer.Code
	case a.ControlRoom():
		return "control_room"
	}
	return a.Login
}

// checkProof refuses an action-taken report without the proof its category
// needs: a photo, and where it was taken, near the complaint's place.
func checkProof(c *Complaint, act Action) error {
	f := FieldErrors{}
	if len(act.Photos) == 0 {
		f.Add("photo", "error.photo_required")
	}
	switch {
	case act.Location == nil:
		f.Add("location", "error.location_required")
	case c.Location != nil && act.MaxDistance > 0 && Distance(*c.Location, *act.Location) > act.MaxDistance:
		f.Add("location", "error.location_far")
	}
	return f.Err()
}
