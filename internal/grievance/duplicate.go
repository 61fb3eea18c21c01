package grievance

import (
	"context"
	"time"
)

// Duplicates: several citizens often report the same problem (one
// overflowing drain, one dark street). The officer links each later report
// to one complaint, its parent; the parent's action-taken report then
// resolves every linked complaint, each complainant is told, and the number
// of links raises the parent in the inbox.
//
// Links form a star: a parent is never itself a duplicate, so the store
// links to the root when asked to link to a duplicate.

// DuplicateService finds probable duplicates; linking is an action (ActLink,
// ActUnlink) through ComplaintService.Act.
type DuplicateService interface {
	// Duplicates returns the probable duplicates of the complaint with
	// number (see DuplicateRule.Match) that actor may see, nearest first
	// (the same mobile number counts as nearest). Staff call it from the
	// complaint page. ENotFound when actor may not see the complaint.
	Duplicates(ctx context.Context, actor Actor, number string) ([]Match, error)
}

// DuplicateRule says when two complaints are probably the same problem.
type DuplicateRule struct {
	Window   time.Duration // filed at most this long apart
	Distance float64       // metres between their locations
}

// Match is a probable duplicate and why it matched.
type Match struct {
	*Complaint
	SameMobile bool    // filed from the same mobile number
	Metres     float64 // distance between the two locations; -1 when either has none
}

// Match reports whether d is a probable duplicate of c: another complaint,
// both open and neither linked as a duplicate, of the same category, filed
// within the window of each other, and either from the same mobile number
// or with both locations within the distance.
func (r DuplicateRule) Match(c, d *Complaint) (Match, bool) {
	m := Match{Complaint: d, Metres: -1}
	if d.ID == c.ID || d.Number == c.Number || c.Category == "" || d.Category != c.Category ||
		!c.Status.Open() || !d.Status.Open() || c.DuplicateOf != "" || d.DuplicateOf != "" {
		return m, false
	}
	gap := d.Created.Sub(c.Created)
	if gap < 0 {
		gap = -gap
	}
	if gap > r.Window {
		return m, false
	}
	if c.Location != nil && d.Location != nil {
		m.Metres = Distance(*c.Location, *d.Location)
	}
	m.SameMobile = c.Mobile != "" && c.Mobile == d.Mobile
	return m, m.SameMobile || m.Metres >= 0 && m.Metres <= r.Distance
}

// linkFrom are the statuses in which a complaint may be linked or
// unlinked: while someone still works on it (registered: in the control
// room's queue).
var linkFrom = []Status{StatusRegistered, StatusAssigned, StatusInProgress, StatusReopened}

// linker may link a complaint: its assignee or the control room.
func linker(a Actor, c *Complaint) bool { return isAssignee(a, c) || controlRoom(a, c) }

// link applies ActLink or ActUnlink to next. The store has already
// replaced act.Parent by its root and checked that the parent is visible,
// open and of the same category; here only what c alone decides.
func link(next *Complaint, act Action) error {
	if act.Kind == ActUnlink {
		if next.DuplicateOf == "" {
			return Errorf(EConflict, "error.not_linked")
		}
		next.DuplicateOf = ""
		return nil
	}
	switch {
	case !ValidNumber(act.Parent):
		return (FieldErrors{"parent": "error.link_parent"}).Err()
	case act.Parent == next.Number:
		return (FieldErrors{"parent": "error.link_self"}).Err()
	case next.DuplicateOf != "":
		return Errorf(EConflict, "error.link_linked")
	case next.Links > 0:
		// Its own duplicates would be left pointing at a duplicate: link
		// the other way round instead.
		return Errorf(EConflict, "error.link_has_links")
	}
	next.DuplicateOf = act.Parent
	return nil
}

// linkNote is the note of a link or unlink event: the other complaint's
// number, which pages show as "linked to complaint N".
func linkNote(before, after *Complaint) string {
	if after.DuplicateOf != "" {
		return after.DuplicateOf
	}
	return before.DuplicateOf
}

// ResolveWith resolves c, a duplicate of parent, with the action-taken
// report ev that resolved parent: the store calls it for each open
// duplicate in the report's transaction. The event is c's own report,
// public with its note (the parent's number and remarks), so the
// complainant is told as if their complaint had been resolved alone; the
// parent's photos stay with the parent. EConflict when c is not an open
// duplicate of parent.
func ResolveWith(c, parent *Complaint, ev Event, now time.Time) (Event, error) {
	if c.DuplicateOf == "" || c.DuplicateOf != parent.Number || !c.Status.Open() {
		return Event{}, Errorf(EConflict, "error.action_status")
	}
	next := *c
	next.Status, next.Updated = StatusResolved, now
	next.OnHold, next.HoldSince = false, time.Time{}
	out := Event{
		ComplaintID: c.ID, At: now, Kind: ActReport, ActorID: ev.ActorID, ActorName: ev.ActorName,
		From: c.Status, To: next.Status, Note: parent.Number + ": " + ev.Note, Public: true, NotePublic: true,
		AssigneeID: next.AssigneeID, Department: next.Department, Level: next.Level,
	}
	*c = next
	return out, nil
}
