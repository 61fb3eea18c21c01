package storetest

import (
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// testFeedbackCalls: resolutions become due for the automatic feedback
// call after the delay and before the verification window ends; four
// schedulers claiming at once get each resolution once; a claim is not
// repeated (a restart places no second call); the answer is recorded; a
// second resolution after a reopening is due again.
func testFeedbackCalls(t *testing.T, e *env) {
	const after, window = 24 * time.Hour, 7 * 24 * time.Hour
	claim := func(limit int) []grievance.FeedbackCall {
		t.Helper()
		now := e.clock.Now()
		got, err := e.h.ClaimFeedbackCalls(e.ctx, now, now.Add(-window), now.Add(-after), limit)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	je := e.officer("pwd-je-w1")
	resolve := func(number string) {
		t.Helper()
		if _, err := e.h.Act(e.ctx, je, number, grievance.Action{Kind: grievance.ActReport, Note: "filled"}); err != nil {
			t.Fatal(err)
		}
	}
	english := newComplaint("road", "w1")
	english.Mobile, english.Language = mobileB, grievance.English
	a, b := e.MustFile(newComplaint("road", "w1")), e.MustFile(english)
	open := e.MustFile(newComplaint("road", "w1"))
	resolve(a.Number)
	resolve(b.Number)
	resolvedAt := e.clock.Now()

	e.clock.Advance(after - time.Minute)
	if got := claim(10); len(got) != 0 {
		t.Fatalf("claimed before the delay: %+v", got)
	}
	e.clock.Advance(2 * time.Minute)
	now := e.clock.Now()
	claimed := map[string][]grievance.FeedbackCall{}
	for _, f := range claimConcurrently(t, 4, func() ([]grievance.FeedbackCall, error) {
		return e.h.ClaimFeedbackCalls(e.ctx, now, now.Add(-window), now.Add(-after), 1)
	}) {
		claimed[f.Number] = append(claimed[f.Number], f)
	}
	if len(claimed) != 2 || len(claimed[a.Number]) != 1 || len(claimed[b.Number]) != 1 {
		t.Fatalf("claimed %+v, want %s and %s once each (not the open %s)", claimed, a.Number, b.Number, open.Number)
	}
	fa, fb := claimed[a.Number][0], claimed[b.Number][0]
	if fa.Mobile != mobileA || fa.Language != grievance.Hindi || fa.ComplaintID != a.ID || !fa.ResolvedAt.Equal(resolvedAt.Truncate(time.Millisecond)) {
		t.Errorf("claim of %s: %+v, want mobile %s, Hindi, resolved at %v", a.Number, fa, mobileA, resolvedAt)
	}
	if fb.Mobile != mobileB || fb.Language != grievance.English {
		t.Errorf("claim of %s: %+v, want mobile %s in English", b.Number, fb, mobileB)
	}
	if got := claim(10); len(got) != 0 {
		t.Errorf("claimed again: %+v", got)
	}

	// The answer is recorded on the claim; nothing else can be.
	e.clock.Advance(time.Minute)
	if err := e.h.FeedbackCallDone(e.ctx, fa.ComplaintID, fa.ResolvedAt, "1", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.h.FeedbackCallDone(e.ctx, fb.ComplaintID, fb.ResolvedAt, "7", e.clock.Now()); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Errorf("answer 7: %v, want invalid", err)
	}
	if err := e.h.FeedbackCallDone(e.ctx, open.ID, resolvedAt, "1", e.clock.Now()); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Errorf("answer for an unclaimed complaint: %v, want not found", err)
	}
	got, err := e.h.FeedbackCalls(e.ctx, a.ID)
	if err != nil || len(got) != 1 || got[0].Answer != "1" || !got[0].DoneAt.Equal(e.clock.Now().Truncate(time.Millisecond)) ||
		!got[0].ClaimedAt.Equal(now.Truncate(time.Millisecond)) {
		t.Errorf("feedback calls of %s: %+v %v, want answer 1 done now", a.Number, got, err)
	}
	if got, _ := e.h.FeedbackCalls(e.ctx, b.ID); len(got) != 1 || got[0].Answer != "" || !got[0].DoneAt.IsZero() {
		t.Errorf("feedback calls of %s: %+v, want the claim without an answer", b.Number, got)
	}

	// Not solved: reopened, resolved again; the new resolution is due
	// after the delay, the old one's claim stays.
	if _, err := e.h.Act(e.ctx, grievance.CitizenActor(mobileB), b.Number, grievance.Action{Kind: grievance.ActCitizenReject, Note: "still there"}); err != nil {
		t.Fatal(err)
	}
	ae := e.officer("pwd-ae-z1")
	if _, err := e.h.Act(e.ctx, ae, b.Number, grievance.Action{Kind: grievance.ActReport, Note: "filled again"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(after + time.Minute)
	if got := claim(0); len(got) != 0 {
		t.Errorf("limit 0 claimed %+v", got)
	}
	if got := claim(10); len(got) != 1 || got[0].Number != b.Number || !got[0].ResolvedAt.After(fb.ResolvedAt) {
		t.Errorf("after the second resolution: %+v, want %s again", got, b.Number)
	}
	if got, _ := e.h.FeedbackCalls(e.ctx, b.ID); len(got) != 2 {
		t.Errorf("feedback calls of %s: %d, want 2 (one per resolution)", b.Number, len(got))
	}

	// Past the verification window nothing is due: the sweep closes it.
	c := e.MustFile(newComplaint("road", "w1"))
	resolve(c.Number)
	e.clock.Advance(window + time.Minute)
	if got := claim(10); len(got) != 0 {
		t.Errorf("claimed after the window: %+v", got)
	}
}
