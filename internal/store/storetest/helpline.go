package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// HelplineHarness is a store under the helpline's conformance suite.
type HelplineHarness interface {
	grievance.UserService
	grievance.HelplineService
	grievance.RecordingService
	grievance.AuditService
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
	t.Run("AdminIssuePhoneAccount", func(t *testing.T) {
		adminActor := grievance.Actor{UserID: a2, Login: "boss", Roles: []grievance.Role{grievance.RoleAdmin}}
		audit := func() []grievance.AuditEntry {
			t.Helper()
			es, err := h.Audit(ctx, grievance.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return es
		}
		noSecret := func(es []grievance.AuditEntry, secrets ...string) {
			t.Helper()
			for _, e := range es {
				for _, x := range secrets {
					if strings.Contains(e.Before, x) || strings.Contains(e.After, x) {
						t.Errorf("audit entry %+v holds the secret %q", e, x)
					}
				}
			}
		}
		a3 := mk("agent3")
		in := grievance.SIPAgent{UserID: a3, SIPUser: "desk3", HA1: "ha1-secret-one", Languages: []grievance.Lang{grievance.Hindi},
			Helplines: []string{"district"}}
		clerk := grievance.Actor{UserID: a1, Login: "agent1", Roles: []grievance.Role{grievance.RoleAgent}}
		if err := h.AdminIssuePhoneAccount(ctx, clerk, nil, in); grievance.ErrorCode(err) != grievance.EForbidden {
			t.Errorf("an agent issues a phone account: %v, want forbidden", err)
		}
		if _, err := h.SIPAgent(ctx, "desk3"); grievance.ErrorCode(err) != grievance.ENotFound || len(audit()) != 0 {
			t.Fatalf("refused issue changed something: %v, audit %+v", err, audit())
		}
		if err := h.AdminIssuePhoneAccount(ctx, adminActor, nil, in); err != nil {
			t.Fatal(err)
		}
		es := audit()
		if len(es) != 1 || es[0].Entity != grievance.AuditPhoneAccount || es[0].Action != grievance.AuditCreate || es[0].EntityKey != "desk3" ||
			es[0].ActorLogin != "boss" || es[0].Before != "" || !strings.Contains(es[0].After, `"SIPUser":"desk3"`) ||
			!strings.Contains(es[0].After, `"Login":"agent3"`) || !es[0].At.Equal(clock.Now().Truncate(time.Millisecond)) {
			t.Fatalf("issue audited as %+v", es)
		}
		// Renewed with another secret and languages: before and after.
		in.HA1, in.Languages = "ha1-secret-two", []grievance.Lang{grievance.Hindi, grievance.English}
		if err := h.AdminIssuePhoneAccount(ctx, adminActor, nil, in); err != nil {
			t.Fatal(err)
		}
		es = audit()
		if len(es) != 2 || es[0].Action != grievance.AuditRenew || !strings.Contains(es[0].Before, `"Languages":["hi"]`) ||
			!strings.Contains(es[0].After, `"Languages":["hi","en"]`) {
			t.Errorf("renewal audited as %+v", es[0])
		}
		if got, _ := h.SIPAgent(ctx, "desk3"); got == nil || got.HA1 != "ha1-secret-two" {
			t.Errorf("renewed account: %+v", got)
		}
		// A new agent: the account and the phone account in one change.
		nu := &grievance.User{Login: "Agent9", Name: "Agent Nine", Roles: []grievance.Role{grievance.RoleAgent}, PasswordHash: "hash-secret"}
		if err := h.AdminIssuePhoneAccount(ctx, adminActor, nu, grievance.SIPAgent{SIPUser: "agent9", HA1: "ha1-secret-three"}); err != nil {
			t.Fatal(err)
		}
		if u, err := h.UserByLogin(ctx, "agent9"); err != nil || u.ID != nu.ID || nu.ID == 0 {
			t.Fatalf("new agent: %+v %v (given ID %d)", u, err, nu.ID)
		}
		if got, err := h.SIPAgent(ctx, "agent9"); err != nil || got.UserID != nu.ID {
			t.Errorf("new agent's phone account: %+v %v", got, err)
		}
		es = audit()
		if len(es) != 4 || es[1].Entity != grievance.AuditUser || es[1].Action != grievance.AuditCreate || es[1].EntityKey != "agent9" ||
			es[0].Entity != grievance.AuditPhoneAccount || es[0].EntityKey != "agent9" {
			t.Errorf("new agent audited as %+v", es)
		}
		// A taken SIP name: neither the account nor an entry is made.
		nu2 := &grievance.User{Login: "agent10", Name: "Agent Ten", Roles: []grievance.Role{grievance.RoleAgent}, PasswordHash: "x"}
		if err := h.AdminIssuePhoneAccount(ctx, adminActor, nu2, grievance.SIPAgent{SIPUser: "desk3", HA1: "x"}); grievance.ErrorCode(err) != grievance.EConflict {
			t.Errorf("taken SIP name: %v, want conflict", err)
		}
		if _, err := h.UserByLogin(ctx, "agent10"); grievance.ErrorCode(err) != grievance.ENotFound {
			t.Errorf("account of a refused agent: %v, want none", err)
		}
		if err := h.AdminIssuePhoneAccount(ctx, adminActor, &grievance.User{Login: "agent3", Name: "again"}, grievance.SIPAgent{SIPUser: "x3", HA1: "x"}); grievance.ErrorCode(err) != grievance.EConflict {
			t.Errorf("taken login: %v, want conflict", err)
		}
		if err := h.AdminIssuePhoneAccount(ctx, adminActor, nil, grievance.SIPAgent{UserID: 9999, SIPUser: "ghost", HA1: "x"}); grievance.ErrorCode(err) != grievance.ENotFound {
			t.Errorf("unknown user: %v, want not found", err)
		}
		es = audit()
		if len(es) != 4 {
			t.Errorf("refused changes audited: %+v", es[:len(es)-4])
		}
		noSecret(es, "ha1-secret", "hash-secret")
	})
}
