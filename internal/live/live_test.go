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
