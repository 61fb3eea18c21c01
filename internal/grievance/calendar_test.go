package grievance_test

import (
	"testing"
	"time"
	_ "time/tzdata" // Asia/Kolkata without depending on the host's zoneinfo

	"nivaran/internal/grievance"
)

// MustKolkata returns the Asia/Kolkata location (UTC+05:30, no daylight saving).
func MustKolkata(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatalf("load Asia/Kolkata: %v", err)
	}
	return loc
}

// testHolidays are 2026 gazetted holidays used below. Their weekdays:
// 26 Jan Monday, 4 Mar Wednesday, 15 Aug Saturday, 2 Oct Friday.
var testHolidays = []grievance.Holiday{
	{Date: "2026-01-26", Name: grievance.Text{En: "Republic Day"}},
	{Date: "2026-03-04", Name: grievance.Text{En: "Holi"}},
	{Date: "2026-08-15", Name: grievance.Text{En: "Independence Day"}},
	{Date: "2026-10-02", Name: grievance.Text{En: "Gandhi Jayanti"}},
}

func TestDueAfter(t *testing.T) {
	ist := MustKolkata(t)
	cal := grievance.NewCalendar(ist, testHolidays)
	at := func(y int, m time.Month, d, h, min int, loc *time.Location) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	// Every deadline is the last second of a day in IST, written out by hand.
	endIST := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 0, ist) }
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"Friday, 1 day: Saturday is a working day",
			at(2026, 3, 6, 11, 0, ist), 1, endIST(2026, 3, 7)},
		{"Saturday, 1 day: Sunday off, due Monday",
			at(2026, 3, 7, 10, 0, ist), 1, endIST(2026, 3, 9)},
		{"Saturday, 1 day: Sunday off and Monday a holiday, due Tuesday",
			at(2026, 1, 24, 12, 0, ist), 1, endIST(2026, 1, 27)},
		{"Friday, 3 days across a Sunday and a holiday",
			at(2026, 1, 23, 9, 30, ist), 3, endIST(2026, 1, 28)}, // Sat 24, Tue 27, Wed 28
		{"Friday, 5 days: a week and a day later",
			at(2026, 1, 23, 9, 30, ist), 5, endIST(2026, 1, 30)}, // Sat 24, Tue 27 … Fri 30
		{"filed on a holiday counts from the next day",
			at(2026, 3, 4, 9, 0, ist), 1, endIST(2026, 3, 5)},
		{"filed on a holiday, 2 days",
			at(2026, 3, 4, 9, 0, ist), 2, endIST(2026, 3, 6)},
		{"filed on a Sunday",
			at(2026, 3, 8, 9, 0, ist), 1, endIST(2026, 3, 9)},
		{"holiday eve (Thursday before a Friday holiday): due Saturday",
			at(2026, 10, 1, 17, 0, ist), 1, endIST(2026, 10, 3)},
		{"holiday eve (Friday before a Saturday holiday): due Monday",
			at(2026, 8, 14, 17, 0, ist), 1, endIST(2026, 8, 17)},
		{"the day before Holi, 1 day: due the day after Holi",
			at(2026, 3, 3, 16, 0, ist), 1, endIST(2026, 3, 5)},
		{"n=0 is treated as 1",
			at(2026, 3, 4, 9, 0, ist), 0, endIST(2026, 3, 5)},
		{"negative n is treated as 1",
			at(2026, 3, 6, 9, 0, ist), -3, endIST(2026, 3, 7)},
		{"late Friday night UTC is already Saturday in IST",
			at(2026, 3, 6, 20, 0, time.UTC), 1, endIST(2026, 3, 9)}, // 01:30 IST Saturday: due Monday, not Saturday
		{"18:29 UTC is still Friday in IST",
			at(2026, 3, 6, 18, 29, time.UTC), 1, endIST(2026, 3, 7)}, // 23:59 IST Friday
		{"midnight IST is the new day",
			at(2026, 3, 6, 18, 30, time.UTC), 1, endIST(2026, 3, 9)}, // 00:00 IST Saturday
		{"last second of the day",
			time.Date(2026, 3, 6, 23, 59, 59, 999, ist), 1, endIST(2026, 3, 7)},
		{"across a year end",
			at(2025, 12, 31, 10, 0, ist), 1, endIST(2026, 1, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.DueAfter(tt.start, tt.n)
			if !got.Equal(tt.want) {
				t.Errorf("DueAfter(%s, %d) = %s; want %s", tt.start, tt.n, got.In(ist), tt.want)
			}
		})
	}
	// 23:59:59 IST is 18:29:59 UTC: the deadline is an instant, not a wall clock.
	if got, want := cal.DueAfter(at(2026, 3, 7, 10, 0, ist), 1).UTC(), time.Date(2026, 3, 9, 18, 29, 59, 0, time.UTC); !got.Equal(want) {
		t.Errorf("due in UTC = %s; want %s", got, want)
	}
}

func TestDueAfterOtherWeeklyOff(t *testing.T) {
	ist := MustKolkata(t)
	cal := grievance.NewCalendar(ist, nil)
	cal.Off = []time.Weekday{time.Saturday, time.Sunday}
	got := cal.DueAfter(time.Date(2026, 3, 6, 11, 0, 0, 0, ist), 1) // Friday
	if want := time.Date(2026, 3, 9, 23, 59, 59, 0, ist); !got.Equal(want) {
		t.Errorf("five-day week, Friday + 1 = %s; want %s", got, want)
	}
}

func TestWorking(t *testing.T) {
	ist := MustKolkata(t)
	cal := grievance.NewCalendar(ist, testHolidays)
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"Monday", time.Date(2026, 3, 9, 12, 0, 0, 0, ist), true},
		{"Saturday", time.Date(2026, 3, 7, 12, 0, 0, 0, ist), true},
		{"Sunday", time.Date(2026, 3, 8, 12, 0, 0, 0, ist), false},
		{"holiday", time.Date(2026, 1, 26, 12, 0, 0, 0, ist), false},
		{"holiday on a Saturday", time.Date(2026, 8, 15, 0, 0, 0, 0, ist), false},
		{"Saturday 20:00 UTC is Sunday in IST", time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC), false},
		{"holiday eve 19:00 UTC is the holiday in IST", time.Date(2026, 3, 3, 19, 0, 0, 0, time.UTC), false},
		{"holiday 19:00 UTC is the next day in IST", time.Date(2026, 3, 4, 19, 0, 0, 0, time.UTC), true},
	}
	for _, tt := range tests {
		if got := cal.Working(tt.t); got != tt.want {
			t.Errorf("%s: Working(%s) = %v; want %v", tt.name, tt.t, got, tt.want)
		}
	}
}
