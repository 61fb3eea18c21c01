package retry

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	base, max := 5*time.Second, time.Hour
	tests := []struct {
		attempt     int
		floor, rnd  float64
		want        time.Duration
		description string
	}{
		{1, 0, 0.5, 2500 * time.Millisecond, "full jitter: half of the first bound"},
		{2, 0, 0.5, 5 * time.Second, "the bound doubles"},
		{3, 0, 0.5, 10 * time.Second, "and doubles again"},
		{1, 0, 0, 0, "full jitter may retry at once"},
		{20, 0, 0.5, 30 * time.Minute, "capped at max"},
		{1000, 0, 0.5, 30 * time.Minute, "no overflow"},
		{1 << 30, 0, 0.5, 30 * time.Minute, "no overflow, however many"},
		{10, 0, 0.5, 1280 * time.Second, "5 s · 2^9"},
		{0, 0, 0.5, 2500 * time.Millisecond, "attempt 0 is the first bound"},
		{1, 0.5, 0, 2500 * time.Millisecond, "equal jitter waits at least half the bound"},
		{3, 0.5, 0.5, 15 * time.Second, "three quarters of 20 s"},
		{1, 0, -1, 0, "negative share clamped"},
		{1, -3, 0, 0, "negative floor clamped"},
	}
	for _, tt := range tests {
		if got := Delay(tt.attempt, base, max, tt.floor, tt.rnd); got != tt.want {
			t.Errorf("%s: Delay(%d, floor %v, rnd %v) = %s, want %s", tt.description, tt.attempt, tt.floor, tt.rnd, got, tt.want)
		}
	}
	for attempt := 1; attempt < 70; attempt++ {
		for _, floor := range []float64{0, 0.5} {
			bound := max
			if attempt < 11 {
				bound = base << (attempt - 1)
			}
			if got := Delay(attempt, base, max, floor, 1); got > bound || got < bound*99/100 {
				t.Errorf("Delay(%d, floor %v, rnd 1) = %s, want just under %s", attempt, floor, got, bound)
			}
		}
	}
}
