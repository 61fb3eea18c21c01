package grievance

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Calendar is the district's business calendar: weekly days off, the
// Saturdays of the month that are off (second, or second and fourth, in many
// states), listed holidays, and office hours, in the district's time zone.
type Calendar struct {
	Loc          *time.Location
	Off          []time.Weekday  // weekly days off; Sunday by default
	SaturdaysOff []int           // which Saturdays of a month are off, e.g. [2] or [2 4]
	Holidays     map[string]bool // dates "2006-01-02" in Loc
	WorkStart    time.Duration   // office opens, after midnight; 10:00 by default
	WorkEnd      time.Duration   // office closes; 18:00 by default
}

// NewCalendar returns a calendar in loc with Sundays off, office hours
// 10:00 to 18:00, and the holidays.
func NewCalendar(loc *time.Location, holidays []Holiday) *Calendar {
	c := &Calendar{Loc: loc, Off: []time.Weekday{time.Sunday}, Holidays: map[string]bool{},
		WorkStart: 10 * time.Hour, WorkEnd: 18 * time.Hour}
	for _, h := range holidays {
		c.Holidays[h.Date] = true
	}
	return c
}

// Working reports whether the day containing t is a working day.
func (c *Calendar) Working(t time.Time) bool {
	t = t.In(c.Loc)
	for _, d := range c.Off {
		if t.Weekday() == d {
			return false
		}
	}
	if t.Weekday() == time.Saturday {
		nth := (t.Day()-1)/7 + 1
		for _, n := range c.SaturdaysOff {
			if n == nth {
				return false
			}
		}
	}
	return !c.Holidays[t.Format(time.DateOnly)]
}

// DueAfter returns the end (last second) of the n-th working day after the
// day of start: a complaint filed on any day with a resolution time of n
// working days is due by the close of the n-th working day that follows.
func (c *Calendar) DueAfter(start time.Time, n int) time.Time {
	if n < 1 {
		n = 1
	}
	day := c.midnight(start)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.Working(day) {
			n--
		}
	}
	return day.AddDate(0, 0, 1).Add(-time.Second)
}

func (c *Calendar) midnight(t time.Time) time.Time {
	t = t.In(c.Loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.Loc)
}

// AddWorkingHours returns the moment when h office hours have passed after
// start, counting only office hours of working days: 4 working hours from
// 16:00 on a Friday are 12:00 on the Monday (Saturday a working day or not,
// as the calendar says).
func (c *Calendar) AddWorkingHours(start time.Time, h int) time.Time {
	left := time.Duration(h) * time.Hour
	t := start.In(c.Loc)
	for {
		day := c.midnight(t)
		open, close := day.Add(c.WorkStart), day.Add(c.WorkEnd)
		if !c.Working(day) || !t.Before(close) {
			t = day.AddDate(0, 0, 1)
			continue
		}
		if t.Before(open) {
			t = open
		}
		if avail := close.Sub(t); left <= avail {
			return t.Add(left)
		} else {
			left -= avail
			t = day.AddDate(0, 0, 1)
		}
	}
}

// Add returns the deadline s after start: working days or office hours.
func (c *Calendar) Add(start time.Time, s Span) time.Time {
	if s.Hours {
		return c.AddWorkingHours(start, s.N)
	}
	return c.DueAfter(start, s.N)
}

// Span is a time allowed at a level of the ladder: N working days, or N
// office hours.
type Span struct {
	N     int
	Hours bool
}

// String gives "3d" or "36h".
func (s Span) String() string {
	if s.Hours {
		return strconv.Itoa(s.N) + "h"
	}
	return strconv.Itoa(s.N) + "d"
}

// ParseSpan reads "3d" (working days, 1-365) or "36h" (office hours, 1-2000).
func ParseSpan(v string) (Span, error) {
	v = strings.TrimSpace(v)
	if len(v) < 2 {
		return Span{}, fmt.Errorf("want a time like 3d or 36h, got %q", v)
	}
	n, err := strconv.Atoi(v[:len(v)-1])
	switch {
	case err != nil || n < 1:
		return Span{}, fmt.Errorf("want a time like 3d or 36h, got %q", v)
	case v[len(v)-1] == 'd' && n <= 365:
		return Span{N: n}, nil
	case v[len(v)-1] == 'h' && n <= 2000:
		return Span{N: n, Hours: true}, nil
	}
	return Span{}, fmt.Errorf("want a time like 3d (up to 365) or 36h (up to 2000), got %q", v)
}

// ParseLadder reads space-separated spans: the times of levels 2, 3, …
func ParseLadder(v string) ([]Span, error) {
	var out []Span
	for _, f := range strings.Fields(v) {
		s, err := ParseSpan(f)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// FormatLadder writes spans as ParseLadder reads them.
func FormatLadder(l []Span) string {
	parts := make([]string, len(l))
	for i, s := range l {
		parts[i] = s.String()
	}
	return strings.Join(parts, " ")
}
