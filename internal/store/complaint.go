package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

// complaintCols is the column list of scanComplaint.
const complaintCols = `id, number, name, mobile, language, channel, category, area, address, description,
lat, lng, status, department, assignee_id, level, due, duplicate_of, created, updated, escalations, on_hold, hold_since, links`

func scanComplaint(r scanner) (*grievance.Complaint, error) {
	var c grievance.Complaint
	var lat, lng sql.NullFloat64
	var assignee sql.NullInt64
	var due, created, updated int64
	var holdSince sql.NullInt64
	err := r.Scan(&c.ID, &c.Number, &c.Name, &c.Mobile, &c.Language, &c.Channel, &c.Category, &c.Area,
		&c.Address, &c.Description, &lat, &lng, &c.Status, &c.Department, &assignee, &c.Level, &due,
		&c.DuplicateOf, &created, &updated, &c.Escalations, &c.OnHold, &holdSince, &c.Links)
	if err != nil {
		return nil, err
	}
	c.Location = point(lat, lng)
	c.AssigneeID = assignee.Int64
	c.HoldSince = fromMsNull(holdSince)
	c.Due, c.Created, c.Updated = fromMs(due), fromMs(created), fromMs(updated)
	return &c, nil
}

// complaintByNumber reads a complaint without attachments; ENotFound.
func complaintByNumber(ctx context.Context, q querier, number string) (*grievance.Complaint, error) {
	if !grievance.ValidNumber(number) {
		return nil, notFound()
	}
	c, err := scanComplaint(q.QueryRowContext(ctx, "SELECT "+complaintCols+" FROM complaints WHERE number = ?", number))
	return c, noRows(err)
}

const attachmentCols = "id, event_id, blob_key, content_type, size, lat, lng, created"

func attachments(ctx context.Context, q querier, complaintID int64) ([]grievance.Attachment, error) {
	var out []grievance.Attachment
	err := each(ctx, q, "SELECT "+attachmentCols+" FROM attachments WHERE complaint_id = ? ORDER BY id", func(r scanner) error {
		var a grievance.Attachment
		var lat, lng sql.NullFloat64
		var created int64
		if err := r.Scan(&a.ID, &a.EventID, &a.Key, &a.ContentType, &a.Size, &lat, &lng, &created); err != nil {
			return err
		}
		a.Location, a.Created = point(lat, lng), fromMs(created)
		out = append(out, a)
		return nil
	}, complaintID)
	return out, err
}

const eventCols = `id, complaint_id, at, kind, actor_id, actor_name, from_status, to_status, note, is_public,
note_public, assignee_id, department, level`

// events reads the history of a complaint, oldest first, with each event's
// attachments taken from atts.
func events(ctx context.Context, q querier, complaintID int64, publicOnly bool, atts []grievance.Attachment) ([]grievance.Event, error) {
	query := "SELECT " + eventCols + " FROM events WHERE complaint_id = ? ORDER BY id"
	if publicOnly {
		query = "SELECT " + eventCols + " FROM events WHERE complaint_id = ? AND is_public = 1 ORDER BY id"
	}
	var out []grievance.Event
	err := each(ctx, q, query, func(r scanner) error {
		var e grievance.Event
		var at int64
		var assignee sql.NullInt64
		if err := r.Scan(&e.ID, &e.ComplaintID, &at, &e.Kind, &e.ActorID, &e.ActorName, &e.From, &e.To, &e.Note,
			&e.Public, &e.NotePublic, &assignee, &e.Department, &e.Level); err != nil {
			return err
		}
		e.At, e.AssigneeID = fromMs(at), assignee.Int64
		for _, a := range atts {
			if a.EventID == e.ID {
				e.Attachments = append(e.Attachments, a)
			}
		}
		out = append(out, e)
		return nil
	}, complaintID)
	return out, err
}

// readTx runs fn in a read transaction on the reader pool: one consistent
// snapshot for a method that reads more than one table.
func (s *Store) readTx(ctx context.Context, fn func(*rtx) error) error {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// putPhotos stores photos in the blob store before the write that refers
// to them, so that a committed attachment always has its blob. A blob
// whose write then fails is an orphan, which is harmless.
func (s *Store) putPhotos(ctx context.Context, photos []grievance.Upload, loc *grievance.Point, now time.Time) ([]grievance.Attachment, error) {
	if len(photos) == 0 {
		return nil, nil
	}
	if s.blob == nil {
		return nil, errors.New("no blob store configured")
	}
	out := make([]grievance.Attachment, 0, len(photos))
	for _, p := range photos {
		key, err := s.blob.Put(ctx, p.Data)
		if err != nil {
			return nil, unavailable(fmt.Errorf("put photo: %w", err))
		}
		out = append(out, grievance.Attachment{Key: key, ContentType: p.ContentType, Size: int64(len(p.Data)),
			Location: loc, Created: now})
	}
	return out, nil
}

// insertAttachments links atts to event ev of complaint c and sets their IDs.
func insertAttachments(w *wtx, c *grievance.Complaint, eventID int64, atts []grievance.Attachment) error {
	for i := range atts {
		a := &atts[i]
		a.EventID = eventID
		lat, lng := pointArgs(a.Location)
		if err := w.QueryRowContext(w.ctx, `INSERT INTO attachments (complaint_id, event_id, blob_key, content_type, size, lat, lng, created)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.ID, eventID, a.Key, a.ContentType, a.Size, lat, lng, ms(a.Created)).Scan(&a.ID); err != nil {
			return err
		}
	}
	return nil
}

const insertEventQ = `INSERT INTO events (complaint_id, at, kind, actor_id, actor_name, from_status, to_status, note,
is_public, note_public, assignee_id, department, level, due, area)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT due FROM complaints WHERE id = ?), (SELECT area FROM complaints WHERE id = ?))`

// insertEvent appends e to its complaint's history and sets e.ID. It runs
// after the complaint row is written: the event records the complaint's
// deadline as it stands after the change (the scorecard's "in time").
func insertEvent(w *wtx, e *grievance.Event) error {
	// The deadline and area in force after the event are the complaint's,
	// written before the event.
	q := insertEventQ
	args := []any{e.ComplaintID, ms(e.At), string(e.Kind), e.ActorID, e.ActorName, string(e.From), string(e.To), e.Note,
		b2i(e.Public), b2i(e.NotePublic), idNull(e.AssigneeID), e.Department, e.Level, e.ComplaintID, e.ComplaintID}
	if w.s.d.pg {
		if err := w.QueryRowContext(w.ctx, q+" RETURNING id", args...).Scan(&e.ID); err != nil {
			return err
		}
	} else {
		// SQLite: an exec, not a query with RETURNING (see insertComplaint).
		res, err := w.exec(q, args...)
		if err != nil {
			return err
		}
		if e.ID, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	var err error
	if e.Kind == grievance.ActReport {
		// The first report starts no clock but ends one: resolution times
		// are measured to it.
		_, err = w.exec("UPDATE complaints SET first_report_at = COALESCE(first_report_at, ?) WHERE id = ?", ms(e.At), e.ComplaintID)
	}
	return err
}

// queueMessages asks the messenger what the change sends and queues it.
// A message whose key is already queued is not queued again. An error from
// the messenger fails the write, so a change and its messages commit together.
func (s *Store) queueMessages(w *wtx, c *grievance.Complaint, ev grievance.Event, m *grievance.Masters, now time.Time) error {
	msgs, err := s.plan(c, ev, m)
	if err != nil {
		return err
	}
	return insertMessages(w, c.ID, msgs, now)
}

// plan asks the messenger which messages ev on c sends.
func (s *Store) plan(c *grievance.Complaint, ev grievance.Event, m *grievance.Masters) ([]grievance.Message, error) {
	if s.msgr == nil {
		return nil, nil
	}
	var officer *grievance.Officer
	if c.AssigneeID != 0 {
		officer = m.Officer(c.AssigneeID)
	}
	msgs, err := s.msgr.Plan(c, ev, officer, m)
	if err != nil {
		return nil, fmt.Errorf("plan messages: %w", err)
	}
	return msgs, nil
}

// updateComplaint writes the changeable fields of c. A new deadline may be
// warned about again and may escalate again; a resolution starts the
// citizen's verification window.
func updateComplaint(w *wtx, c *grievance.Complaint, prevDue time.Time) error {
	resolved := any(nil)
	if c.Status == grievance.StatusResolved {
		resolved = ms(c.Updated)
	}
	q := `UPDATE complaints SET status = ?, category = ?, area = ?, department = ?, assignee_id = ?, level = ?, due = ?,
updated = ?, escalations = ?, on_hold = ?, hold_since = ?, resolved_at = COALESCE(?, resolved_at)`
	if !c.Due.Equal(prevDue) {
		q += ", due_warned = 0, ladder_end = 0"
	}
	_, err := w.exec(q+" WHERE id = ?", string(c.Status), c.Category, c.Area, c.Department, idNull(c.AssigneeID), c.Level,
		ms(c.Due), ms(c.Updated), c.Escalations, b2i(c.OnHold), msNull(c.HoldSince), resolved, c.ID)
	return err
}

// triageDays is the deadline of a complaint in triage (an SMS without a
// category): the control room should place it within a working day; the
// department gets its own deadline when the complaint is reassigned.
const triageDays = 1

// File registers a complaint: see grievance.ComplaintService. Validation
// errors (EInvalid with per-field keys) are returned as they are.
func (s *Store) File(ctx context.Context, in grievance.NewComplaint) (*grievance.Complaint, error) {
	in.Normalize()
	st := s.state()
	m := st.m
	if err := m.CheckNew(&in); err != nil {
		return nil, err
	}
	now := s.clock()
	days := triageDays
	if cat := m.Category(in.Category); cat != nil {
		days = cat.ResolutionDays
	}
	dept, officer := m.Route(in.Category, in.Area)
	c := &grievance.Complaint{
		Name: in.Name, Mobile: in.Mobile, Language: in.Language, Channel: in.Channel,
		Category: in.Category, Area: in.Area, Address: in.Address, Description: in.Description,
		Location: in.Location, Status: grievance.StatusRegistered, Department: dept,
		Due: same(st.cal.DueAfter(now, days)), Created: now, Updated: now,
	}
	if officer != nil {
		c.Status, c.AssigneeID, c.Level = grievance.StatusAssigned, officer.ID, officer.Level
	}
	atts, err := s.putPhotos(ctx, in.Photos, in.Location, now)
	if err != nil {
		return nil, wrap("file complaint", err)
	}
	ev := grievance.Event{
		At: now, Kind: grievance.ActFile, ActorName: "citizen",
		To: c.Status, Public: true, AssigneeID: c.AssigneeID, Department: c.Department, Level: c.Level,
	}
	// The number is drawn and the messages are planned here, in the
	// caller's goroutine, so that rendering and checking SMS text runs on
	// every core instead of in the single writer; a clash of random numbers
	// (rare) draws again.
	for try := 0; try < 8; try++ {
		c.Number = grievance.NewNumber(now.In(s.loc))
		msgs, err := s.plan(c, ev, m)
		if err != nil {
			return nil, wrap("file complaint", err)
		}
		var doc string // PostgreSQL indexes for search in the filing's statement; SQLite later (indexBacklog)
		if s.d.pg {
			doc = searchDocument(c.Number, c.Mobile, c.Name, c.Description)
		}
		err = s.write(ctx, func(w *wtx) error {
			if err := insertComplaint(w, c, doc); err != nil {
				return err
			}
			e := ev
			e.ComplaintID = c.ID
			if err := insertEvent(w, &e); err != nil {
				return err
			}
			if err := insertAttachments(w, c, e.ID, atts); err != nil {
				return err
			}
			if err := s.published(w, c, e); err != nil {
				return err
			}
			return insertMessages(w, c.ID, msgs, now)
		})
		if errors.Is(err, errNumberTaken) {
			continue
		}
		if err != nil {
			return nil, wrap("file complaint", err)
		}
		c.Attachments = atts
		return c, nil
	}
	return nil, wrap("file complaint", errors.New("no free complaint number after 8 tries"))
}

// errNumberTaken says that a random complaint number is already in use.
var errNumberTaken = errors.New("complaint number taken")

// insertComplaint inserts c under its number and sets c.ID;
// errNumberTaken when the number is in use.
func insertComplaint(w *wtx, c *grievance.Complaint, doc string) error {
	lat, lng := pointArgs(c.Location)
	args := []any{c.Number, c.Name, c.Mobile, string(c.Language), string(c.Channel), c.Category, c.Area, c.Address,
		c.Description, lat, lng, string(c.Status), c.Department, idNull(c.AssigneeID), c.Level, ms(c.Due),
		c.DuplicateOf, ms(c.Created), ms(c.Updated)}
	if w.s.d.pg {
		// The search terms go in the same statement (one round trip less).
		err := w.QueryRowContext(w.ctx, insertComplaintSearchQ, append(args, doc, w.newWords(doc))...).Scan(&c.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return errNumberTaken
		}
		return err
	}
	// SQLite: an INSERT with RETURNING runs as a query, which cost the
	// single writer several times an exec's time.
	res, err := w.exec(insertComplaintQ, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errNumberTaken
	}
	c.ID, err = res.LastInsertId()
	return err // indexed for search by indexBacklog (search.go)
}

const (
	insertComplaintQ = `INSERT INTO complaints (number, name, mobile, language, channel, category, area, address,
description, lat, lng, status, department, assignee_id, level, due, duplicate_of, created, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number) DO NOTHING`
	// PostgreSQL: the complaint with its search terms, and its words in
	// search_words (search.go), in one statement.
	insertComplaintSearchQ = `WITH c AS (INSERT INTO complaints (number, name, mobile, language, channel, category, area, address,
description, lat, lng, status, department, assignee_id, level, due, duplicate_of, created, updated, search)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, array_to_tsvector(string_to_array(?, ' ')))
ON CONFLICT (number) DO NOTHING RETURNING id),
words AS (INSERT INTO search_words (word) SELECT unnest(CAST(? AS text[])) ON CONFLICT DO NOTHING)
SELECT id FROM c`
)

// Complaint returns the complaint with its attachments if actor may see it;
// ENotFound otherwise.
func (s *Store) Complaint(ctx context.Context, actor grievance.Actor, number string) (*grievance.Complaint, error) {
	var c *grievance.Complaint
	err := s.readTx(ctx, func(tx *rtx) error {
		var err error
		if c, err = complaintByNumber(ctx, tx, number); err != nil {
			return err
		}
		if !actor.CanSee(c) {
			return notFound()
		}
		c.Attachments, err = attachments(ctx, tx, c.ID)
		return err
	})
	if err != nil {
		return nil, wrap("complaint", err)
	}
	return c, nil
}

// Track returns the complaint and its public events, with their attachments,
// when number and mobile match; the same ENotFound for a wrong number and a
// wrong mobile.
func (s *Store) Track(ctx context.Context, number, mobile string) (*grievance.Complaint, []grievance.Event, error) {
	mobile = grievance.NormalizeMobile(mobile)
	var c *grievance.Complaint
	var evs []grievance.Event
	err := s.readTx(ctx, func(tx *rtx) error {
		var err error
		c, err = complaintByNumber(ctx, tx, number)
		if err != nil {
			return err
		}
		if mobile == "" || c.Mobile != mobile {
			return notFound()
		}
		atts, err := attachments(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if evs, err = events(ctx, tx, c.ID, true, atts); err != nil {
			return err
		}
		// Only what the public history shows: attachments of public events.
		for _, e := range evs {
			c.Attachments = append(c.Attachments, e.Attachments...)
		}
		return nil
	})
	if err != nil {
		if grievance.ErrorCode(err) == grievance.ENotFound {
			return nil, nil, wrap("track complaint", notFound())
		}
		return nil, nil, wrap("track complaint", err)
	}
	return c, evs, nil
}

// History returns the events actor may see, oldest first, with their
// attachments: public events for a citizen, all for staff. ENotFound when
// actor may not see the complaint.
func (s *Store) History(ctx context.Context, actor grievance.Actor, number string) ([]grievance.Event, error) {
	var evs []grievance.Event
	err := s.readTx(ctx, func(tx *rtx) error {
		c, err := complaintByNumber(ctx, tx, number)
		if err != nil {
			return err
		}
		if !actor.CanSee(c) {
			return notFound()
		}
		atts, err := attachments(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		evs, err = events(ctx, tx, c.ID, actor.IsCitizen(), atts)
		return err
	})
	if err != nil {
		return nil, wrap("history", err)
	}
	return evs, nil
}

// Act applies act to the complaint with number in one write: see
// grievance.Apply for the checks and codes; ENotFound when actor may not
// see the complaint. act.Target is resolved by ID against the current
// masters (its other fields are ignored); an unknown ID is EInvalid.
//
// A reassignment gets a fresh deadline from the time of reassignment: the
// new department could not work on the complaint before, and holding it to
// a clock that ran while the complaint sat elsewhere would blame it for
// another's delay. The time lost stays visible in the history.
func (s *Store) Act(ctx context.Context, actor grievance.Actor, number string, act grievance.Action) (*grievance.Complaint, error) {
	if act.Kind == grievance.ActLink || act.Kind == grievance.ActUnlink {
		return s.link(ctx, actor, number, act)
	}
	st := s.state()
	m := st.m
	now := s.clock()
	switch act.Kind {
	case grievance.ActForward, grievance.ActReassign:
		if act.Target != nil {
			t := m.Officer(act.Target.ID)
			if t == nil {
				key := "error.forward_target"
				if act.Kind == grievance.ActReassign {
					key = "error.reassign_target"
				}
				return nil, wrap("act on complaint", (grievance.FieldErrors{"officer": key}).Err())
			}
			act.Target = t
		}
	default:
		act.Target = nil
	}
	if act.Kind == grievance.ActReassign {
		if err := m.CheckReassign(&act); err != nil {
			return nil, wrap("act on complaint", err)
		}
	} else {
		act.Category, act.Area = "", ""
	}
	atts, err := s.putPhotos(ctx, act.Photos, act.Location, now)
	if err != nil {
		return nil, wrap("act on complaint", err)
	}
	var out *grievance.Complaint
	err = s.write(ctx, func(w *wtx) error {
		c, err := complaintByNumber(w.ctx, w, number)
		if err != nil {
			return err
		}
		if !actor.CanSee(c) {
			return notFound()
		}
		if done, err := s.actedWithKey(w, actor, c, act.Key); err != nil || done {
			if done {
				out = c
			}
			return err
		}
		a := act
		if a.Kind == grievance.ActReassign {
			days, code := triageDays, c.Category
			if a.Category != "" {
				code = a.Category
			}
			if cat := m.Category(code); cat != nil {
				days = cat.ResolutionDays
			}
			a.Due = same(st.cal.DueAfter(now, days))
		}
		switch a.Kind {
		case grievance.ActReport:
			cat := m.Category(c.Category)
			a.RequireProof, a.MaxDistance = cat != nil && cat.RequirePhoto, s.proofDistance
		case grievance.ActCitizenReject:
			// Not solved: back to work one level up, with that level's time.
			a.Target = m.NextUp(c)
			level := c.Level + 1
			if a.Target != nil {
				level = a.Target.Level
			}
			a.Due = same(st.cal.Add(now, m.LevelSpan(c.Category, level, grievance.Span{N: s.levelDays})))
		case grievance.ActRelease:
			// The clock stood still while the complaint was on hold.
			if c.OnHold && !c.HoldSince.IsZero() {
				a.Due = same(c.Due.Add(now.Sub(c.HoldSince)))
			}
		}
		prevDue := c.Due
		ev, err := grievance.Apply(c, a, actor, now)
		if err != nil {
			return err
		}
		if err := updateComplaint(w, c, prevDue); err != nil {
			return err
		}
		if err := insertEvent(w, &ev); err != nil {
			return err
		}
		if err := keyEvent(w, actor, ev.ID, act.Key); err != nil {
			return err
		}
		evAtts := append([]grievance.Attachment(nil), atts...)
		if err := insertAttachments(w, c, ev.ID, evAtts); err != nil {
			return err
		}
		if err := s.queueMessages(w, c, ev, m, now); err != nil {
			return err
		}
		if err := s.published(w, c, ev); err != nil {
			return err
		}
		if ev.Kind == grievance.ActReport && c.Links > 0 {
			if err := s.resolveLinked(w, c, ev, m, now); err != nil {
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
		return nil, wrap(fmt.Sprintf("%s complaint", act.Kind), err)
	}
	return out, nil
}

// closedStatuses are the statuses that need no more work (not Open).
var closedStatuses = []grievance.Status{grievance.StatusResolved, grievance.StatusClosed, grievance.StatusRejected}

// Search lists the complaints actor may see that match f, one page at a
// time, by keyset pagination. The actor's scope is part of the query: the
// control room and the system see everything; a citizen what was filed from
// their mobile; an officer what is assigned to them and what their
// department has in their jurisdiction (the whole department for a
// department head or a district-wide officer); an agent only by mobile
// number (f.Mobile); anyone else nothing. EInvalid for a malformed cursor.
func (s *Store) Search(ctx context.Context, actor grievance.Actor, f grievance.ComplaintFilter) (grievance.ComplaintPage, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	mobile := grievance.NormalizeMobile(f.Mobile)

	switch {
	case actor.System || actor.ControlRoom():
	case actor.IsCitizen():
		add("mobile = ?", actor.Mobile)
	case actor.Officer != nil:
		o := actor.Officer
		if actor.Has(grievance.RoleDeptHead) || len(o.Areas) == 0 {
			add("(assignee_id = ? OR department = ?)", o.ID, o.Department)
		} else {
			cond := "(assignee_id = ? OR (department = ? AND area IN (" + placeholders(len(o.Areas)) + ")))"
			a := []any{o.ID, o.Department}
			for _, ar := range o.Areas {
				a = append(a, ar)
			}
			add(cond, a...)
		}
	case actor.Has(grievance.RoleAgent) && mobile != "":
		// The helpline agent sees the caller's complaints: the filter below.
	default:
		return grievance.ComplaintPage{}, nil
	}

	if len(f.Statuses) > 0 {
		a := make([]any, len(f.Statuses))
		for i, st := range f.Statuses {
			a[i] = string(st)
		}
		add("status IN ("+placeholders(len(a))+")", a...)
	}
	if f.OpenOnly {
		add("status NOT IN (?, ?, ?)", string(closedStatuses[0]), string(closedStatuses[1]), string(closedStatuses[2]))
	}
	if f.Department != "" {
		add("department = ?", f.Department)
	}
	if f.Area != "" {
		add("area = ?", f.Area)
	}
	if f.Category != "" {
		add("category = ?", f.Category)
	}
	if f.AssigneeID != 0 {
		add("assignee_id = ?", f.AssigneeID)
	}
	if mobile != "" {
		add("mobile = ?", mobile)
	}
	if f.Channel != "" {
		add("channel = ?", string(f.Channel))
	}
	if !f.CreatedFrom.IsZero() {
		add("created >= ?", ms(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		add("created < ?", ms(f.CreatedTo))
	}
	from := "complaints"
	terms := queryTerms(f.Text)
	var text textSearch
	if len(terms) > 0 && !s.d.pg {
		if err := s.indexBacklog(ctx); err != nil {
			return grievance.ComplaintPage{}, wrap("search", err)
		}
	}
	var words [][]string
	if len(terms) > 0 && s.d.pg {
		var err error
		if words, err = s.expandTerms(ctx, terms); err != nil {
			return grievance.ComplaintPage{}, wrap("search", err)
		}
	}
	if len(terms) > 0 {
		text = s.d.textSearch(terms, words)
		from = text.from
		add(text.cond, text.arg)
	}

	order := f.Order
	if order == "" {
		order = grievance.OrderDue
	}
	var orderBy string
	switch order {
	case grievance.OrderDue:
		orderBy = "links DESC, due, id" // more duplicates first: see dueAfter
	case grievance.OrderRecent:
		orderBy = "created DESC, id DESC"
	default:
		return grievance.ComplaintPage{}, wrap("search complaints", (grievance.FieldErrors{"order": "error.order"}).Err())
	}
	if len(terms) > 0 {
		order, orderBy = grievance.OrderRecent, text.orderBy
	}
	var cursorID any // the text search's page continues below this ID
	if f.Cursor != "" {
		cur, err := decodeCursor(f.Cursor, order)
		if err != nil {
			return grievance.ComplaintPage{}, wrap("search complaints", err)
		}
		if len(terms) > 0 {
			add(text.after, cur.id)
			cursorID = cur.id
		} else if order == grievance.OrderDue {
			add(dueAfter, cur.links, cur.links, cur.key, cur.key, cur.id)
		} else {
			add("(created < ? OR (created = ? AND id < ?))", cur.key, cur.key, cur.id)
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		limit = 500
	}
	args = append(args, limit+1)
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	read := func(from, orderBy string, args []any) (grievance.ComplaintPage, error) {
		var page grievance.ComplaintPage
		err := each(ctx, s.rdb, "SELECT "+complaintCols+" FROM "+from+cond+" ORDER BY "+orderBy+" LIMIT ?", func(r scanner) error {
			c, err := scanComplaint(r)
			if err != nil {
				return err
			}
			page.Complaints = append(page.Complaints, c)
			return nil
		}, args...)
		return page, err
	}
	var page grievance.ComplaintPage
	var err error
	if text.window != "" {
		// PostgreSQL: first among the newest complaints (a common word
		// fills the page there); if the page is not full there, through
		// the full-text index over all of them (a rare word has few
		// matches to sort). See textSearch.
		win, wargs := text.window, []any{int64(textWindow)}
		if cursorID != nil {
			win, wargs = text.windowAfter, []any{cursorID, int64(textWindow)}
		}
		page, err = read(win, orderBy, append(wargs, args...))
		if err == nil && len(page.Complaints) <= limit {
			page, err = read(from, text.orderAll, args)
		}
	} else {
		page, err = read(from, orderBy, args)
	}
	if err != nil {
		return grievance.ComplaintPage{}, wrap("search complaints", err)
	}
	if len(page.Complaints) > limit {
		page.Complaints = page.Complaints[:limit]
		last := page.Complaints[limit-1]
		k, links := ms(last.Due), int64(last.Links)
		if order == grievance.OrderRecent {
			k, links = ms(last.Created), 0
		}
		if len(terms) > 0 {
			k = last.ID
		}
		page.Next = encodeCursor(order, k, last.ID, links)
	}
	return page, nil
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
