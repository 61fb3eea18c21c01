package store_test

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"nivaran/internal/blob"
	"nivaran/internal/grievance"
	"nivaran/internal/store"
	"nivaran/internal/store/storetest"
)

// The simulation runs a year of synthetic complaints through the store with
// a controllable clock, sweeping twice a day, and checks every deadline,
// warning, escalation and closure against the model below: a second,
// independent statement of the rules, written from their documentation and
// the fixture's masters, not from the store's or the domain's code.
const (
	simComplaints = 600                  // filed over the year, at any hour of any day
	simYear       = 365 * 24 * time.Hour // filings happen in the first year
	simTail       = 40 * 24 * time.Hour  // then the clock runs on, with sweeps only
	simStep       = 12 * time.Hour       // between sweeps, on the hour of district time
	simLevelDays  = 3                    // working days at each level above the first (store default)
)

var simOpts = grievance.SweepOptions{WarnBefore: 24 * time.Hour, VerifyWithin: 7 * 24 * time.Hour}

// simControl is the control room.
var simControl = grievance.Actor{UserID: 1, Login: "control", Roles: []grievance.Role{grievance.RoleSupervisor}}

// simFirst is where the fixture sends a complaint, worked out by hand from
// storetest.Fixture: the category's department unless a routing rule says
// otherwise (garbage in w3 to pwd, mosquito everywhere to health), then that
// department's lowest officer whose jurisdiction covers the ward (pwd has no
// junior engineer for w4: its assistant engineer takes it). Health has no
// officer in zone z2: those pairs are not filed.
var simFirst = map[string]string{
	"road/w1": "pwd-je-w1", "road/w2": "pwd-je-w2", "road/w3": "pwd-je-w3", "road/w4": "pwd-ae-z2",
	"drain/w1": "pwd-je-w1", "drain/w2": "pwd-je-w2", "drain/w3": "pwd-je-w3", "drain/w4": "pwd-ae-z2",
	"hospital/w1": "health-mo-z1", "hospital/w2": "health-mo-z1",
	"garbage/w1": "health-mo-z1", "garbage/w2": "health-mo-z1", "garbage/w3": "pwd-je-w3",
	"mosquito/w1": "health-mo-z1", "mosquito/w2": "health-mo-z1",
}

// simCalendar is the business calendar as calendar.go's doc comment states
// it: a complaint with n working days is due at the close (the last second,
// district time) of the n-th working day after the day it was filed;
// Sundays and the listed holidays are not working days.
type simCalendar map[string]bool

func (h simCalendar) working(y int, m time.Month, d int) bool {
	day := time.Date(y, m, d, 12, 0, 0, 0, storetest.IST)
	return day.Weekday() != time.Sunday && !h[day.Format(time.DateOnly)]
}

func (h simCalendar) due(from time.Time, n int) time.Time {
	y, m, d := from.In(storetest.IST).Date()
	for k := 1; ; k++ {
		if h.working(y, m, d+k) {
			if n--; n == 0 {
				return time.Date(y, m, d+k, 23, 59, 59, 0, storetest.IST)
			}
		}
	}
}

// simComplaint is one complaint as the model expects it to be.
type simComplaint struct {
	i             int // index in sim.cs, in order of filing
	number        string
	mobile        string
	cat, area     string
	ladder        []string // officer codes, first officer first, by the Superior of each
	rung          int      // the assignee is ladder[rung]
	status        grievance.Status
	due           time.Time
	escalations   int
	onHold        bool
	holdSince     time.Time
	releaseAt     time.Time // when the control room will release the hold
	warned        bool      // the current deadline has been warned about
	atTop         bool      // overdue at the top of the ladder, already counted
	resolvedAt    time.Time
	rejections    int
	warns, escs   int // events expected in the history
	autos         int
	trace         []string // what the model did, for a mismatch report
	cycle         int      // resolutions asked of the officer so far
	reportPending bool
}

func (c *simComplaint) working() bool {
	return c.status == grievance.StatusAssigned || c.status == grievance.StatusInProgress || c.status == grievance.StatusReopened
}

func (c *simComplaint) log(at time.Time, format string, args ...any) {
	c.trace = append(c.trace, at.In(storetest.IST).Format("2006-01-02 15:04:05 Mon")+" "+fmt.Sprintf(format, args...))
}

// The simulation's events, in time order.
type simKind int

const (
	evSweep simKind = iota
	evFile
	evAccept
	evReport
	evConfirm
	evReject
	evHold
	evRelease
)

var simKindNames = []string{"sweep", "file", "accept", "report", "confirm", "reject", "hold", "release"}

type simEvent struct {
	at    time.Time
	seq   int
	kind  simKind
	c     int // complaint index
	cycle int // evReport: the resolution it is for
}

type simQueue []simEvent

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

type sim struct {
	t       *testing.T
	ctx     context.Context
	s       *store.Store
	clock   *storetest.Clock
	m       *grievance.Masters // with the store's officer IDs
	cal     simCalendar
	days    map[string]int    // resolution days by category
	super   map[string]string // superior by officer code
	rng     *rand.Rand
	grid    time.Time // the first sweep on the hour; the others follow it every simStep
	q       simQueue
	seq     int
	cs      []*simComplaint
	byNum   map[string]*simComplaint
	counts  map[simKind]int
	sweeps  int
	results grievance.SweepResult // summed over all sweeps
}

func (sm *sim) push(at time.Time, kind simKind, c, cycle int) {
	sm.seq++
	heap.Push(&sm.q, simEvent{at: at.Truncate(time.Second), seq: sm.seq, kind: kind, c: c, cycle: cycle})
}

// between returns a random duration in [lo, hi), to the second.
func (sm *sim) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(sm.rng.Int64N(int64((hi-lo)/time.Second)))*time.Second
}

// TestSimulationYear: see the constants above. A mismatch names the
// complaint, the time, what the model and the store say, and the model's
// trace of that complaint.
func TestSimulationYear(t *testing.T) {
	if testing.Short() {
		t.Skip("a year of complaints")
	}
	began := time.Now()
	sm := newSim(t)

	// Filing times: uniform over the year, at any hour, plus the edges of
	// the fixture's first days off (Sunday 25 January, Republic Day on the
	// Monday), to the second.
	edges := []time.Time{
		time.Date(2026, 1, 24, 23, 59, 59, 0, storetest.IST),
		time.Date(2026, 1, 25, 0, 0, 0, 0, storetest.IST),
		time.Date(2026, 1, 25, 12, 0, 0, 0, storetest.IST),
		time.Date(2026, 1, 26, 0, 0, 0, 0, storetest.IST),
		time.Date(2026, 1, 26, 23, 59, 59, 0, storetest.IST),
		time.Date(2026, 1, 27, 0, 0, 0, 0, storetest.IST),
	}
	for i := 0; i < simComplaints; i++ {
		at := storetest.Start.Add(sm.between(0, simYear))
		if i < len(edges) {
			at = edges[i]
		}
		sm.push(at, evFile, i, 0)
	}
	// Sweeps every simStep, on the hour of district time, and every fifth
	// day at the last second, when the deadlines of that day fall.
	end := storetest.Start.Add(simYear + simTail)
	for at, n := sm.grid, 0; at.Before(end); at, n = at.Add(simStep), n+1 {
		sm.push(at, evSweep, -1, 0)
		if n%int(5*24*time.Hour/simStep) == 0 {
			y, mo, d := at.In(storetest.IST).Date()
			sm.push(time.Date(y, mo, d, 23, 59, 59, 0, storetest.IST), evSweep, -1, 0)
		}
	}

	next := storetest.Start.Add(30 * 24 * time.Hour)
	for sm.q.Len() > 0 {
		ev := heap.Pop(&sm.q).(simEvent)
		sm.clock.Set(ev.at)
		sm.counts[ev.kind]++
		switch ev.kind {
		case evSweep:
			sm.sweep(ev.at)
			if sm.rng.IntN(20) == 0 {
				if _, err := sm.s.FoldScores(sm.ctx); err != nil {
					t.Fatal(err)
				}
			}
			if !ev.at.Before(next) {
				sm.compareAll(ev.at, false)
				next = next.Add(30 * 24 * time.Hour)
			}
		case evFile:
			sm.file(ev.at, ev.c)
		default:
			sm.act(ev)
		}
	}
	sm.compareAll(end, true)
	sm.compareScores() // with the events since the last fold counted on top of the sums
	if _, err := sm.s.FoldScores(sm.ctx); err != nil {
		t.Fatal(err)
	}
	sm.compareScores() // from the sums alone

	var st = map[grievance.Status]int{}
	top := 0
	for _, c := range sm.cs {
		st[c.status]++
		if c.atTop {
			top++
		}
	}
	t.Logf("simulated %d complaints over %v in %v: %d sweeps (%d warned, %d escalated, %d at the top, %d auto-closed); "+
		"%d accepted, %d reports, %d confirmed, %d rejected, %d holds; end: %v, %d overdue at the top",
		len(sm.cs), simYear+simTail, time.Since(began).Round(time.Millisecond), sm.sweeps, sm.results.Warned,
		sm.results.Escalated, sm.results.TopOfLadder, sm.results.Closed, sm.counts[evAccept], sm.counts[evReport],
		sm.counts[evConfirm], sm.counts[evReject], sm.counts[evHold], st, top)
}

// compareScores checks that every month's scorecard, by every unit, from
// the daily sums and the events after their mark, equals the count of the
// whole histories.
func (sm *sim) compareScores() {
	sm.t.Helper()
	y, mo, _ := storetest.Start.In(storetest.IST).Date()
	from := time.Date(y, mo, 1, 0, 0, 0, 0, storetest.IST)
	end := storetest.Start.Add(simYear + simTail)
	rows := 0
	for ; from.Before(end); from = from.AddDate(0, 1, 0) {
		to := from.AddDate(0, 1, 0)
		for _, by := range []grievance.ScoreBy{grievance.ScoreByOfficer, grievance.ScoreByDepartment, grievance.ScoreByArea} {
			got, err := sm.s.Scorecard(sm.ctx, by, from, to)
			if err != nil {
				sm.t.Fatal(err)
			}
			want, err := sm.s.ScorecardScan(sm.ctx, by, from, to)
			if err != nil {
				sm.t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				sm.t.Errorf("scorecard by %s for %s from the daily sums:\n got %+v\nwant %+v", by, from.Format("2006-01"), got, want)
			}
			rows += len(want)
		}
	}
	if rows == 0 {
		sm.t.Error("no scorecard rows to compare")
	}
}

func newSim(t *testing.T) *sim {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	clock := &storetest.Clock{}
	clock.Set(storetest.Start)
	s, err := store.Open(ctx, store.Options{
		Path: filepath.Join(dir, "nivaran.db"), Now: clock.Now, Blobs: blobs, Messenger: storetest.Messenger{},
		ScoreFoldEvery: -1, // the simulation folds the scorecard's sums itself, at random moments
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	fx := storetest.Fixture()
	if err := s.ReplaceMasters(ctx, fx); err != nil {
		t.Fatal(err)
	}
	m, err := s.Masters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sm := &sim{
		grid: time.Date(2026, 1, 24, 0, 0, 0, 0, storetest.IST),
		t:    t, ctx: ctx, s: s, clock: clock, m: m, cal: simCalendar{},
		days: map[string]int{}, super: map[string]string{}, rng: rand.New(rand.NewPCG(2026, 1)),
		byNum: map[string]*simComplaint{}, counts: map[simKind]int{},
	}
	for _, h := range fx.Holidays {
		sm.cal[h.Date] = true
	}
	for _, c := range fx.Categories {
		sm.days[c.Code] = c.ResolutionDays
	}
	for _, o := range fx.Officers {
		sm.super[o.Code] = o.Superior
	}
	return sm
}

// officer is the actor of the officer with code, as a signed-in user.
func (sm *sim) officer(code string) grievance.Actor {
	o := sm.m.OfficerByCode(code)
	if o == nil {
		sm.t.Fatalf("no officer %s", code)
	}
	return grievance.Actor{UserID: 100 + o.ID, Login: code, Roles: []grievance.Role{grievance.RoleOfficer}, Officer: o}
}

func (sm *sim) officerID(code string) int64 { return sm.officer(code).Officer.ID }

func (sm *sim) file(at time.Time, i int) {
	pairs := make([]string, 0, len(simFirst))
	for k := range simFirst {
		pairs = append(pairs, k)
	}
	slices.Sort(pairs)
	pair := pairs[sm.rng.IntN(len(pairs))]
	cat, area, _ := strings.Cut(pair, "/")
	c := &simComplaint{i: len(sm.cs), cat: cat, area: area, mobile: fmt.Sprintf("9%09d", 100_000_000+i), status: grievance.StatusAssigned}
	for code := simFirst[pair]; code != ""; code = sm.super[code] {
		c.ladder = append(c.ladder, code)
	}
	c.due = sm.cal.due(at, sm.days[cat])
	c.log(at, "filed %s in %s: %s, due %s", cat, area, c.ladder[0], c.due.In(storetest.IST).Format(time.DateTime))

	got, err := sm.s.File(sm.ctx, grievance.NewComplaint{
		Name: "Ram Kumar", Mobile: c.mobile, Language: grievance.Hindi, Channel: grievance.ChannelWeb,
		Category: cat, Area: area, Address: "Gali 4, Station Road", Description: "Deep pothole near the school",
	})
	if err != nil {
		sm.t.Fatalf("%s: file complaint %d (%s in %s): %v", at.In(storetest.IST), c.i, cat, area, err)
	}
	c.number = got.Number
	sm.cs = append(sm.cs, c)
	sm.byNum[c.number] = c
	sm.compare(at, "file", c, got)

	// The officer takes it up at once, the next day, or never says so.
	if sm.rng.IntN(100) < 40 {
		sm.push(at.Add(sm.between(30*time.Minute, 30*time.Hour)), evAccept, c.i, 0)
	}
	sm.planReport(at, c)
	// The control room puts one in eight on hold (a court case, the citizen
	// away) for between six hours and three weeks.
	if sm.rng.IntN(8) == 0 {
		sm.push(at.Add(sm.between(time.Hour, 8*24*time.Hour)), evHold, c.i, 0)
	}
}

// planReport decides when the officer reports on the current deadline:
// within it (half), after it (three in ten) or never.
func (sm *sim) planReport(now time.Time, c *simComplaint) {
	c.cycle++
	var at time.Time
	switch p := sm.rng.IntN(10); {
	case p < 5:
		at = now.Add(sm.between(0, max(c.due.Sub(now), 2*time.Second)))
	case p < 8:
		at = c.due.Add(sm.between(time.Hour, 8*24*time.Hour))
	default:
		return
	}
	// One report in eight lands on a sweep (just after it): the sweep a
	// week later finds the resolution exactly VerifyWithin old.
	if sm.rng.IntN(8) == 0 {
		at = sm.grid.Add((at.Sub(sm.grid) + simStep - 1).Truncate(simStep))
	}
	sm.push(at, evReport, c.i, c.cycle)
}

// act performs a scheduled action if the model allows it, and otherwise
// expects the store to refuse it with a conflict.
func (sm *sim) act(ev simEvent) {
	c := sm.cs[ev.c]
	at := ev.at
	var actor grievance.Actor
	act := grievance.Action{Kind: grievance.ActNote}
	allowed := false
	var apply func()
	switch ev.kind {
	case evAccept:
		actor, act.Kind = sm.officer(c.ladder[c.rung]), grievance.ActAccept
		allowed = c.status == grievance.StatusAssigned || c.status == grievance.StatusReopened
		apply = func() { c.status = grievance.StatusInProgress }
	case evReport:
		if ev.cycle != c.cycle {
			return // planned for a deadline the complaint no longer has
		}
		if c.onHold {
			// Waiting on the court: the officer reports after the release.
			// (A report on hold leaves the complaint resolved and on hold:
			// see TestReportOnHold.)
			sm.push(c.releaseAt.Add(sm.between(time.Hour, 48*time.Hour)), evReport, c.i, c.cycle)
			return
		}
		actor = sm.officer(c.ladder[c.rung])
		act = grievance.Action{Kind: grievance.ActReport, Note: "Repaired and checked on site"}
		if c.cat == "drain" { // the fixture's drains need a photo and where it was taken
			act.Photos = []grievance.Upload{{ContentType: "image/jpeg", Data: []byte("\xff\xd8\xff proof")}}
			act.Location = &grievance.Point{Lat: 26.85, Long: 80.95}
		}
		allowed = c.working()
		apply = func() {
			c.status, c.resolvedAt = grievance.StatusResolved, at
			// The citizen confirms, rejects (at most twice) or never answers,
			// within nine days: some answers come after the auto-closure.
			after := at.Add(sm.between(time.Hour, 9*24*time.Hour))
			switch p := sm.rng.IntN(100); {
			case p < 40:
				sm.push(after, evConfirm, c.i, 0)
			case p < 65 && c.rejections < 2:
				sm.push(after, evReject, c.i, 0)
			}
		}
	case evConfirm:
		actor = grievance.CitizenActor(c.mobile)
		act = grievance.Action{Kind: grievance.ActCitizenAccept, Note: "Thank you"}
		allowed = c.status == grievance.StatusResolved
		apply = func() { c.status = grievance.StatusClosed }
	case evReject:
		actor = grievance.CitizenActor(c.mobile)
		act = grievance.Action{Kind: grievance.ActCitizenReject, Note: "Still broken"}
		allowed = c.status == grievance.StatusResolved
		apply = func() {
			c.status = grievance.StatusReopened
			c.rejections++
			if c.rung+1 < len(c.ladder) {
				c.rung++
				c.escalations++
			}
			c.setDue(sm.cal.due(at, simLevelDays))
			sm.planReport(at, c)
		}
	case evHold:
		actor, act = simControl, grievance.Action{Kind: grievance.ActHold, Note: "Court stay order"}
		allowed = c.working() && !c.onHold
		apply = func() {
			c.onHold, c.holdSince = true, at
			c.releaseAt = at.Add(sm.between(6*time.Hour, 21*24*time.Hour))
			sm.push(c.releaseAt, evRelease, c.i, 0)
		}
	case evRelease:
		actor, act = simControl, grievance.Action{Kind: grievance.ActRelease}
		allowed = c.working() && c.onHold
		apply = func() {
			c.onHold = false
			c.setDue(c.due.Add(at.Sub(c.holdSince)))
			c.holdSince = time.Time{}
		}
	}
	name := simKindNames[ev.kind]
	got, err := sm.s.Act(sm.ctx, actor, c.number, act)
	if !allowed {
		c.log(at, "%s refused (status %s, on hold %v)", name, c.status, c.onHold)
		if grievance.ErrorCode(err) != grievance.EConflict {
			sm.fail(at, c, "%s in status %s (on hold %v): error %v, want conflict", name, c.status, c.onHold, err)
		}
		return
	}
	if err != nil {
		sm.fail(at, c, "%s: %v", name, err)
	}
	apply()
	c.log(at, "%s: %s, %s, due %s", name, c.status, c.ladder[c.rung], c.due.In(storetest.IST).Format(time.DateTime))
	sm.compare(at, name, c, got)
}

// setDue gives the complaint a new deadline: it may be warned about again
// and escalate again.
func (c *simComplaint) setDue(due time.Time) {
	if !due.Equal(c.due) {
		c.due, c.warned, c.atTop = due, false, false
	}
}

// sweep runs the model's sweep at now, then the store's, and compares
// what each did.
func (sm *sim) sweep(now time.Time) {
	sm.sweeps++
	var want grievance.SweepResult
	var changed []*simComplaint
	// Overdue, not on hold: one level up, with that level's time, or, at
	// the top, counted once for this deadline.
	for _, c := range sm.cs {
		if !c.working() || c.onHold || c.atTop || c.due.After(now) {
			continue
		}
		if c.rung+1 < len(c.ladder) {
			c.rung++
			c.status = grievance.StatusAssigned
			c.escalations++
			c.escs++
			c.setDue(sm.cal.due(now, simLevelDays))
			want.Escalated++
			c.log(now, "sweep: escalated to %s, due %s", c.ladder[c.rung], c.due.In(storetest.IST).Format(time.DateTime))
		} else {
			c.atTop = true
			want.TopOfLadder++
			c.log(now, "sweep: overdue at the top")
		}
		changed = append(changed, c)
	}
	// Due within a day: warned once for each deadline.
	for _, c := range sm.cs {
		if c.working() && !c.onHold && !c.warned && c.due.After(now) && !c.due.After(now.Add(simOpts.WarnBefore)) {
			c.warned = true
			c.warns++
			want.Warned++
			c.log(now, "sweep: warned")
		}
	}
	// Resolved a week ago and not answered: closed.
	for _, c := range sm.cs {
		if c.status == grievance.StatusResolved && !c.resolvedAt.After(now.Add(-simOpts.VerifyWithin)) {
			c.status = grievance.StatusClosed
			c.autos++
			want.Closed++
			c.log(now, "sweep: closed unanswered")
			changed = append(changed, c)
		}
	}

	got, err := sm.s.Sweep(sm.ctx, now, simOpts)
	if err != nil {
		sm.t.Fatalf("%s: sweep: %v", now.In(storetest.IST), err)
	}
	sm.results.Warned += got.Warned
	sm.results.Escalated += got.Escalated
	sm.results.TopOfLadder += got.TopOfLadder
	sm.results.Closed += got.Closed
	if got != want {
		sm.compareAll(now, true) // names the first complaint that differs
		sm.t.Fatalf("%s: sweep did %+v, the model %+v (no single complaint differs)", now.In(storetest.IST), got, want)
	}
	for _, c := range changed {
		got, err := sm.s.Complaint(sm.ctx, grievance.SystemActor, c.number)
		if err != nil {
			sm.t.Fatal(err)
		}
		sm.compare(now, "sweep", c, got)
	}
}

// compareAll compares every complaint filed so far with the store; with
// events, their histories' counts of warnings, escalations and closures too.
func (sm *sim) compareAll(now time.Time, withEvents bool) {
	sm.t.Helper()
	seen := 0
	f := grievance.ComplaintFilter{Limit: 500}
	for {
		page, err := sm.s.Search(sm.ctx, grievance.SystemActor, f)
		if err != nil {
			sm.t.Fatal(err)
		}
		for _, got := range page.Complaints {
			c := sm.byNum[got.Number]
			if c == nil {
				sm.t.Fatalf("%s: complaint %s in the store, not in the model", now.In(storetest.IST), got.Number)
			}
			sm.compare(now, "checkpoint", c, got)
			seen++
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	if seen != len(sm.cs) {
		sm.t.Fatalf("%s: %d complaints in the store, %d in the model", now.In(storetest.IST), seen, len(sm.cs))
	}
	if !withEvents {
		return
	}
	for _, c := range sm.cs {
		h, err := sm.s.History(sm.ctx, simControl, c.number)
		if err != nil {
			sm.t.Fatal(err)
		}
		var warns, escs, autos int
		for _, e := range h {
			switch e.Kind {
			case grievance.ActWarnDue:
				warns++
			case grievance.ActEscalate:
				escs++
			case grievance.ActAutoClose:
				autos++
			}
		}
		if warns != c.warns || escs != c.escs || autos != c.autos {
			sm.fail(now, c, "history has %d warnings, %d escalations, %d auto-closures; want %d, %d, %d\n%s",
				warns, escs, autos, c.warns, c.escs, c.autos, historyText(h))
		}
	}
}

// compare fails at the first field of got that differs from the model.
func (sm *sim) compare(now time.Time, what string, c *simComplaint, got *grievance.Complaint) {
	sm.t.Helper()
	var diffs []string
	check := func(field string, g, w any) {
		if g != w {
			diffs = append(diffs, fmt.Sprintf("%s %v, want %v", field, g, w))
		}
	}
	check("status", got.Status, c.status)
	check("assignee", got.AssigneeID, sm.officerID(c.ladder[c.rung]))
	check("level", got.Level, sm.m.OfficerByCode(c.ladder[c.rung]).Level)
	check("escalations", got.Escalations, c.escalations)
	check("on hold", got.OnHold, c.onHold)
	if !got.Due.Equal(c.due) {
		diffs = append(diffs, fmt.Sprintf("due %s, want %s", got.Due.In(storetest.IST).Format(time.DateTime),
			c.due.In(storetest.IST).Format(time.DateTime)))
	}
	if len(diffs) > 0 {
		sm.fail(now, c, "after %s: %s", what, strings.Join(diffs, "; "))
	}
}

// fail reports a mismatch on c with the model's trace and the store's
// history, and stops the test.
func (sm *sim) fail(now time.Time, c *simComplaint, format string, args ...any) {
	sm.t.Helper()
	h, _ := sm.s.History(sm.ctx, simControl, c.number)
	sm.t.Fatalf("%s: complaint %d (%s, %s in %s): %s\nmodel:\n  %s\nstore history:\n%s",
		now.In(storetest.IST).Format("2006-01-02 15:04:05 Mon"), c.i, c.number, c.cat, c.area,
		fmt.Sprintf(format, args...), strings.Join(c.trace, "\n  "), historyText(h))
}

func historyText(h []grievance.Event) string {
	var b strings.Builder
	for _, e := range h {
		fmt.Fprintf(&b, "  %s %-14s %-11s -> %-11s assignee %d level %d %s\n", e.At.In(storetest.IST).Format("2006-01-02 15:04:05 Mon"),
			e.Kind, e.From, e.To, e.AssigneeID, e.Level, e.ActorName)
	}
	return b.String()
}

// TestReportOnHold: a report on a complaint on hold ends the hold (no clock
// runs for a resolved complaint), so a later rejection starts a fresh
// deadline that escalates as usual.
func TestReportOnHold(t *testing.T) {
	sm := newSim(t)
	ctx := sm.ctx
	c, err := sm.s.File(ctx, grievance.NewComplaint{
		Name: "Ram Kumar", Mobile: "9876543210", Language: grievance.Hindi, Channel: grievance.ChannelWeb,
		Category: "road", Area: "w1", Address: "Gali 4, Station Road", Description: "Deep pothole near the school",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.s.Act(ctx, simControl, c.Number, grievance.Action{Kind: grievance.ActHold, Note: "Court stay order"}); err != nil {
		t.Fatal(err)
	}
	sm.clock.Advance(24 * time.Hour)
	got, err := sm.s.Act(ctx, sm.officer("pwd-je-w1"), c.Number, grievance.Action{Kind: grievance.ActReport, Note: "Repaired"})
	if grievance.ErrorCode(err) == grievance.EConflict {
		return // refused while on hold: fine
	}
	if err != nil {
		t.Fatal(err)
	}
	if got.OnHold || !got.HoldSince.IsZero() {
		t.Fatalf("a report left the complaint on hold (%+v)", got)
	}
}
