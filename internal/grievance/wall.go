package grievance

import (
	"context"
	"time"
)

// WallStats is what the control room's live wall shows at a moment.
type WallStats struct {
	At          time.Time
	Today       map[Channel]int // complaints registered since local midnight, by channel
	LastHour    int             // registered in the last hour
	Open        map[Status]int  // open complaints by status
	Ages        [4]int          // open complaints by age: 0-7, 8-15, 16-30, over 30 days
	Overdue     int             // open, not on hold, past the deadline
	Escalated   int             // open and escalated at least once
	Departments []Pendency      // by open complaints, most first
	AreasToday  map[string]int  // today's complaints by area, for the heat grid
	PointsToday []Point         // today's complaints with a location, at most 1,000
	Recent      []Change        // the latest changes, newest first
}

// Pendency is a department's open and overdue complaints.
type Pendency struct {
	Department    string
	Open, Overdue int
}

// WallService computes the live wall's figures.
type WallService interface {
	// Wall returns the figures at now; day starts the local day.
	Wall(ctx context.Context, now, day time.Time) (WallStats, error)
}
