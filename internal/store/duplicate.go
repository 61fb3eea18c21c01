package store

import (
	"context"
	"math"
	"slices"
	"time"

	"nivaran/internal/grievance"
)

var _ grievance.DuplicateService = (*Store)(nil)

// Defaults of the duplicate rule (Options.DuplicateWindow, DuplicateDistance).
const (
	defaultDuplicateWindow   = 7 * 24 * time.Hour
	defaultDuplicateDistance = 200.0 // metres
	maxDuplicates            = 20    // offered on a complaint's page
	duplicateScan            = 500   // candidates read by the bounding box, at most
)

// dueAfter is the keyset condition of deadline order (links DESC, due,
// id): the rows after a cursor's links, due and id.
const dueAfter = "(links < ? OR (links = ? AND (due > ? OR (due = ? AND id > ?))))"

// duplicateRule is the store's rule with its defaults.
func (s *Store) duplicateRule() grievance.DuplicateRule {
	r := grievance.DuplicateRule{Window: s.dupWindow, Distance: s.dupDistance}
	if r.Window <= 0 {
		r.Window = defaultDuplicateWindow
	}
	if r.Distance <= 0 {
		r.Distance = defaultDuplicateDistance
	}
	return r
}

// Duplicates returns the probable duplicates of the complaint with number
// that actor may see: see grievance.DuplicateService. The query reads the
// open complaints of the category filed within the window, from the same
// mobile or inside a latitude/longitude box around the complaint; the
// rule then measures the true distance.
func (s *Store) Duplicates(ctx context.Context, actor grievance.Actor, number string) ([]grievance.Match, error) {
	rule := s.duplicateRule()
	var out []grievance.Match
	err := s.readTx(ctx, func(tx *rtx) error {
		c, err := complaintByNumber(ctx, tx, number)
		if err != nil {
			return err
		}
		if !actor.CanSee(c) {
			return notFound()
		}
		if c.Category == "" || c.DuplicateOf != "" || !c.Status.Open() {
			return nil
		}
		q := "SELECT " + complaintCols + ` FROM complaints
WHERE category = ? AND created >= ? AND created <= ? AND id <> ? AND duplicate_of = ''
AND status NOT IN (?, ?, ?) AND (mobile = ?`
		args := []any{c.Category, ms(c.Created.Add(-rule.Window)), ms(c.Created.Add(rule.Window)), c.ID,
			string(closedStatuses[0]), string(closedStatuses[1]), string(closedStatuses[2]), c.Mobile}
		if p := c.Location; p != nil {
			// A box a little larger than the distance; the rule measures.
			dLat := rule.Distance * 1.01 / 111_195
			dLng := dLat / math.Max(math.Cos(p.Lat*math.Pi/180), 0.01)
			q += " OR (lat BETWEEN ? AND ? AND lng BETWEEN ? AND ?)"
			args = append(args, p.Lat-dLat, p.Lat+dLat, p.Long-dLng, p.Long+dLng)
		}
		q += ") ORDER BY created LIMIT ?"
		args = append(args, duplicateScan)
		return each(ctx, tx, q, func(r scanner) error {
			d, err := scanComplaint(r)
			if err != nil {
				return err
			}
			if !actor.CanSee(d) {
				return nil
			}
			if m, ok := rule.Match(c, d); ok {
				out = append(out, m)
			}
			return nil
		}, args...)
	})
	if err != nil {
		return nil, wrap("duplicates", err)
	}
	// Nearest first; the same mobile is as near as it gets.
	rank := func(m grievance.Match) float64 {
		if m.SameMobile || m.Metres < 0 {
			return -1
		}
		return m.Metres
	}
	slices.SortStableFunc(out, func(a, b grievance.Match) int {
		ra, rb := rank(a), rank(b)
		switch {
		case ra < rb:
			return -1
		case ra > rb:
			return 1
		}
		return 0
	})
	if len(out) > maxDuplicates {
		out = out[:maxDuplicates]
	}
	return out, nil
}

// link links (ActLink) or unlinks (ActUnlink) the complaint with number as
// a duplicate, in one write: the complaint's event (public: the citizen
// sees which complaint theirs is resolved with), the parent's count of
// links and an internal event on the parent. A link to a duplicate goes to
// its root. Besides grievance.Apply's codes: EInvalid (field parent) when
// the parent does not exist or actor may not see it; EConflict when it is
// closed or of another category.
func (s *Store) link(ctx context.Context, actor grievance.Actor, number string, act grievance.Action) (*grievance.Complaint, error) {
	m := s.state().m
	now := s.clock()
	act = grievance.Action{Kind: act.Kind, Parent: act.Parent}
	var out *grievance.Complaint
	err := s.write(ctx, func(w *wtx) error {
		c, err := complaintByNumber(w.ctx, w, number)
		if err != nil {
			return err
		}
		if !actor.CanSee(c) {
			return notFound()
		}
		var parent *grievance.Complaint
		// Look at the parent only for an actor who may link c, so that
		// nobody else learns anything about other complaints' numbers;
		// Apply gives the others its own refusal.
		switch {
		case !grievance.Allowed(act.Kind, actor, c):
		case act.Kind == grievance.ActUnlink && c.DuplicateOf != "":
			// The parent as it is, visible to actor or not: a wrong
			// link must be undone by whoever may act on the duplicate.
			parent, err = complaintByNumber(w.ctx, w, c.DuplicateOf)
			if err != nil && grievance.ErrorCode(err) != grievance.ENotFound {
				return err
			}
		case act.Kind == grievance.ActLink && act.Parent != "":
			if parent, err = s.linkParent(w, actor, act.Parent); err != nil {
				return err
			}
			switch {
			case parent.ID == c.ID:
				return (grievance.FieldErrors{"parent": "error.link_self"}).Err()
			case parent.Category != c.Category:
				return grievance.Errorf(grievance.EConflict, "error.link_category")
			case !parent.Status.Open():
				return grievance.Errorf(grievance.EConflict, "error.link_closed")
			}
			act.Parent = parent.Number
		}
		ev, err := grievance.Apply(c, act, actor, now)
		if err != nil {
			return err
		}
		if _, err := w.exec("UPDATE complaints SET duplicate_of = ?, updated = ? WHERE id = ?", c.DuplicateOf, ms(c.Updated), c.ID); err != nil {
			return err
		}
		if err := insertEvent(w, &ev); err != nil {
			return err
		}
		if err := s.queueMessages(w, c, ev, m, now); err != nil {
			return err
		}
		if err := s.published(w, c, ev); err != nil {
			return err
		}
		if parent != nil {
			delta, kind := 1, grievance.ActLinked
			if act.Kind == grievance.ActUnlink {
				delta, kind = -1, grievance.ActUnlink
			}
			if _, err := w.exec("UPDATE complaints SET links = CASE WHEN links + ? < 0 THEN 0 ELSE links + ? END WHERE id = ?", delta, delta, parent.ID); err != nil {
				return err
			}
			pe := grievance.Event{ComplaintID: parent.ID, At: now, Kind: kind, ActorID: ev.ActorID, ActorName: ev.ActorName,
				From: parent.Status, To: parent.Status, Note: c.Number,
				AssigneeID: parent.AssigneeID, Department: parent.Department, Level: parent.Level}
			if err := insertEvent(w, &pe); err != nil {
				return err
			}
			parent.Links = max(parent.Links+delta, 0)
			if err := s.published(w, parent, pe); err != nil {
				return err
			}
		}
		if c.Attachments, err = attachments(w.ctx, w, c.ID); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, wrap(string(act.Kind)+" complaint", err)
	}
	return out, nil
}

// linkParent reads the complaint with number as a parent for actor: its
// root when it is itself a duplicate. EInvalid (field parent) when it does
// not exist or actor may not see it.
func (s *Store) linkParent(w *wtx, actor grievance.Actor, number string) (*grievance.Complaint, error) {
	bad := (grievance.FieldErrors{"parent": "error.link_parent"}).Err()
	p, err := complaintByNumber(w.ctx, w, number)
	if grievance.ErrorCode(err) == grievance.ENotFound {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	if p.DuplicateOf != "" {
		// Links form a star (see grievance.ActLink), so one step is the root.
		root, err := complaintByNumber(w.ctx, w, p.DuplicateOf)
		if err != nil && grievance.ErrorCode(err) != grievance.ENotFound {
			return nil, err
		}
		if err == nil {
			p = root
		}
	}
	if !actor.CanSee(p) {
		return nil, bad
	}
	return p, nil
}

// resolveLinked resolves every open duplicate of parent with its
// action-taken report ev, each with its own event and messages, in the
// report's transaction.
func (s *Store) resolveLinked(w *wtx, parent *grievance.Complaint, ev grievance.Event, m *grievance.Masters, now time.Time) error {
	dups, err := w.complaints(`SELECT `+complaintCols+` FROM complaints
WHERE duplicate_of = ? AND duplicate_of <> '' AND status NOT IN (?, ?, ?) ORDER BY id`, parent.Number,
		string(closedStatuses[0]), string(closedStatuses[1]), string(closedStatuses[2]))
	if err != nil {
		return err
	}
	for _, d := range dups {
		prev := d.Due
		dev, err := grievance.ResolveWith(d, parent, ev, now)
		if err != nil {
			return err
		}
		if err := s.record(w, d, prev, dev, m, now); err != nil {
			return err
		}
	}
	return nil
}
