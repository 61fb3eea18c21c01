package grievance_test

import (
	"strconv"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

func TestNewNumberShape(t *testing.T) {
	ist := MustKolkata(t)
	tests := []struct {
		name   string
		now    time.Time
		prefix string
	}{
		{"March 2026", time.Date(2026, 3, 15, 10, 0, 0, 0, ist), "2603"},
		{"January", time.Date(2026, 1, 1, 0, 0, 0, 0, ist), "2601"},
		{"December 2030", time.Date(2030, 12, 31, 23, 59, 59, 0, ist), "3012"},
		{"year 2000", time.Date(2000, 7, 1, 0, 0, 0, 0, time.UTC), "0007"},
		// The prefix is taken in the location of the time given: the caller
		// passes the district's local time. The same instant in UTC is still March.
		{"1 April 00:30 IST", time.Date(2026, 4, 1, 0, 30, 0, 0, ist), "2604"},
		{"the same instant in UTC", time.Date(2026, 4, 1, 0, 30, 0, 0, ist).UTC(), "2603"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 {
				n := grievance.NewNumber(tt.now)
				if len(n) != 11 || n[:4] != tt.prefix || !grievance.ValidNumber(n) {
					t.Fatalf("NewNumber(%s) = %q; want 11 digits starting %q", tt.now, n, tt.prefix)
				}
				if _, err := strconv.ParseUint(n, 10, 64); err != nil {
					t.Fatalf("NewNumber = %q: not all digits: %v", n, err)
				}
			}
		})
	}
}

func TestNewNumberRandom(t *testing.T) {
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	const n = 10_000
	seen := make(map[string]bool, n)
	nums := make([]int, n)
	collisions, leadingZero := 0, 0
	for i := range n {
		s := grievance.NewNumber(now)
		if seen[s] {
			collisions++
		}
		seen[s] = true
		if s[4] == '0' {
			leadingZero++
		}
		v, err := strconv.Atoi(s[4:])
		if err != nil || len(s) != 11 {
			t.Fatalf("NewNumber = %q; want 11 digits", s)
		}
		nums[i] = v
	}
	// Birthday bound: n numbers drawn uniformly from N = 10^7 suffixes give
	// about n(n-1)/2N ≈ 10^8/(2·10^7) = 5 colliding pairs on average (a
	// Poisson variable with mean 5). 30 or more happens with probability
	// below 10^-12, so a failure means the suffix space is much smaller than
	// claimed or the generator is not uniform. The store retries on a clash.
	if collisions >= 30 {
		t.Errorf("%d collisions in %d numbers; want < 30 (about 5 expected)", collisions, n)
	}
	// Not sequential: a counter would make every step +1; random suffixes make
	// a +1 step a one-in-10^7 event and leave rises and falls about even.
	steps, rises := 0, 0
	for i := 1; i < n; i++ {
		if nums[i] == nums[i-1]+1 {
			steps++
		}
		if nums[i] > nums[i-1] {
			rises++
		}
	}
	if steps > 2 {
		t.Errorf("%d of %d consecutive numbers differ by one; want about none", steps, n-1)
	}
	// Rises follow Binomial(9999, 1/2): standard deviation 50, so 4000–6000 is ±20σ.
	if rises < 4000 || rises > 6000 {
		t.Errorf("%d of %d consecutive numbers rise; want about half", rises, n-1)
	}
	// One suffix in ten is below 10^6 and must be zero-padded to keep 11 digits.
	if leadingZero == 0 {
		t.Errorf("no suffix with a leading zero in %d numbers; want about %d", n, n/10)
	}
}

func TestValidNumber(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"26031234567", true},
		{"00000000000", true},
		{"2603123456", false},   // 10 digits
		{"260312345678", false}, // 12 digits
		{"2603-123456", false},
		{"2603123456a", false},
		{" 2603123456", false},
		{"२६०३१२३४५६७", false}, // Devanagari digits
		{"260312345६", false},  // 9 ASCII + one 3-byte digit: 12 bytes
		{"26031234५", false},   // 8 ASCII + one 3-byte digit: 11 bytes
		{"", false},
	}
	for _, tt := range tests {
		if got := grievance.ValidNumber(tt.in); got != tt.want {
			t.Errorf("ValidNumber(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}
