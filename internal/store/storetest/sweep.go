package storetest

import (
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// Sweep options used by the tests: warn a day ahead, close unanswered
// resolutions after a week.
var sweepOpts = grievance.SweepOptions{WarnBefore: 24 * time.Hour, VerifyWithin: 7 * 24 * time.Hour}

func (e *env) sweep(t *testing.T) grievance.SweepResult {
	t.Helper()
	r, err := e.h.Sweep(e.ctx, e.clock.Now(), sweepOpts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) get(t *testing.T, number string) *grievance.Complaint {
	t.Helper()
	c, err := e.h.Complaint(e.ctx, grievance.SystemActor, number)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testSweepLadder: a complaint nobody acts on is warned about once before
// its deadline, then climbs its department's ladder level by level, each
// level with its own time, and stops at the top.
func testSweepLadder(t *testing.T, e *env) {
	c := e.MustFile(newComplaint("road", "w1")) // pwd-je-w1, level 1
	if r := e.sweep(t); r != (grievance.SweepResult{}) {
		t.Fatalf("fresh complaint swept: %+v", r)
	}
	e.clock.Set(c.Due.Add(-12 * time.Hour))
	if r := e.sweep(t); r.Warned != 1 || r.Escalated != 0 {
		t.Fatalf("12 hours before the deadline: %+v, want one warning", r)
	}
	if r := e.sweep(t); r.Warned != 0 {
		t.Fatalf("second sweep warned again: %+v", r)
	}
	steps := []struct {
		officer string
		level   int
	}{{"pwd-ae-z1", 2}, {"pwd-ee", 3}}
	due := c.Due
	for i, s := range steps {
		e.clock.Set(due.Add(time.Minute))
		if r := e.sweep(t); r.Escalated != 1 {
			t.Fatalf("step %d: %+v, want one escalation", i, r)
		}
		got := e.get(t, c.Number)
		if got.AssigneeID != e.officerID(s.officer) || got.Level != s.level || got.Escalations != i+1 || got.Status != grievance.StatusAssigned {
			t.Fatalf("step %d: %+v, want %s at level %d", i, got, s.officer, s.level)
		}
		// Three working days at the new level, from now.
		if !got.Due.After(e.clock.Now().Add(72*time.Hour)) || got.Due.After(e.clock.Now().Add(8*24*time.Hour)) {
			t.Fatalf("step %d: due %v from %v", i, got.Due, e.clock.Now())
		}
		if page := e.walk(e.officer(s.officer), grievance.ComplaintFilter{AssigneeID: e.officerID(s.officer)}); len(page) != 1 {
			t.Errorf("step %d: %s's inbox has %d complaints", i, s.officer, len(page))
		}
		due = got.Due
	}
	e.clock.Set(due.Add(time.Minute))
	if r := e.sweep(t); r.TopOfLadder != 1 || r.Escalated != 0 {
		t.Fatalf("at the top: %+v", r)
	}
	if r := e.sweep(t); r != (grievance.SweepResult{}) {
		t.Fatalf("top of the ladder swept again: %+v", r)
	}
	if got := e.get(t, c.Number); !got.Overdue(e.clock.Now()) || got.Level != 3 {
		t.Errorf("at the top: %+v, want overdue at level 3", got)
	}
	// The history tells the citizen it was escalated.
	_, events, err := e.h.Track(e.ctx, c.Number, c.Mobile)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range events {
		if ev.Kind == grievance.ActEscalate {
			n++
		}
		if ev.Kind == grievance.ActWarnDue {
			t.Error("the deadline warning is public")
		}
	}
	if n != 2 {
		t.Errorf("%d public escalation events, want 2", n)
	}
}

// testSweepHold: on hold the clock stops: no escalation, and the release
// moves the deadline by the time held.
func testSweepHold(t *testing.T, e *env) {
	c := e.MustFile(newComplaint("road", "w1"))
	if _, err := e.h.Act(e.ctx, control, c.Number, grievance.Action{Kind: grievance.ActHold}); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("hold without a reason: %v", err)
	}
	if _, err := e.h.Act(e.ctx, e.officer("pwd-je-w1"), c.Number, grievance.Action{Kind: grievance.ActHold, Note: "x"}); grievance.ErrorCode(err) != grievance.EForbidden {
		t.Fatalf("officer puts on hold: %v", err)
	}
	if _, err := e.h.Act(e.ctx, control, c.Number, grievance.Action{Kind: grievance.ActHold, Note: "court stay order"}); err != nil {
		t.Fatal(err)
	}
	held := 10 * 24 * time.Hour
	e.clock.Advance(held)
	if r := e.sweep(t); r.Escalated != 0 || r.Warned != 0 {
		t.Fatalf("on hold: %+v", r)
	}
	if got := e.get(t, c.Number); got.Overdue(e.clock.Now()) {
		t.Error("a complaint on hold counts as overdue")
	}
	got, err := e.h.Act(e.ctx, control, c.Number, grievance.Action{Kind: grievance.ActRelease})
	if err != nil {
		t.Fatal(err)
	}
	if want := c.Due.Add(held); !got.Due.Equal(want) || got.OnHold {
		t.Fatalf("after release: due %v (on hold %v), want %v", got.Due, got.OnHold, want)
	}
	if r := e.sweep(t); r.Escalated != 0 {
		t.Fatalf("just released: %+v", r)
	}
	if _, err := e.h.Act(e.ctx, control, c.Number, grievance.Action{Kind: grievance.ActRelease}); grievance.ErrorCode(err) != grievance.EConflict {
		t.Errorf("release twice: %v", err)
	}
}

// testSweepVerify: a resolution the citizen does not answer within the
// window closes as resolved-unverified; one the citizen rejects goes back
// to work one level up.
func testSweepVerify(t *testing.T, e *env) {
	je := e.officer("pwd-je-w1")
	a := e.MustFile(newComplaint("road", "w1"))
	b := e.MustFile(newComplaint("road", "w1"))
	for _, c := range []*grievance.Complaint{a, b} {
		if _, err := e.h.Act(e.ctx, je, c.Number, grievance.Action{Kind: grievance.ActReport, Note: "filled"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.h.Act(e.ctx, grievance.CitizenActor(b.Mobile), b.Number, grievance.Action{Kind: grievance.ActCitizenReject, Note: "still there"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != grievance.StatusReopened || got.AssigneeID != e.officerID("pwd-ae-z1") || got.Escalations != 1 {
		t.Fatalf("rejected resolution: %+v, want reopened with the AE", got)
	}
	e.clock.Advance(6 * 24 * time.Hour)
	if r := e.sweep(t); r.Closed != 0 {
		t.Fatalf("closed before the window: %+v", r)
	}
	e.clock.Advance(2 * 24 * time.Hour)
	if r := e.sweep(t); r.Closed != 1 {
		t.Fatalf("after the window: %+v, want one closed", r)
	}
	if got := e.get(t, a.Number); got.Status != grievance.StatusClosed {
		t.Errorf("unanswered resolution: %s, want closed", got.Status)
	}
	h, _ := e.h.History(e.ctx, control, a.Number)
	if last := h[len(h)-1]; last.Kind != grievance.ActAutoClose || !last.Public {
		t.Errorf("last event %+v, want a public auto_close", last)
	}
}

// testSweepLadderHours: a category's own ladder in office hours sets the
// deadline at the next level: 8 office hours from an escalation at 11:00
// on a Monday is 11:00 on the Tuesday.
func testSweepLadderHours(t *testing.T, e *env) {
	m := Fixture()
	for i := range m.Categories {
		if m.Categories[i].Code == "road" {
			m.Categories[i].Escalation = []grievance.Span{{N: 8, Hours: true}}
		}
	}
	if err := e.h.ReplaceMasters(e.ctx, m); err != nil {
		t.Fatal(err)
	}
	c := e.MustFile(newComplaint("road", "w1"))
	// Escalate at 11:00 IST on the first Monday after the deadline.
	at := c.Due.In(IST).Add(time.Second)
	for at.Weekday() != time.Monday {
		at = at.AddDate(0, 0, 1)
	}
	at = time.Date(at.Year(), at.Month(), at.Day(), 11, 0, 0, 0, IST)
	e.clock.Set(at)
	if r := e.sweep(t); r.Escalated != 1 {
		t.Fatalf("sweep: %+v", r)
	}
	got := e.get(t, c.Number)
	if want := at.AddDate(0, 0, 1); got.Level != 2 || !got.Due.Equal(want) {
		t.Fatalf("level %d due %v, want level 2 due %v (8 office hours)", got.Level, got.Due.In(IST), want)
	}
}
