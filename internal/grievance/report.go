package grievance

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"
)

// Defaulter is an officer with overdue complaints: open, not on hold, past
// their deadline, and assigned to the officer now.
type Defaulter struct {
	OfficerID  int64
	Department string // the officer's department
	Level      int    // the officer's level on the ladder
	Overdue    int    // overdue complaints assigned to the officer
	OldestDue  time.Time
}

// ScoreBy is the unit a scorecard counts for.
type ScoreBy string

// The units of a scorecard.
const (
	ScoreByOfficer    ScoreBy = "officer"    // an officer post; Key is its ID
	ScoreByDepartment ScoreBy = "department" // Key is the department code
	ScoreByArea       ScoreBy = "area"       // Key is the complaint's area code
)

// Valid reports whether by is a known unit.
func (by ScoreBy) Valid() bool {
	return by == ScoreByOfficer || by == ScoreByDepartment || by == ScoreByArea
}

// ScoreRow is one unit's scorecard for a period [from, to). Every count
// comes from the append-only history and the system clock, never from what
// a user types, so that it cannot be talked up:
//
//   - Received: arrivals in the period. A complaint arrives at a unit when
//     an event leaves it with the unit that did not have it just before:
//     for an officer, the event that makes them the assignee (filing by
//     routing, forward, reassignment, escalation, or the citizen's rejection
//     sending it one level up), each time it happens; for a department,
//     filing into it or a reassignment into it from elsewhere (a return and
//     a reassignment back into the same department is not a new arrival);
//     for an area, the event that gives the complaint that area: filing, or
//     for a text message the control room's triage (each event records the
//     area the complaint had after it).
//   - Resolved: action-taken reports ("report" events) in the period, by
//     the unit: the officer who was the assignee, their department, the
//     complaint's area.
//   - ResolvedInTime: those of Resolved submitted no later than the
//     deadline in force at that moment (as recorded with the event; while
//     on hold the clock stands still, so the time held so far is added), and
//     with no escalation of the complaint since it arrived at the unit. A
//     report whose deadline was not recorded (history older than the
//     recording) is not counted in time: it cannot be verified.
//   - Confirmed: those of Resolved whose first verdict was the citizen's
//     confirmation ("citizen_accept"), whenever it came. Closure by the
//     control room or for want of an answer ("auto_close") is not a verdict.
//   - Reopened: those of Resolved whose first verdict was the citizen's
//     rejection ("citizen_reject") or a reopening by the control room
//     ("reopen"). A later report opens a new verdict for itself.
//   - Escalations: escalations ("escalate" events: the deadline passed and
//     the scheduler moved the complaint up) in the period, counted against
//     the unit the complaint was with: the officer it left, their department,
//     the complaint's area.
//   - ReturnsOverruled: returns as "not my department" ("return" events) in
//     the period, counted against the officer who returned it, their
//     department and the area, when the control room's next reassignment
//     (whenever it came) put the complaint back into the same department.
//     Passing the buck counts against the one who passed it.
//   - AvgResolution: the mean, over Resolved, of the time from the
//     complaint's latest arrival at the unit (for an area: filing or triage) to the
//     report; wall-clock time, time on hold included, because the citizen
//     waited that long. Zero when nothing was resolved.
//
// Confirmed, Reopened and ReturnsOverruled are answers that may come after
// the period; they are counted with the report or return they answer, so
// the scorecard of a month can still change while its last reports await a
// verdict (and its last returns a decision); everything else is fixed once
// the month is over.
type ScoreRow struct {
	Key              string // officer ID, department code or area code
	Received         int
	ResolvedInTime   int
	Resolved         int
	Confirmed        int
	Reopened         int
	Escalations      int
	ReturnsOverruled int
	AvgResolution    time.Duration
}

func share(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// InTimeShare is ResolvedInTime / Resolved, 0 when nothing was resolved.
func (r ScoreRow) InTimeShare() float64 { return share(r.ResolvedInTime, r.Resolved) }

// ConfirmedShare is Confirmed / Resolved, 0 when nothing was resolved.
func (r ScoreRow) ConfirmedShare() float64 { return share(r.Confirmed, r.Resolved) }

// ReopenedShare is Reopened / Resolved, 0 when nothing was resolved.
func (r ScoreRow) ReopenedShare() float64 { return share(r.Reopened, r.Resolved) }

// ReportService computes the control room's accountability reports.
type ReportService interface {
	// Defaulters lists, at now, every officer with complaints assigned to
	// them that are open (not resolved, closed or rejected), not on hold and
	// past their deadline: how many and the oldest deadline. Sorted by
	// department, level and most overdue first. Complaints waiting in the
	// control room's queue have no officer and are not listed. The caller
	// checks that the user works in the control room; the method does not.
	Defaulters(ctx context.Context, now time.Time) ([]Defaulter, error)

	// Scorecard counts, for every unit of kind by with anything to count,
	// the facts of ScoreRow in the period [from, to), sorted by key (officer
	// IDs in numeric order). EInvalid for an unknown unit ("by") or an
	// empty period ("period"). The caller checks that the user works in the
	// control room; the method does not.
	Scorecard(ctx context.Context, by ScoreBy, from, to time.Time) ([]ScoreRow, error)
}

// CheckScorecard validates the arguments of ReportService.Scorecard.
func CheckScorecard(by ScoreBy, from, to time.Time) error {
	f := FieldErrors{}
	if !by.Valid() {
		f.Add("by", "error.score_by")
	}
	if !from.Before(to) {
		f.Add("period", "error.period")
	}
	return f.Err()
}

// SortDefaulters puts d in the order ReportService.Defaulters promises.
func SortDefaulters(d []Defaulter) {
	slices.SortFunc(d, func(a, b Defaulter) int {
		return cmp.Or(cmp.Compare(a.Department, b.Department), cmp.Compare(a.Level, b.Level),
			cmp.Compare(b.Overdue, a.Overdue), a.OldestDue.Compare(b.OldestDue), cmp.Compare(a.OfficerID, b.OfficerID))
	})
}

// ScoreEvent is what the scorecard reads of one history event.
type ScoreEvent struct {
	At         time.Time
	Kind       ActionKind
	AssigneeID int64     // after the event; 0 for none
	Department string    // after the event; "" for the control room's queue
	Area       string    // the complaint's area after the event; "" until triage gives a text message one
	Due        time.Time // the deadline in force after the event; zero when not recorded
}

// scoreCell is where a fact is counted: a unit's key on a day (the
// district's local date as yyyymmdd) for a day tally, on day 0 for a
// period tally.
type scoreCell struct {
	day int64
	key string
}

// Tally computes a scorecard from whole histories, so that every storage
// counts by the same definitions (see ScoreRow). A period tally counts what
// happened in [from, to); a day tally (NewDayTally) counts everything, by
// the day it happened, so that a storage can keep daily sums and add them
// up for any run of whole days.
type Tally struct {
	by     ScoreBy
	bucket func(time.Time) (int64, bool) // the day a fact at that time counts on; false: not counted
	rows   map[scoreCell]*ScoreRow
	spent  map[scoreCell]time.Duration // sum of resolution times
}

// NewTally starts a scorecard by unit by for the period [from, to).
func NewTally(by ScoreBy, from, to time.Time) *Tally {
	return newTally(by, func(at time.Time) (int64, bool) { return 0, !at.Before(from) && at.Before(to) })
}

// NewDayTally starts a scorecard by unit by that counts every fact on its
// day in loc (see Day).
func NewDayTally(by ScoreBy, loc *time.Location) *Tally {
	return newTally(by, func(at time.Time) (int64, bool) { return Day(at, loc), true })
}

func newTally(by ScoreBy, bucket func(time.Time) (int64, bool)) *Tally {
	return &Tally{by: by, bucket: bucket, rows: map[scoreCell]*ScoreRow{}, spent: map[scoreCell]time.Duration{}}
}

// Day is the local date of at in loc as the number yyyymmdd.
func Day(at time.Time, loc *time.Location) int64 {
	y, m, d := at.In(loc).Date()
	return int64(y)*10000 + int64(m)*100 + int64(d)
}

func (t *Tally) row(c scoreCell) *ScoreRow {
	r := t.rows[c]
	if r == nil {
		r = &ScoreRow{Key: c.key}
		t.rows[c] = r
	}
	return r
}

// unit is the key of the unit that holds a complaint with assignee and
// department in area; "" when no unit of the tally's kind holds it.
func (t *Tally) unit(assignee int64, dept, area string) string {
	switch t.by {
	case ScoreByOfficer:
		if assignee == 0 {
			return ""
		}
		return strconv.FormatInt(assignee, 10)
	case ScoreByDepartment:
		return dept
	}
	return area
}

// Add counts the history of one complaint, oldest event first.
// The history must be whole (from filing on): arrivals, holds and the
// reports awaiting a verdict are followed from the start; only what
// happened in the period (or, for verdicts and overruled returns, what
// answers something that happened in it) is counted.
func (t *Tally) Add(history []ScoreEvent) { t.add(history, 1) }

// Remove takes back what Add(history) counted: a storage that summed the
// start of a history updates its sums with Add(whole) and Remove(start).
func (t *Tally) Remove(history []ScoreEvent) { t.add(history, -1) }

func (t *Tally) add(history []ScoreEvent, n int) {
	var (
		since     time.Time  // when the complaint arrived at the unit holding it
		escalated bool       // escalated since it arrived there
		holdSince time.Time  // zero when not on hold
		report    *scoreCell // a report counted, awaiting its verdict
		ret       *scoreCell // a return counted, awaiting the control room
		retDept   string     // the department the complaint was returned from
		prev      ScoreEvent // the event before
	)
	for i, e := range history {
		before := "" // the unit holding the complaint before the event
		if i > 0 {
			before = t.unit(prev.AssigneeID, prev.Department, prev.Area)
		}
		after := t.unit(e.AssigneeID, e.Department, e.Area)
		day, in := t.bucket(e.At)
		switch e.Kind {
		case ActReport:
			if after == "" {
				break
			}
			report = nil
			if !in {
				break
			}
			c := scoreCell{day, after}
			r := t.row(c)
			r.Resolved += n
			due := e.Due
			if !holdSince.IsZero() && !due.IsZero() {
				due = due.Add(e.At.Sub(holdSince))
			}
			if !due.IsZero() && !e.At.After(due) && !escalated {
				r.ResolvedInTime += n
			}
			t.spent[c] += time.Duration(n) * e.At.Sub(since)
			report = &c
		case ActCitizenAccept:
			if report != nil {
				t.row(*report).Confirmed += n
			}
			report = nil
		case ActCitizenReject, ActReopen:
			if report != nil {
				t.row(*report).Reopened += n
			}
			report = nil
		case ActEscalate:
			if in && before != "" {
				t.row(scoreCell{day, before}).Escalations += n
			}
			escalated = true
		case ActReturn:
			ret = nil
			if in && before != "" {
				ret, retDept = &scoreCell{day, before}, prev.Department
			}
		case ActReassign:
			if ret != nil && e.Department == retDept {
				t.row(*ret).ReturnsOverruled += n
			}
			ret = nil
		case ActReject:
			ret = nil
		case ActHold:
			if holdSince.IsZero() {
				holdSince = e.At
			}
		case ActRelease:
			holdSince = time.Time{}
		}
		if after != "" && after != before {
			if in {
				t.row(scoreCell{day, after}).Received += n
			}
			since, escalated = e.At, false
		}
		prev = e
	}
}

// AddSums adds counts that a storage summed before (r's counts and spent,
// the sum of its resolution times) to unit key of a period tally.
func (t *Tally) AddSums(key string, r ScoreRow, spent time.Duration) {
	c := scoreCell{0, key}
	x := t.row(c)
	x.Received += r.Received
	x.ResolvedInTime += r.ResolvedInTime
	x.Resolved += r.Resolved
	x.Confirmed += r.Confirmed
	x.Reopened += r.Reopened
	x.Escalations += r.Escalations
	x.ReturnsOverruled += r.ReturnsOverruled
	t.spent[c] += spent
}

// Days calls fn for every day and unit with a count that is not zero (a
// day tally after Add and Remove holds differences), with the counts and
// the sum of resolution times.
func (t *Tally) Days(fn func(day int64, r ScoreRow, spent time.Duration) error) error {
	for c, r := range t.rows {
		if *r == (ScoreRow{Key: c.key}) && t.spent[c] == 0 {
			continue
		}
		if err := fn(c.day, *r, t.spent[c]); err != nil {
			return err
		}
	}
	return nil
}

// Rows returns the scorecard: one row per unit with anything counted,
// sorted by key (officer IDs in numeric order).
func (t *Tally) Rows() []ScoreRow {
	out := make([]ScoreRow, 0, len(t.rows))
	for c, r := range t.rows {
		if *r == (ScoreRow{Key: c.key}) {
			continue // sums that cancelled out
		}
		if r.Resolved > 0 {
			r.AvgResolution = t.spent[c] / time.Duration(r.Resolved)
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ScoreRow) int {
		if t.by == ScoreByOfficer {
			x, _ := strconv.ParseInt(a.Key, 10, 64)
			y, _ := strconv.ParseInt(b.Key, 10, 64)
			return cmp.Compare(x, y)
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out
}
