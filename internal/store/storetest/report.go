package storetest

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// reportScenario is a small district month, acted out on the store's clock:
//
//	A road w1    → JE1; JE1 reports within the deadline; the citizen confirms.
//	B road w1    → JE1; JE1 reports after the deadline; the citizen rejects:
//	               up to AE1, who reports within the new deadline (no verdict).
//	C road w2    → JE2; JE2 returns it ("not my department"); the control
//	               room reassigns it to pwd, JE2 again; JE2 reports (no verdict).
//	D hospital w1 → MO; MO returns it; the control room reassigns it to pwd,
//	               JE1, who does nothing (overdue at the end).
//	E road w1    → JE1; nobody acts; the sweep escalates it to AE1, who
//	               reports; the citizen confirms.
//	F hospital w1 → MO; nobody acts (overdue at the end).
//	G road w1    → JE1; put on hold by the control room (never overdue).
//	H road w1    → JE1, filed after the sweep; nobody acts (overdue at the end).
//
// JE1 is pwd-je-w1, JE2 pwd-je-w2, AE1 pwd-ae-z1, MO health-mo-z1.
type reportScenario struct {
	t0, dueR   time.Time // filing of A-G; the deadline of the road complaints filed then
	A, B, C, D *grievance.Complaint
	E, F, G, H *grievance.Complaint
}

func (e *env) act(t *testing.T, a grievance.Actor, c *grievance.Complaint, act grievance.Action) *grievance.Complaint {
	t.Helper()
	got, err := e.h.Act(e.ctx, a, c.Number, act)
	if err != nil {
		t.Fatalf("%s on %s by %s: %v", act.Kind, c.Number, a.Login, err)
	}
	return got
}

func (e *env) reportScenario(t *testing.T) *reportScenario {
	t.Helper()
	je1, je2, ae1, mo := e.officer("pwd-je-w1"), e.officer("pwd-je-w2"), e.officer("pwd-ae-z1"), e.officer("health-mo-z1")
	report := grievance.Action{Kind: grievance.ActReport, Note: "done"}
	citizen := grievance.CitizenActor(mobileA)
	s := &reportScenario{t0: e.clock.Now()}
	s.A = e.MustFile(newComplaint("road", "w1"))
	s.B = e.MustFile(newComplaint("road", "w1"))
	s.C = e.MustFile(newComplaint("road", "w2"))
	s.D = e.MustFile(newComplaint("hospital", "w1"))
	s.E = e.MustFile(newComplaint("road", "w1"))
	s.F = e.MustFile(newComplaint("hospital", "w1"))
	s.G = e.MustFile(newComplaint("road", "w1"))
	s.dueR = s.A.Due
	for _, c := range []*grievance.Complaint{s.A, s.B, s.E, s.G} {
		if c.AssigneeID != je1.Officer.ID || !c.Due.Equal(s.dueR) {
			t.Fatalf("set-up: %s with %d due %v, want JE1 due %v", c.Category, c.AssigneeID, c.Due, s.dueR)
		}
	}
	if s.C.AssigneeID != je2.Officer.ID || s.D.AssigneeID != mo.Officer.ID || s.F.AssigneeID != mo.Officer.ID {
		t.Fatal("set-up: routing is not as the scenario expects")
	}

	e.clock.Set(s.t0.Add(time.Hour))
	e.act(t, je1, s.A, report)
	e.act(t, je2, s.C, grievance.Action{Kind: grievance.ActReturn, Note: "water supply, not roads"})
	e.act(t, mo, s.D, grievance.Action{Kind: grievance.ActReturn, Note: "a road, not a hospital"})
	e.act(t, control, s.G, grievance.Action{Kind: grievance.ActHold, Note: "court stay order"})

	e.clock.Set(s.t0.Add(2 * time.Hour))
	e.act(t, citizen, s.A, grievance.Action{Kind: grievance.ActCitizenAccept})
	e.act(t, control, s.C, grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Target: &grievance.Officer{ID: je2.Officer.ID}})
	s.D = e.act(t, control, s.D, grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Target: &grievance.Officer{ID: je1.Officer.ID}})

	e.fold(t) // a store that keeps sums moves its mark here and below
	e.clock.Set(s.t0.Add(3 * time.Hour))
	e.act(t, je2, s.C, report)

	// One hour late: JE1 reports B, then the sweep escalates E.
	e.clock.Set(s.dueR.Add(time.Hour))
	e.act(t, je1, s.B, report)
	if r := e.sweep(t); r.Escalated != 1 {
		t.Fatalf("sweep after the deadline: %+v, want E escalated", r)
	}
	if got := e.get(t, s.E.Number); got.AssigneeID != ae1.Officer.ID {
		t.Fatalf("E after the sweep is with %d, want AE1", got.AssigneeID)
	}

	e.clock.Set(s.dueR.Add(2 * time.Hour))
	if got := e.act(t, citizen, s.B, grievance.Action{Kind: grievance.ActCitizenReject, Note: "still broken"}); got.AssigneeID != ae1.Officer.ID {
		t.Fatalf("B rejected went to %d, want AE1", got.AssigneeID)
	}

	e.fold(t)
	e.clock.Set(s.dueR.Add(3 * time.Hour))
	e.act(t, ae1, s.B, report)
	e.act(t, ae1, s.E, report)

	e.clock.Set(s.dueR.Add(4 * time.Hour))
	e.act(t, citizen, s.E, grievance.Action{Kind: grievance.ActCitizenAccept})

	e.clock.Set(s.dueR.Add(5 * time.Hour))
	s.H = e.MustFile(newComplaint("road", "w1"))
	return s
}

// Folder is a store that keeps the scorecard's counts summed up to a mark
// and moves the mark forward on demand.
type Folder interface {
	FoldScores(ctx context.Context) (int64, error)
}

// fold moves the store's scorecard mark, if it keeps one.
func (e *env) fold(t *testing.T) {
	t.Helper()
	if f, ok := e.h.(Folder); ok {
		if _, err := f.FoldScores(e.ctx); err != nil {
			t.Fatalf("FoldScores: %v", err)
		}
	}
}

func (e *env) scorecard(t *testing.T, by grievance.ScoreBy, from, to time.Time) []grievance.ScoreRow {
	t.Helper()
	rows, err := e.h.Scorecard(e.ctx, by, from, to)
	if err != nil {
		t.Fatalf("Scorecard(%s): %v", by, err)
	}
	return rows
}

// testReportScorecard checks the scorecard of the scenario against counts
// worked out by hand from the definitions of grievance.ScoreRow.
func testReportScorecard(t *testing.T, e *env) {
	s := e.reportScenario(t)
	id := func(code string) string { return strconv.FormatInt(e.officerID(code), 10) }
	h := time.Hour
	late := s.dueR.Sub(s.t0) // from filing to the road deadline
	from, to := s.t0.Add(-time.Minute), s.t0.AddDate(0, 1, 0)

	tests := []struct {
		name     string
		by       grievance.ScoreBy
		from, to time.Time
		want     []grievance.ScoreRow
	}{
		{
			name: "officers, whole period", by: grievance.ScoreByOfficer, from: from, to: to,
			want: []grievance.ScoreRow{
				// Received A B E G H filed, D reassigned; resolved A (in time, confirmed), B (late, rejected);
				// E escalated away; resolution times 1h (A) and late+1h (B).
				{Key: id("pwd-je-w1"), Received: 6, Resolved: 2, ResolvedInTime: 1, Confirmed: 1, Reopened: 1,
					Escalations: 1, AvgResolution: (h + late + h) / 2},
				// Received B (the citizen's rejection) and E (escalation); both resolved in time,
				// B 1h after the rejection, E 2h after the escalation; E confirmed.
				{Key: id("pwd-ae-z1"), Received: 2, Resolved: 2, ResolvedInTime: 2, Confirmed: 1, AvgResolution: (h + 2*h) / 2},
				// Received C filed and C reassigned back; resolved C in time, 1h after it came back; return overruled.
				{Key: id("pwd-je-w2"), Received: 2, Resolved: 1, ResolvedInTime: 1, ReturnsOverruled: 1, AvgResolution: h},
				// D and F filed; D's return was upheld (it went to pwd).
				{Key: id("health-mo-z1"), Received: 2},
			},
		},
		{
			name: "departments, whole period", by: grievance.ScoreByDepartment, from: from, to: to,
			want: []grievance.ScoreRow{
				{Key: "health", Received: 2},
				// Received A B C E G H filed, D reassigned in (C back into pwd is no new arrival).
				// Resolved A (1h), B by JE1 (late+1h), C (3h from filing), B by AE1 (late+3h), E (late+3h):
				// in time A, C, B by AE1 (E was escalated, so pwd missed its deadline).
				{Key: "pwd", Received: 7, Resolved: 5, ResolvedInTime: 3, Confirmed: 2, Reopened: 1, Escalations: 1,
					ReturnsOverruled: 1, AvgResolution: (h + late + h + 3*h + late + 3*h + late + 3*h) / 5},
			},
		},
		{
			name: "areas, whole period", by: grievance.ScoreByArea, from: from, to: to,
			want: []grievance.ScoreRow{
				// A B D E F G H; resolved A, B twice, E; in time A and B by AE1.
				{Key: "w1", Received: 7, Resolved: 4, ResolvedInTime: 2, Confirmed: 2, Reopened: 1, Escalations: 1,
					AvgResolution: (h + late + h + late + 3*h + late + 3*h) / 4},
				{Key: "w2", Received: 1, Resolved: 1, ResolvedInTime: 1, ReturnsOverruled: 1, AvgResolution: 3 * h},
			},
		},
		{
			// Only the first 90 minutes: A's report is in it and its
			// confirmation (later) still counts; so does C's return,
			// overruled later.
			name: "officers, first 90 minutes", by: grievance.ScoreByOfficer, from: s.t0, to: s.t0.Add(90 * time.Minute),
			want: []grievance.ScoreRow{
				{Key: id("pwd-je-w1"), Received: 4, Resolved: 1, ResolvedInTime: 1, Confirmed: 1, AvgResolution: h},
				{Key: id("pwd-je-w2"), Received: 1, ReturnsOverruled: 1},
				{Key: id("health-mo-z1"), Received: 2},
			},
		},
		{
			// From the road deadline on: B's late report and its
			// rejection, E's escalation, the AE's work and H.
			name: "officers, after the deadline", by: grievance.ScoreByOfficer, from: s.dueR, to: to,
			want: []grievance.ScoreRow{
				{Key: id("pwd-je-w1"), Received: 1, Resolved: 1, Reopened: 1, Escalations: 1, AvgResolution: late + h},
				{Key: id("pwd-ae-z1"), Received: 2, Resolved: 2, ResolvedInTime: 2, Confirmed: 1, AvgResolution: (h + 2*h) / 2},
			},
		},
		{name: "before anything happened", by: grievance.ScoreByDepartment, from: s.t0.AddDate(0, -1, 0), to: s.t0, want: []grievance.ScoreRow{}},
	}
	// The same whole period as whole days of the district (a month from
	// the midnight before the first filing), which a store may answer from
	// daily sums.
	y, mo, d := s.t0.In(IST).Date()
	day := time.Date(y, mo, d, 0, 0, 0, 0, IST)
	for _, tt := range tests[:3] {
		tt.name, tt.from, tt.to = strings.Replace(tt.name, "whole period", "whole days", 1), day, day.AddDate(0, 1, 0)
		tests = append(tests, tt)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.scorecard(t, tt.by, tt.from, tt.to)
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, sortRows(tt.by, tt.want)) {
				t.Errorf("scorecard by %s:\n got %+v\nwant %+v", tt.by, got, sortRows(tt.by, tt.want))
			}
		})
	}

	// Shares are of the resolved reports.
	for _, r := range e.scorecard(t, grievance.ScoreByOfficer, from, to) {
		if r.Key != id("pwd-je-w1") {
			continue
		}
		if r.InTimeShare() != 0.5 || r.ConfirmedShare() != 0.5 || r.ReopenedShare() != 0.5 {
			t.Errorf("JE1's shares: in time %v, confirmed %v, reopened %v; want 0.5 each", r.InTimeShare(), r.ConfirmedShare(), r.ReopenedShare())
		}
	}
	if r := (grievance.ScoreRow{Received: 3}); r.InTimeShare() != 0 || r.ConfirmedShare() != 0 || r.ReopenedShare() != 0 {
		t.Error("shares of nothing resolved are not 0")
	}

	_, err := e.h.Scorecard(e.ctx, "ward", from, to)
	wantField(t, err, "by", "error.score_by")
	_, err = e.h.Scorecard(e.ctx, grievance.ScoreByArea, to, from)
	wantField(t, err, "period", "error.period")
}

// sortRows orders want as the scorecard does: by key, officer IDs as numbers.
func sortRows(by grievance.ScoreBy, rows []grievance.ScoreRow) []grievance.ScoreRow {
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b grievance.ScoreRow) int {
		if by == grievance.ScoreByOfficer {
			x, _ := strconv.Atoi(a.Key)
			y, _ := strconv.Atoi(b.Key)
			return cmp.Compare(x, y)
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out
}

// testReportDefaulters: at the end of the scenario, JE1 has D and H
// overdue (G is on hold), MO has F; health sorts before pwd. Before the
// deadlines nobody is a defaulter.
func testReportDefaulters(t *testing.T, e *env) {
	s := e.reportScenario(t)
	d, err := e.h.Defaulters(e.ctx, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 0 {
		t.Fatalf("defaulters before any open deadline passed: %+v", d)
	}
	D, F, H := e.get(t, s.D.Number), e.get(t, s.F.Number), e.get(t, s.H.Number)
	end := D.Due
	for _, c := range []*grievance.Complaint{F, H} {
		if c.Due.After(end) {
			end = c.Due
		}
	}
	oldestJE1 := D.Due
	if H.Due.Before(oldestJE1) {
		oldestJE1 = H.Due
	}
	now := end.Add(time.Hour)
	got, err := e.h.Defaulters(e.ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []grievance.Defaulter{
		{OfficerID: e.officerID("health-mo-z1"), Department: "health", Level: 1, Overdue: 1, OldestDue: F.Due},
		{OfficerID: e.officerID("pwd-je-w1"), Department: "pwd", Level: 1, Overdue: 2, OldestDue: oldestJE1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaulters at %v:\n got %+v\nwant %+v", now, got, want)
	}
	// A complaint on hold is not overdue; released, it is (its deadline
	// moved by the time held, which by then has passed as well).
	e.clock.Set(now)
	e.act(t, control, s.G, grievance.Action{Kind: grievance.ActRelease})
	G := e.get(t, s.G.Number)
	later := G.Due.Add(time.Hour)
	if later.Before(now) {
		later = now
	}
	got, err = e.h.Defaulters(e.ctx, later)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].OfficerID != e.officerID("pwd-je-w1") || got[1].Overdue != 3 {
		t.Errorf("after G's release: %+v, want JE1 with 3 overdue", got)
	}
}
