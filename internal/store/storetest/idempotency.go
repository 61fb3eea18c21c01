package storetest

import (
	"strings"
	"sync"
	"testing"

	"nivaran/internal/grievance"
)

// history returns number's events as the control room sees them.
func (e *env) history(t *testing.T, number string) []grievance.Event {
	t.Helper()
	evs, err := e.h.History(e.ctx, control, number)
	if err != nil {
		t.Fatalf("History(%s): %v", number, err)
	}
	return evs
}

func countKind(evs []grievance.Event, k grievance.ActionKind) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

// testIdempotency: an action repeated with the same key by the same actor
// (a field app resending a report it queued offline) is applied once: no
// second event, attachment or SMS, and the answer is the complaint as it
// stands. Another actor's key, or another key, is another action.
func testIdempotency(t *testing.T, e *env) {
	je1 := e.officer("pwd-je-w1")
	c := e.fileAt("road", "w1", mobileA, &place)
	d := e.fileAt("road", "w1", mobileB, nil)
	photo := []grievance.Upload{{ContentType: "image/jpeg", Data: []byte("the road, repaired")}}

	// A note twice with one key: one note.
	note := grievance.Action{Kind: grievance.ActNote, Note: "Site visit planned", Key: "note-key-1"}
	e.act(t, je1, c, note)
	e.act(t, je1, c, note)
	if n := countKind(e.history(t, c.Number), grievance.ActNote); n != 1 {
		t.Fatalf("notes after the same note twice with one key = %d, want 1", n)
	}
	// The same key by someone else is their own action.
	e.act(t, control, c, note)
	if n := countKind(e.history(t, c.Number), grievance.ActNote); n != 2 {
		t.Fatalf("notes after the control room used the officer's key = %d, want 2", n)
	}
	// Without a key, a repeat is a repeat.
	e.act(t, je1, c, grievance.Action{Kind: grievance.ActNote, Note: "again"})
	e.act(t, je1, c, grievance.Action{Kind: grievance.ActNote, Note: "again"})
	if n := countKind(e.history(t, c.Number), grievance.ActNote); n != 4 {
		t.Fatalf("notes after two keyless notes = %d, want 4", n)
	}

	// A report sent three times (the queue resent it after a lost answer).
	before := len(e.messagesOf(c.ID))
	report := grievance.Action{Kind: grievance.ActReport, Note: "Pothole filled", Photos: photo, Key: "8f0c2a3e-report"}
	first := e.act(t, je1, c, report)
	sent := len(e.messagesOf(c.ID))
	if sent == before {
		t.Fatalf("the report queued no SMS; the suite's messenger sends one on resolution")
	}
	for i := 0; i < 2; i++ {
		again := e.act(t, je1, c, report)
		if again.Status != grievance.StatusResolved || again.Number != c.Number || len(again.Attachments) != len(first.Attachments) {
			t.Fatalf("repeat %d answered %s with %d attachments, want resolved with %d",
				i+1, again.Status, len(again.Attachments), len(first.Attachments))
		}
	}
	evs := e.history(t, c.Number)
	if n := countKind(evs, grievance.ActReport); n != 1 {
		t.Fatalf("report events after three sends with one key = %d, want 1", n)
	}
	atts := 0
	for _, ev := range evs {
		atts += len(ev.Attachments)
	}
	if atts != 1 {
		t.Errorf("attachments after three sends = %d, want 1", atts)
	}
	if got := len(e.messagesOf(c.ID)); got != sent {
		t.Errorf("SMS after three sends = %d, want %d (as after the first)", got, sent)
	}

	// The key of one complaint's report cannot act on another complaint.
	_, err := e.h.Act(e.ctx, je1, d.Number, report)
	wantCode(t, err, grievance.EConflict, "error.idempotency_reused")
	if got := e.mustComplaint(d.Number); got.Status == grievance.StatusResolved {
		t.Fatalf("%s resolved by a reused key", d.Number)
	}
	// A refused action does not use up its key.
	_, err = e.h.Act(e.ctx, je1, d.Number, grievance.Action{Kind: grievance.ActForward, Note: "x",
		Target: &grievance.Officer{ID: 99999}, Key: "k-after-failure"})
	if err == nil {
		t.Fatal("forward to an unknown officer succeeded")
	}
	e.act(t, je1, d, grievance.Action{Kind: grievance.ActNote, Note: "now", Key: "k-after-failure"})
	if n := countKind(e.history(t, d.Number), grievance.ActNote); n != 1 {
		t.Fatalf("notes with a key first used by a refused action = %d, want 1", n)
	}
	// A key too long is refused and changes nothing.
	_, err = e.h.Act(e.ctx, je1, d.Number, grievance.Action{Kind: grievance.ActNote, Note: "x", Key: strings.Repeat("k", 200)})
	wantField(t, err, "key", "error.idempotency_key")
	if n := countKind(e.history(t, d.Number), grievance.ActNote); n != 1 {
		t.Fatalf("notes after a refused key = %d, want 1", n)
	}
}

// testIdempotencyConcurrent: the same keyed action sent at once several
// times (a field app and its retry racing, or two servers on PostgreSQL) is
// applied once and every send is answered as applied; the same key sent at
// once on two complaints acts on one of them and the other is refused as a
// reused key, never applied twice.
func testIdempotencyConcurrent(t *testing.T, e *env) {
	je1 := e.officer("pwd-je-w1")
	c := e.fileAt("road", "w1", mobileA, nil)
	d := e.fileAt("road", "w1", mobileB, nil)
	note := grievance.Action{Kind: grievance.ActNote, Note: "Site visit planned", Key: "race-key-1"}
	const n = 8
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.h.Act(e.ctx, je1, c.Number, note)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a concurrent send of a keyed note: %v, want it answered as applied", err)
		}
	}
	if got := countKind(e.history(t, c.Number), grievance.ActNote); got != 1 {
		t.Fatalf("notes after %d concurrent sends with one key = %d, want 1", n, got)
	}

	// One key on two complaints at once: one applied, one refused.
	other := grievance.Action{Kind: grievance.ActNote, Note: "Crew sent", Key: "race-key-2"}
	var errC, errD error
	wg.Add(2)
	go func() { defer wg.Done(); _, errC = e.h.Act(e.ctx, je1, c.Number, other) }()
	go func() { defer wg.Done(); _, errD = e.h.Act(e.ctx, je1, d.Number, other) }()
	wg.Wait()
	notes := countKind(e.history(t, c.Number), grievance.ActNote) - 1 + countKind(e.history(t, d.Number), grievance.ActNote)
	if notes != 1 {
		t.Fatalf("notes from one key sent at once on two complaints = %d, want 1 (errors %v, %v)", notes, errC, errD)
	}
	refused := errC
	if errC == nil {
		refused = errD
	} else if errD != nil {
		t.Fatalf("both sends refused: %v, %v", errC, errD)
	}
	wantCode(t, refused, grievance.EConflict, "error.idempotency_reused")
}
