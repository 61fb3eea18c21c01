package grievance

import (
	"testing"
	"time"
)

func TestCallReport(t *testing.T) {
	loc := time.UTC
	day := time.Date(2026, 12, 4, 0, 0, 0, 0, loc)
	at := func(h, m, s int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	calls := []CallRecord{
		{Direction: "in", Arrived: at(10, 0, 0), Queued: at(10, 0, 10), Answered: at(10, 0, 25), Ended: at(10, 4, 25), Outcome: "answered", AgentID: 1},
		{Direction: "in", Arrived: at(10, 30, 0), Queued: at(10, 30, 10), Answered: at(10, 31, 10), Ended: at(10, 33, 10), Outcome: "answered", AgentID: 1},
		{Direction: "in", Arrived: at(11, 0, 0), Queued: at(11, 0, 5), Ended: at(11, 1, 0), Outcome: "abandoned"},
		{Direction: "in", Arrived: at(11, 5, 0), Ended: at(11, 5, 0), Outcome: "missed_call"},
		{Direction: "in", Arrived: day.Add(-time.Hour), Ended: day, Outcome: "answered", AgentID: 1}, // yesterday
		{Direction: "out", Arrived: at(12, 0, 0), Ended: at(12, 1, 0), Outcome: "feedback"},
	}
	trans := map[int64][]AgentTransition{1: {
		{To: AgentAvailable, At: day.Add(-2 * time.Hour)}, // since before the day: counted from midnight
		{To: AgentOnCall, At: at(10, 0, 25)},
		{To: AgentAvailable, At: at(10, 4, 25)},
		{To: AgentBreak, At: at(12, 0, 0), Reason: BreakTea},
		{To: AgentOffline, At: at(12, 30, 0)},
	}}
	r := NewCallReport(calls, trans, day, day.AddDate(0, 0, 1), loc)
	if r.Calls != 4 || r.Answered != 2 || r.Abandoned != 1 || r.Missed != 1 || r.AnsweredIn20s != 1 {
		t.Errorf("counts %+v", r)
	}
	if r.PerHour[10] != 2 || r.PerHour[11] != 2 || r.PerHour[12] != 0 {
		t.Errorf("per hour %v", r.PerHour)
	}
	if len(r.Agents) != 1 {
		t.Fatalf("agents %+v", r.Agents)
	}
	a := r.Agents[0]
	if a.Calls != 2 || a.Handling != 3*time.Minute {
		t.Errorf("agent calls %d handling %s, want 2 and 3m (4m and 2m)", a.Calls, a.Handling)
	}
	want := map[AgentStatus]time.Duration{
		AgentAvailable: 10*time.Hour + 25*time.Second + (12*time.Hour - (10*time.Hour + 4*time.Minute + 25*time.Second)),
		AgentOnCall:    4 * time.Minute, AgentBreak: 30 * time.Minute, AgentOffline: 11*time.Hour + 30*time.Minute,
	}
	for st, d := range want {
		if a.InStatus[st] != d {
			t.Errorf("%s: %s, want %s", st, a.InStatus[st], d)
		}
	}
}
