package grievance_test

import (
	"testing"
	"time"

	"nivaran/internal/grievance"
)

func TestAddWorkingHours(t *testing.T) {
	ist, _ := time.LoadLocation("Asia/Kolkata")
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, ist) }
	cal := grievance.NewCalendar(ist, []grievance.Holiday{{Date: "2026-12-25"}})
	cal.SaturdaysOff = []int{2}
	tests := []struct {
		name  string
		start time.Time
		hours int
		want  time.Time
	}{
		{"within the day", at(7, 11, 0), 2, at(7, 13, 0)},                         // Monday
		{"to closing exactly", at(7, 10, 0), 8, at(7, 18, 0)},                     // a full office day
		{"over the night", at(7, 16, 0), 4, at(8, 12, 0)},                         // Mon 16:00 + 4h = Tue 12:00
		{"filed before opening", at(7, 6, 30), 1, at(7, 11, 0)},                   // counts from 10:00
		{"filed after closing", at(7, 20, 0), 1, at(8, 11, 0)},                    // counts from Tuesday 10:00
		{"second Saturday off", at(11, 16, 0), 4, at(14, 12, 0)},                  // Fri 11th → Mon 14th (12th is the 2nd Saturday, 13th Sunday)
		{"first Saturday works", at(4, 16, 0), 4, at(5, 12, 0)},                   // Fri 4th → Sat 5th
		{"over a holiday", at(24, 16, 0), 4, at(26, 12, 0)},                       // Thu 24th → Sat 26th (25th Christmas; 26th the 4th Saturday, working)
		{"filed on Sunday", at(6, 12, 0), 3, at(7, 13, 0)},                        // Sunday → Monday 13:00
		{"a week of hours", at(7, 10, 0), 40, at(11, 18, 0)},                      // Mon-Fri
		{"48 hours across the second Saturday", at(10, 10, 0), 48, at(17, 18, 0)}, // Thu 10th: 10,11,(12 off),(13 Sun),14,15,16,17
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.AddWorkingHours(tt.start, tt.hours); !got.Equal(tt.want) {
				t.Errorf("AddWorkingHours(%v, %d) = %v, want %v", tt.start, tt.hours, got, tt.want)
			}
		})
	}
	// Days on the same calendar skip the second Saturday too.
	if got, want := cal.DueAfter(at(11, 12, 0), 1), at(14, 23, 59).Add(59*time.Second); !got.Equal(want) {
		t.Errorf("DueAfter(Fri 11th, 1) = %v, want Monday end of day %v", got, want)
	}
}

func TestParseLadder(t *testing.T) {
	l, err := grievance.ParseLadder(" 2d  36h 1d ")
	if err != nil || len(l) != 3 || l[0] != (grievance.Span{N: 2}) || l[1] != (grievance.Span{N: 36, Hours: true}) {
		t.Fatalf("ParseLadder = %v, %v", l, err)
	}
	if s := grievance.FormatLadder(l); s != "2d 36h 1d" {
		t.Errorf("FormatLadder = %q", s)
	}
	for _, bad := range []string{"2", "d", "0d", "-1d", "2w", "400d", "2001h", "3 d", "x3d"} {
		if _, err := grievance.ParseLadder(bad); err == nil {
			t.Errorf("ParseLadder(%q) accepted", bad)
		}
	}
	m := &grievance.Masters{Categories: []grievance.Category{{Code: "road", Escalation: l}}}
	m.Index()
	def := grievance.Span{N: 3}
	if got := m.LevelSpan("road", 3, def); got != l[1] {
		t.Errorf("level 3 = %v", got)
	}
	if got := m.LevelSpan("road", 5, def); got != def {
		t.Errorf("level beyond the ladder = %v, want the default", got)
	}
	if got := m.LevelSpan("nope", 2, def); got != def {
		t.Errorf("unknown category = %v", got)
	}
}
