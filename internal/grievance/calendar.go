package grievance

import "time"

// Calendar is the district's business calendar: weekly days off and listed
// holidays, in the district's time zone.
type Calendar struct {
	Loc      *time.Location
	Off      []time.Weekday  // weekly days off; Sunday by default
	Holidays map[string]bool // dates "2006-01-02" in Loc
}

// NewCalendar returns a calendar in loc with Sundays off and the holidays.
func NewCalendar(loc *time.Location, holidays []Holiday) *Calendar {
	c := &Calendar{Loc: loc, Off: []time.Weekday{time.Sunday}, Holidays: map[string]bool{}}
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
	return !c.Holidays[t.Format(time.DateOnly)]
}

// DueAfter returns the end (last second) of the n-th working day after the
// day of start: a complaint filed on any day with a resolution time of n
// working days is due by the close of the n-th working day that follows.
func (c *Calendar) DueAfter(start time.Time, n int) time.Time {
	if n < 1 {
		n = 1
	}
	s := start.In(c.Loc)
	day := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, c.Loc)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.Working(day) {
			n--
		}
	}
	return day.AddDate(0, 0, 1).Add(-time.Second)
}
