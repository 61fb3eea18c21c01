package live

import (
	"testing"
	"time"

	"nivaran/internal/grievance"
)

func change(n string) grievance.Change { return grievance.Change{Number: n} }

func TestPublishSubscribe(t *testing.T) {
	b := NewBus(4, 1000)
	s, missed, ok := b.Subscribe(0, 8)
	if !ok || len(missed) != 0 {
		t.Fatalf("fresh subscribe: %v %v", missed, ok)
	}
	b.Publish(change("a"))
	if e := <-s.C; e.ID != 1001 || e.Change.Number != "a" {
		t.Fatalf("got %+v", e)
	}
	s.Close()
	if b.Subscribers() != 0 {
		t.Fatal("subscription not closed")
	}
}

// TestCatchUp: a screen that reconnects gets what it missed while the ring
// holds it, and is told to reload when it does not.
func TestCatchUp(t *testing.T) {
	b := NewBus(4, 1000)
	for _, n := range []string{"a", "b", "c"} {
		b.Publish(change(n))
	}
	_, missed, ok := b.Subscribe(1001, 8)
	if !ok || len(missed) != 2 || missed[0].Change.Number != "b" || missed[1].Change.Number != "c" {
		t.Fatalf("after 1001: %+v %v", missed, ok)
	}
	for _, n := range []string{"d", "e", "f"} { // the ring (4) now holds c..f
		b.Publish(change(n))
	}
	_, missed, ok = b.Subscribe(1002, 8)
	if !ok || len(missed) != 4 || missed[0].Change.Number != "c" || missed[3].Change.Number != "f" {
		t.Fatalf("after 1002: %+v %v", missed, ok)
	}
	if _, _, ok = b.Subscribe(1001, 8); ok {
		t.Error("missed b, no longer in the ring: want reload")
	}
	if _, _, ok = b.Subscribe(5, 8); ok {
		t.Error("an ID from an earlier process: want reload")
	}
	if _, missed, ok = b.Subscribe(1006, 8); !ok || len(missed) != 0 {
		t.Errorf("up to date: %v %v", missed, ok)
	}
}

// TestSlowSubscriberDropped: a subscriber whose buffer is full is dropped
// rather than blocking the publisher.
func TestSlowSubscriberDropped(t *testing.T) {
	b := NewBus(16, 0)
	slow, _, _ := b.Subscribe(0, 1)
	fast, _, _ := b.Subscribe(0, 16)
	for i := 0; i < 5; i++ {
		b.Publish(change("x"))
	}
	for i := 0; i < 5; i++ {
		select {
		case <-fast.C:
		case <-time.After(5 * time.Second):
			t.Fatalf("fast subscriber got %d of 5", i)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.Subscribers() != 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	n := 0
	for range slow.C { // closed: the bus dropped it
		n++
	}
	if n != 1 {
		t.Errorf("slow subscriber got %d before being dropped, want 1", n)
	}
}

// TestNoDuplicateAfterSubscribe: events a subscription received as missed
// do not come again on its stream.
func TestNoDuplicateAfterSubscribe(t *testing.T) {
	b := NewBus(16, 0)
	defer b.Close()
	b.Publish(change("a"))
	b.Publish(change("b"))
	s, missed, ok := b.Subscribe(1, 8)
	if !ok || len(missed) != 1 || missed[0].Change.Number != "b" {
		t.Fatalf("missed %+v %v", missed, ok)
	}
	b.Publish(change("c"))
	select {
	case e := <-s.C:
		if e.Change.Number != "c" {
			t.Fatalf("stream gave %q first, want c (b came with Subscribe)", e.Change.Number)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing on the stream")
	}
}

// TestSharedBus: two servers' buses fed the same changes in the same
// (commit) order, whose IDs are not in that order: a screen that read up to
// an event on one catches up on the other with exactly what came after it
// there; a change heard twice (a listener's replay) is published once; an
// ID the ring no longer holds, or never held, means reload.
func TestSharedBus(t *testing.T) {
	a, b := NewSharedBus(4), NewSharedBus(4)
	defer a.Close()
	defer b.Close()
	seqs := []int64{11, 13, 12, 14} // 13 committed before 12
	for _, bus := range []*Bus{a, b} {
		for _, q := range seqs {
			bus.Publish(grievance.Change{Number: "c" + string(rune('0'+q-10)), Seq: q})
		}
	}
	settle(a)
	settle(b)
	if a.Last() != 14 || b.Last() != 14 {
		t.Fatalf("Last = %d, %d; want 14", a.Last(), b.Last())
	}
	sa, _, _ := a.Subscribe(0, 8)
	a.Publish(grievance.Change{Number: "c5", Seq: 15})
	if e := <-sa.C; e.ID != 15 {
		t.Fatalf("A's screen got %d, want 15", e.ID)
	}
	// The screen read up to 13 on A and reconnects to B.
	_, missed, ok := b.Subscribe(13, 8)
	if !ok || len(missed) != 2 || missed[0].ID != 12 || missed[1].ID != 14 {
		t.Fatalf("B after 13: %+v %v; want 12 then 14", missed, ok)
	}
	// Heard again (replayed): not published twice.
	s, _, _ := b.Subscribe(0, 8)
	b.Publish(grievance.Change{Number: "c4", Seq: 14})
	b.Publish(grievance.Change{Number: "c5", Seq: 15})
	if e := <-s.C; e.ID != 15 {
		t.Fatalf("after a replayed 14: got %d, want 15", e.ID)
	}
	select {
	case e := <-s.C:
		t.Fatalf("a second event %d", e.ID)
	case <-time.After(50 * time.Millisecond):
	}
	// B's ring (4) now holds 13, 12, 14, 15: 11 is gone, 99 never came.
	for _, after := range []int64{11, 99} {
		if _, missed, ok := b.Subscribe(after, 8); ok || missed != nil {
			t.Errorf("B after %d: %+v %v; want reload", after, missed, ok)
		}
	}
	if _, missed, ok := b.Subscribe(12, 8); !ok || len(missed) != 2 || missed[0].ID != 14 || missed[1].ID != 15 {
		t.Errorf("B after 12: %+v %v; want 14, 15", missed, ok)
	}
	// The newest: nothing missed.
	if _, missed, ok := b.Subscribe(15, 8); !ok || len(missed) != 0 {
		t.Errorf("B after 15: %+v %v; want nothing, ok", missed, ok)
	}
}

// settle waits until the bus has handed everything published to its
// fan-out (a subscriber that comes earlier may be told to reload, as one
// that falls more than the ring behind).
func settle(b *Bus) {
	for {
		b.mu.Lock()
		done := b.sent == b.seq
		b.mu.Unlock()
		if done {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSharedBusWithoutSeq: a change without a Seq on a shared bus gets an
// ID no Seq can take, so the change with the next Seq is not mistaken for
// it; a screen that reconnects after it gets what comes next.
func TestSharedBusWithoutSeq(t *testing.T) {
	b := NewSharedBus(8)
	defer b.Close()
	s, _, _ := b.Subscribe(0, 8)
	b.Publish(grievance.Change{Number: "a", Seq: 1})
	b.Publish(grievance.Change{Number: "b"})
	b.Publish(grievance.Change{Number: "c", Seq: 2})
	var ids []int64
	for range 3 {
		ids = append(ids, (<-s.C).ID)
	}
	if ids[0] != 1 || ids[1] >= 0 || ids[2] != 2 {
		t.Fatalf("IDs %v, want 1, a negative one, 2", ids)
	}
	if _, missed, ok := b.Subscribe(ids[1], 8); !ok || len(missed) != 0 {
		t.Fatalf("after %d: %+v %v; want what comes next", ids[1], missed, ok)
	}
}
