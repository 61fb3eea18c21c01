package storetest

import (
	"context"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// HelplineHarness is a store under the helpline's conformance suite.
type HelplineHarness interface {
	grievance.UserService
	grievance.HelplineService
	grievance.RecordingService
}

// RunHelpline runs the helpline's part of the suite: phone accounts and
// their lockout, status transitions, call records with legs, call-backs,
// recording playbacks and retention. open returns a new, empty store
// whose clock is now (it is a separate suite so that a dialect can adopt
// it when its helpline store exists).
func RunHelpline(t *testing.T, open func(t *testing.T, now func() time.Time) HelplineHarness) {
	clock := &Clock{t: Start}
	h := open(t, clock.Now)
	ctx := context.Background()
	mk := func(login string) int64 {
		u := &grievance.User{Login: login, Name: login, Roles: []grievance.Role{grievance.RoleAgent}, Language: grievance.Hindi}
		if err := h.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	a1, a2 := mk("agent1"), mk("agent2")

	t.Run("SIPAgents", func(t *testing.T) {
		in := grievance.SIPAgent{UserID: a1, SIPUser: "Agent1", HA1: "h1", Languages: []grievance.Lang{grievance.Hindi, grievance.English},
			Helplines: []string{"district", "visitors"}}
		if err := h.SetSIPAgent(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := h.SIPAgent(ctx, "AGENT1")
		if err != nil || got.UserID != a1 || got.SIPUser != "agent1" || got.HA1 != "h1" || got.Login != "agent1" ||
			len(got.Languages) != 2 || got.Helplines[1] != "visitors" {
			t.Fatalf("SIPAgent: %+v %v", got, err)
		}
		if err := h.SetSIPAgent(ctx, grievance.SIPAgent{UserID: a2, SIPUser: "agent1", HA1: "x"}); grievance.ErrorCode(err) != grievance.EConflict {
			t.Errorf("another user's SIP name: %v, want conflict", err)
		}
		if err := h.SetSIPAgent(ctx, grievance.SIPAgent{UserID: 9999, SIPUser: "ghost", HA1: "x"}); grievance.ErrorCode(err) != grievance.ENotFound {
			t.Errorf("unknown user: %v, want not found", err)
		}
		if _, err := h.SIPAgent(ctx, "nobody"); grievance.ErrorCode(err) != grievance.ENotFound {
			t.Errorf("unknown SIP user: %v", err)
		}
		lock := clock.Now().Add(15 * time.Minute)
		for i := 1; i <= 3; i++ {
			n, err := h.SIPAuthFailed(ctx, "agent1", 3, lock)
			if err != nil || n != i {
				t.Fatalf("failure %d: %d %v", i, n, err)
			}
		}
		got, _ = h.SIPAgent(ctx, "agent1")
		if got.Failures != 3 || !got.LockedUntil.Equal(lock) {
			t.Errorf("after 3 failures: %+v", got)
		}
		if n, err := h.SIPAuthFailed(ctx, "nobody", 3, lock); n != 0 || err != nil {
			t.Errorf("unknown user counts: %d %v", n, err)
		}
		if err := h.SIPAuthSucceeded(ctx, "agent1"); err != nil {
			t.Fatal(err)
		}
		got, _ = h.SIPAgent(ctx, "agent1")
		if got.Failures != 0 || !got.LockedUntil.IsZero() {
			t.Errorf("after success: %+v", got)
		}
		// Reissuing replaces the secret and clears a lock.
		h.SIPAuthFailed(ctx, "agent1", 1, lock)
		in.HA1 = "h2"
		if err := h.SetSIPAgent(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, _ = h.SIPAgent(ctx, "agent1")
		if got.HA1 != "h2" || !got.LockedUntil.IsZero() {
			t.Errorf("reissued: %+v", got)
		}
		all, err := h.SIPAgents(ctx)
		if err != nil || len(all) != 1 {
			t.Errorf("SIPAgents: %+v %v", all, err)
		}
	})

	t.Run("Transitions", func(t *testing.T) {
		t0 := clock.Now()
		for i, st := range []grievance.AgentStatus{grievance.AgentAvailable, grievance.AgentRinging, grievance.AgentBreak} {
			reason := ""
			if st == grievance.AgentBreak {
				reason = grievance.BreakRingNoAnswer
			}
			if err := h.AgentTransitioned(ctx, grievance.AgentTransition{UserID: a1, From: grievance.AgentOffline, To: st, Reason: reason,
				At: t0.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
		}
		ts, err := h.AgentTransitions(ctx, a1, t0.Add(time.Second))
		if err != nil || len(ts) != 2 || ts[0].To != grievance.AgentRinging || ts[1].Reason != grievance.BreakRingNoAnswer ||
			!ts[1].At.Equal(t0.Add(2*time.Second)) {
			t.Errorf("transitions since t0+1s: %+v %v", ts, err)
		}
	})

	t.Run("Calls", func(t *testing.T) {
		t0 := clock.Now().Truncate(time.Millisecond)
		c := &grievance.CallRecord{SIPCallID: "abc", Direction: "in", Helpline: "district", DID: "1076", Caller: "9876543210",
			Language: grievance.English, Arrived: t0, Queued: t0.Add(5 * time.Second), Answered: t0.Add(12 * time.Second),
			Ended: t0.Add(2 * time.Minute), HungUpBy: "caller", Outcome: "answered", AgentID: a1, RecordingKey: "k1",
			RecordingSHA: "s1", RecordingSize: 44,
			Legs: []grievance.CallLeg{{Role: "caller", Party: "9876543210", Offered: t0, Answered: t0},
				{Role: "agent", Party: "agent2", UserID: a2, Offered: t0.Add(5 * time.Second), Ended: t0.Add(8 * time.Second), Result: "no_answer"},
				{Role: "agent", Party: "agent1", UserID: a1, Offered: t0.Add(8 * time.Second), Answered: t0.Add(12 * time.Second), Result: "answered"}}}
		if err := h.SaveCall(ctx, c); err != nil || c.ID == 0 {
			t.Fatalf("SaveCall: %v id %d", err, c.ID)
		}
		got, err := h.Call(ctx, c.ID)
		if err != nil || got.Caller != c.Caller || got.Language != grievance.English || !got.Answered.Equal(c.Answered) ||
			got.Wait() != 7*time.Second || got.Talk() != 108*time.Second || len(got.Legs) != 3 || got.Legs[1].Result != "no_answer" ||
			got.Legs[2].UserID != a1 || !got.Legs[0].Ended.IsZero() {
			t.Fatalf("Call: %+v %v", got, err)
		}
		if err := h.LinkCallComplaint(ctx, c.ID, "26120000001"); err != nil {
			t.Fatal(err)
		}
		if err := h.LinkCallComplaint(ctx, 999999, "x"); grievance.ErrorCode(err) != grievance.ENotFound {
			t.Errorf("link unknown call: %v", err)
		}
		miss := &grievance.CallRecord{SIPCallID: "m", Direction: "in", Helpline: "district", DID: "1078", Caller: "9111111111",
			Arrived: t0.Add(time.Minute), Ended: t0.Add(time.Minute), Outcome: "missed_call"}
		if err := h.SaveCall(ctx, miss); err != nil {
			t.Fatal(err)
		}
		list, err := h.Calls(ctx, t0, t0.Add(time.Hour), 10)
		if err != nil || len(list) != 2 || list[0].ID != miss.ID || list[1].Complaint != "26120000001" {
			t.Errorf("Calls newest first: %+v %v", list, err)
		}
		if _, err := h.Call(ctx, 999999); grievance.ErrorCode(err) != grievance.ENotFound {
			t.Errorf("unknown call: %v", err)
		}

		// Playbacks and retention.
		if err := h.LogRecordingPlay(ctx, grievance.RecordingPlay{CallID: c.ID, UserID: a2, At: t0, Bytes: "bytes=0-99"}); err != nil {
			t.Fatal(err)
		}
		plays, err := h.RecordingPlays(ctx, c.ID)
		if err != nil || len(plays) != 1 || plays[0].Bytes != "bytes=0-99" || plays[0].UserID != a2 {
			t.Errorf("plays: %+v %v", plays, err)
		}
		if keys, err := h.ExpireRecordings(ctx, t0, 10); err != nil || len(keys) != 0 {
			t.Errorf("nothing arrived before t0: %v %v", keys, err)
		}
		keys, err := h.ExpireRecordings(ctx, t0.Add(time.Second), 10)
		if err != nil || len(keys) != 1 || keys[0] != "k1" {
			t.Errorf("expire: %v %v", keys, err)
		}
		got, _ = h.Call(ctx, c.ID)
		if got.RecordingKey != "" || got.RecordingSHA != "s1" {
			t.Errorf("after retention: key %q sha %q", got.RecordingKey, got.RecordingSHA)
		}

		day, err := h.HelplineDay(ctx, t0)
		if err != nil || day.Answered != 1 || day.Abandoned != 0 {
			t.Errorf("HelplineDay: %+v %v", day, err)
		}
	})

	t.Run("Callbacks", func(t *testing.T) {
		r1 := &grievance.CallbackRequest{Number: "9111111111", Helpline: "district", At: clock.Now()}
		r2 := &grievance.CallbackRequest{Number: "9222222222", Helpline: "visitors", At: clock.Now().Add(time.Second)}
		for _, r := range []*grievance.CallbackRequest{r2, r1} {
			if err := h.AddCallback(ctx, r); err != nil || r.ID == 0 {
				t.Fatal(err)
			}
		}
		cbs, err := h.Callbacks(ctx, 10)
		if err != nil || len(cbs) != 2 || cbs[0].Number != "9111111111" {
			t.Fatalf("oldest first: %+v %v", cbs, err)
		}
		if err := h.CallbackDone(ctx, r1.ID, a1, 0); err != nil {
			t.Fatal(err)
		}
		if err := h.CallbackDone(ctx, r1.ID, a1, 0); grievance.ErrorCode(err) != grievance.ENotFound {
			t.Errorf("done twice: %v", err)
		}
		cbs, _ = h.Callbacks(ctx, 10)
		if len(cbs) != 1 || cbs[0].ID != r2.ID {
			t.Errorf("after one done: %+v", cbs)
		}
		day, _ := h.HelplineDay(ctx, clock.Now().Add(-time.Hour))
		if day.Missed != 2 {
			t.Errorf("missed today: %d, want 2", day.Missed)
		}
	})
}
