package grievance

import (
	"reflect"
	"testing"
	"time"
)

// TestTallyInTime covers what the store's conformance scenario does not:
// a report while on hold, and a report whose deadline was not recorded.
func TestTallyInTime(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	due := at(10)
	tests := []struct {
		name    string
		history []ScoreEvent
		inTime  int
	}{
		{"before the deadline", []ScoreEvent{
			{At: at(0), Kind: ActFile, AssigneeID: 7, Department: "pwd", Due: due},
			{At: at(9), Kind: ActReport, AssigneeID: 7, Department: "pwd", Due: due},
		}, 1},
		{"after the deadline", []ScoreEvent{
			{At: at(0), Kind: ActFile, AssigneeID: 7, Department: "pwd", Due: due},
			{At: at(11), Kind: ActReport, AssigneeID: 7, Department: "pwd", Due: due},
		}, 0},
		{"on hold: the clock stands still", []ScoreEvent{
			{At: at(0), Kind: ActFile, AssigneeID: 7, Department: "pwd", Due: due},
			{At: at(8), Kind: ActHold, AssigneeID: 7, Department: "pwd", Due: due},
			{At: at(11), Kind: ActReport, AssigneeID: 7, Department: "pwd", Due: due}, // 2h left when held
		}, 1},
		{"released: the deadline moved", []ScoreEvent{
			{At: at(0), Kind: ActFile, AssigneeID: 7, Department: "pwd", Due: due},
			{At: at(8), Kind: ActHold, AssigneeID: 7, Department: "pwd", Due: due},
			{At: at(12), Kind: ActRelease, AssigneeID: 7, Department: "pwd", Due: at(14)},
			{At: at(15), Kind: ActReport, AssigneeID: 7, Department: "pwd", Due: at(14)},
		}, 0},
		{"deadline not recorded", []ScoreEvent{
			{At: at(0), Kind: ActFile, AssigneeID: 7, Department: "pwd"},
			{At: at(1), Kind: ActReport, AssigneeID: 7, Department: "pwd"},
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, by := range []ScoreBy{ScoreByOfficer, ScoreByDepartment, ScoreByArea} {
				tl := NewTally(by, t0, t0.AddDate(0, 1, 0))
				tl.Add(inArea("w1", tt.history))
				rows := tl.Rows()
				if len(rows) != 1 || rows[0].Resolved != 1 || rows[0].ResolvedInTime != tt.inTime {
					t.Errorf("by %s: %+v, want 1 resolved, %d in time", by, rows, tt.inTime)
				}
			}
		})
	}
}

// TestTallyForward: a forward is an arrival for the officer it goes to,
// not for the department; the resolution time runs from the forward.
func TestTallyForward(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	h := []ScoreEvent{
		{At: t0, Kind: ActFile, AssigneeID: 2, Department: "pwd", Due: t0.Add(72 * time.Hour)},
		{At: t0.Add(time.Hour), Kind: ActForward, AssigneeID: 1, Department: "pwd", Due: t0.Add(72 * time.Hour)},
		{At: t0.Add(3 * time.Hour), Kind: ActReport, AssigneeID: 1, Department: "pwd", Due: t0.Add(72 * time.Hour)},
	}
	tl := NewTally(ScoreByOfficer, t0, t0.AddDate(0, 1, 0))
	tl.Add(inArea("w1", h))
	want := []ScoreRow{
		{Key: "1", Received: 1, Resolved: 1, ResolvedInTime: 1, AvgResolution: 2 * time.Hour},
		{Key: "2", Received: 1},
	}
	if got := tl.Rows(); !reflect.DeepEqual(got, want) {
		t.Errorf("by officer:\n got %+v\nwant %+v", got, want)
	}
	tl = NewTally(ScoreByDepartment, t0, t0.AddDate(0, 1, 0))
	tl.Add(inArea("w1", h))
	want = []ScoreRow{{Key: "pwd", Received: 1, Resolved: 1, ResolvedInTime: 1, AvgResolution: 3 * time.Hour}}
	if got := tl.Rows(); !reflect.DeepEqual(got, want) {
		t.Errorf("by department:\n got %+v\nwant %+v", got, want)
	}
}

func TestCheckScorecard(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if err := CheckScorecard(ScoreByArea, t0, t0.AddDate(0, 1, 0)); err != nil {
		t.Errorf("valid: %v", err)
	}
	if err := CheckScorecard("ward", t0, t0); ErrorCode(err) != EInvalid || len(AsError(err).Fields) != 2 {
		t.Errorf("unknown unit and empty period: %v", err)
	}
}

// inArea returns h with every event in area.
func inArea(area string, h []ScoreEvent) []ScoreEvent {
	out := make([]ScoreEvent, len(h))
	for i, e := range h {
		e.Area = area
		out[i] = e
	}
	return out
}
