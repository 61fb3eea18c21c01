package telephony

import (
	"context"
	"testing"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo/sip"

	"nivaran/internal/grievance"
)

// answeringPhone registers user and answers every call with a tone of f Hz.
func answeringPhone(t *testing.T, r *rig, user string, f float64) (*phone, chan *diago.DialogServerSession) {
	t.Helper()
	calls := make(chan *diago.DialogServerSession, 4)
	p := newPhone(t, func(p *phone, d *diago.DialogServerSession) {
		med, err := d.Answer(diago.AnswerOptions{})
		if err != nil {
			return
		}
		l := newLeg(med)
		calls <- d
		p.talk(d.Context(), l, f, "", 0)
		med.Close()
		<-l.done
	})
	if err := p.register(r.srv, user, user+"pw", time.Minute); err != nil {
		t.Fatalf("%s register: %v", user, err)
	}
	return p, calls
}

// TestConferenceAndSupervision: citizen 440 Hz, agent 1000 Hz, officer
// 600 Hz, supervisor 300 Hz. Each phone's received audio shows exactly whom
// it hears in conference, listen, whisper and barge (switched mid-call),
// and the call goes on after the agent leaves the conference.
func TestConferenceAndSupervision(t *testing.T) {
	r := newRig(t, Config{WrapUp: -1, MenuTimeout: time.Second})
	for _, u := range []string{"agent1", "officer1", "sup1"} {
		var lines []string
		if u == "agent1" {
			lines = []string{"district"}
		}
		uid := r.agent(t, u, u+"pw", grievance.Hindi)
		if err := r.st.SetSIPAgent(context.Background(), grievance.SIPAgent{UserID: uid, SIPUser: u,
			HA1: HA1(u, "nivaran", u+"pw"), Languages: []grievance.Lang{grievance.Hindi}, Helplines: lines}); err != nil {
			t.Fatal(err)
		}
	}
	agentPh, agentCalls := answeringPhone(t, r, "agent1", 1000)
	officerPh, _ := answeringPhone(t, r, "officer1", 600)
	supPh, _ := answeringPhone(t, r, "sup1", 300)
	citizen := newPhone(t, nil)
	defer func() {
		r.srv.Close()
		for _, p := range []*phone{citizen, agentPh, officerPh, supPh} {
			p.close()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dst := sip.Uri{Scheme: "sip", User: "1076", Host: "127.0.0.1", Port: int(r.srv.Addr().Port())}
	d, med, err := citizen.dg.Invite(ctx, dst, diago.InviteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cl := newLeg(med)
	go citizen.talk(ctx, cl, 440, "1", 300*time.Millisecond)
	var agentDialog *diago.DialogServerSession
	select {
	case agentDialog = <-agentCalls:
	case <-time.After(10 * time.Second):
		t.Fatal("agent not offered the call")
	}
	var callID string
	waitFor(t, "the agent on the call", 3*time.Second, func() bool {
		for _, a := range r.srv.Live().Agents {
			if a.SIPUser == "agent1" && a.Status == grievance.AgentOnCall {
				callID = a.CallID
				return true
			}
		}
		return false
	})

	parties := map[string]*phone{"citizen": citizen, "agent": agentPh, "officer": officerPh, "supervisor": supPh}
	tones := map[string]float64{"citizen": 440, "agent": 1000, "officer": 600, "supervisor": 300}
	// check measures, over a window, which tones each listed party hears.
	check := func(stage string, want map[string][]string) {
		t.Helper()
		marks := map[string]int{}
		for n, p := range parties {
			marks[n] = p.heardLen()
		}
		time.Sleep(800 * time.Millisecond)
		for listener, heard := range want {
			got := parties[listener].heardSince(marks[listener] + 1600) // skip 200 ms of switching
			for speaker, f := range tones {
				if speaker == listener {
					continue
				}
				should := false
				for _, h := range heard {
					should = should || h == speaker
				}
				lvl := toneLevel(got, f)
				if (lvl > 0.003) != should {
					t.Errorf("%s: %s hears %s at %.4f, want heard=%v", stage, listener, speaker, lvl, should)
				}
			}
		}
	}

	if err := r.srv.Conference(ctx, callID, "officer1"); err != nil {
		t.Fatalf("conference: %v", err)
	}
	check("conference", map[string][]string{
		"citizen": {"agent", "officer"}, "agent": {"citizen", "officer"}, "officer": {"citizen", "agent"}})

	if err := r.srv.Supervise(ctx, callID, "sup1", grievance.SuperviseListen); err != nil {
		t.Fatalf("listen: %v", err)
	}
	check("listen", map[string][]string{
		"citizen": {"agent", "officer"}, "agent": {"citizen", "officer"}, "officer": {"citizen", "agent"},
		"supervisor": {"citizen", "agent", "officer"}})
	if err := r.srv.Supervise(ctx, callID, "sup1", grievance.SuperviseWhisper); err != nil {
		t.Fatalf("whisper: %v", err)
	}
	check("whisper", map[string][]string{
		"citizen": {"agent", "officer"}, "agent": {"citizen", "officer", "supervisor"}, "officer": {"citizen", "agent"},
		"supervisor": {"citizen", "agent", "officer"}})
	if err := r.srv.Supervise(ctx, callID, "sup1", grievance.SuperviseBarge); err != nil {
		t.Fatalf("barge: %v", err)
	}
	check("barge", map[string][]string{
		"citizen": {"agent", "officer", "supervisor"}, "agent": {"citizen", "officer", "supervisor"},
		"officer": {"citizen", "agent", "supervisor"}, "supervisor": {"citizen", "agent", "officer"}})
	if err := r.srv.Supervise(ctx, callID, "sup1", "shout"); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Errorf("unknown mode: %v, want invalid", err)
	}

	// The agent leaves: citizen, officer and supervisor go on.
	agentDialog.Hangup(context.Background())
	time.Sleep(300 * time.Millisecond)
	check("after the agent left", map[string][]string{
		"citizen": {"officer", "supervisor"}, "officer": {"citizen", "supervisor"}})
	if err := r.srv.LinkComplaint(callID, "26120000001"); err != nil {
		t.Fatal(err)
	}
	d.Hangup(context.Background())
	med.Close()
	<-cl.done
	d.Close()
	var rec *grievance.CallRecord
	waitFor(t, "the call record", 10*time.Second, func() bool {
		calls, _ := r.st.Calls(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 1)
		if len(calls) == 0 {
			return false
		}
		rec, _ = r.st.Call(context.Background(), calls[0].ID)
		return rec != nil
	})
	roles := ""
	for _, l := range rec.Legs {
		roles += l.Role + ":" + l.Party + " "
	}
	if roles != "caller:sipgo agent:agent1 officer:officer1 supervisor:sup1 " || rec.Complaint != "26120000001" {
		t.Errorf("legs %q complaint %q", roles, rec.Complaint)
	}
}
