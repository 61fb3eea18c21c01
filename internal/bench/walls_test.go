package bench

import (
	"strconv"
	"testing"
	"time"
)

// TestFiledForgetsWhatEveryWallSaw: a long run remembers only the
// complaints some wall has not seen yet, and the lag and count stay right,
// also for a complaint a wall saw before its filer had the 201.
func TestFiledForgetsWhatEveryWallSaw(t *testing.T) {
	var f Filed
	f.walls.Store(3)
	for i := range 1000 {
		f.Note(strconv.Itoa(10000000000 + i))
	}
	time.Sleep(2 * time.Millisecond)
	for wall := range 3 {
		for i := range 1000 {
			if lag := f.sighted(strconv.Itoa(10000000000 + i)); lag < time.Millisecond {
				t.Fatalf("wall %d: lag %v, want at least the 2 ms slept", wall, lag)
			}
		}
		if got, want := f.Pending(), []int{1000, 1000, 0}[wall]; got != want {
			t.Errorf("after wall %d: %d remembered, want %d", wall, got, want)
		}
	}
	// A wall has it first: lag 0, counted once when its 201 arrives.
	if lag := f.sighted("26120000001"); lag != 0 {
		t.Errorf("seen before its 201: lag %v, want 0", lag)
	}
	f.Note("26120000001")
	f.sighted("26120000001")
	f.sighted("26120000001")
	if f.Count() != 1001 || f.Pending() != 0 {
		t.Errorf("count %d, remembered %d; want 1001 and 0", f.Count(), f.Pending())
	}
	// Without walls, every filing is kept (counted once each).
	var g Filed
	g.Note("26120000002")
	g.Note("26120000002")
	if g.Count() != 1 || g.Pending() != 1 {
		t.Errorf("without walls: count %d, remembered %d; want 1 and 1", g.Count(), g.Pending())
	}
}
