package telephony

import (
	"testing"
	"time"

	"nivaran/internal/grievance"
)

func TestAgentStateMachine(t *testing.T) {
	const (
		off   = grievance.AgentOffline
		avail = grievance.AgentAvailable
		ring  = grievance.AgentRinging
		call  = grievance.AgentOnCall
		wrap  = grievance.AgentWrapUp
		brk   = grievance.AgentBreak
	)
	type step struct {
		ev     agentEvent
		reason string
		want   grievance.AgentStatus
		moved  bool   // a transition is reported
		why    string // the stored reason
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a whole call", []step{
			{evRegister, "", avail, true, ""},
			{evOffer, "", ring, true, ""},
			{evAnswer, "", call, true, ""},
			{evHangup, "", wrap, true, ""},
			{evWrapDone, "", avail, true, ""},
		}},
		{"ring no answer pauses the agent", []step{
			{evRegister, "", avail, true, ""},
			{evOffer, "", ring, true, ""},
			{evNoAnswer, "", brk, true, grievance.BreakRingNoAnswer},
			{evOffer, "", brk, false, grievance.BreakRingNoAnswer},
			{evResume, "", avail, true, ""},
		}},
		{"break asked for during a call is taken after it", []step{
			{evRegister, "", avail, true, ""},
			{evOffer, "", ring, true, ""},
			{evAnswer, "", call, true, ""},
			{evBreak, grievance.BreakTea, call, false, ""},
			{evHangup, "", wrap, true, ""},
			{evWrapDone, "", brk, true, grievance.BreakTea},
		}},
		{"break from wrap-up, then a new reason", []step{
			{evRegister, "", avail, true, ""},
			{evOffer, "", ring, true, ""},
			{evAnswer, "", call, true, ""},
			{evHangup, "", wrap, true, ""},
			{evBreak, grievance.BreakMeal, brk, true, grievance.BreakMeal},
			{evBreak, grievance.BreakMeal, brk, false, grievance.BreakMeal},
			{evBreak, grievance.BreakTraining, brk, true, grievance.BreakTraining},
		}},
		{"unregister during a call goes offline after it", []step{
			{evRegister, "", avail, true, ""},
			{evOffer, "", ring, true, ""},
			{evAnswer, "", call, true, ""},
			{evUnregister, "", call, false, ""},
			{evHangup, "", wrap, true, ""},
			{evWrapDone, "", off, true, ""},
		}},
		{"unregistered while ringing: no answer is offline, not break", []step{
			{evRegister, "", avail, true, ""},
			{evOffer, "", ring, true, ""},
			{evUnregister, "", ring, false, ""},
			{evNoAnswer, "", off, true, ""},
		}},
		{"break set while offline is kept for the registration", []step{
			{evBreak, grievance.BreakTraining, off, false, ""},
			{evRegister, "", brk, true, grievance.BreakTraining},
			{evUnregister, "", off, true, ""},
			{evResume, "", off, false, ""},
			{evRegister, "", avail, true, ""},
		}},
		{"late answer after no-answer changes nothing", []step{
			{evRegister, "", avail, true, ""},
			{evOffer, "", ring, true, ""},
			{evNoAnswer, "", brk, true, grievance.BreakRingNoAnswer},
			{evAnswer, "", brk, false, grievance.BreakRingNoAnswer},
			{evHangup, "", brk, false, grievance.BreakRingNoAnswer},
		}},
		{"caller leaving while ringing is not the agent's fault", []step{
			{evRegister, "", avail, true, ""},
			{evOffer, "", ring, true, ""},
			{evCancel, "", avail, true, ""},
		}},
		{"re-registration is not a transition", []step{
			{evRegister, "", avail, true, ""},
			{evRegister, "", avail, false, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &agent{SIPAgent: grievance.SIPAgent{UserID: 7}}
			now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
			for i, s := range tt.steps {
				now = now.Add(time.Second)
				from := a.status
				tr, moved := a.apply(s.ev, s.reason, now)
				if a.status != s.want || moved != s.moved || a.reason != s.why {
					t.Fatalf("step %d %v: got %s moved=%v reason=%q, want %s moved=%v reason=%q",
						i, s.ev, a.status, moved, a.reason, s.want, s.moved, s.why)
				}
				if moved && (tr.From != from && from != "" || tr.To != s.want || tr.UserID != 7 || !tr.At.Equal(now) || tr.Reason != s.why) {
					t.Fatalf("step %d: transition %+v", i, tr)
				}
			}
		})
	}
}

func TestPickAgentLongestIdle(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	mk := func(user string, idle int, status grievance.AgentStatus, langs []grievance.Lang, lines ...string) *agent {
		return &agent{SIPAgent: grievance.SIPAgent{SIPUser: user, Languages: langs, Helplines: lines},
			status: status, idleSince: t0.Add(time.Duration(idle) * time.Second), registered: true, contact: "sip:" + user + "@x"}
	}
	hi, en, both := []grievance.Lang{grievance.Hindi}, []grievance.Lang{grievance.English}, []grievance.Lang{grievance.Hindi, grievance.English}
	agents := []*agent{
		mk("a1", 30, grievance.AgentAvailable, hi, "district"),
		mk("a2", 10, grievance.AgentAvailable, both, "district", "visitors"),
		mk("a3", 5, grievance.AgentBreak, both, "district"),      // idle longest, but on break
		mk("a4", 1, grievance.AgentOnCall, both, "district"),     // busy
		mk("a5", 20, grievance.AgentAvailable, en, "visitors"),   // other helpline for district
		mk("a6", 15, grievance.AgentAvailable, both, "visitors"), // visitors only
		mk("a7", 0, grievance.AgentRinging, both, "district"),    // being offered another call
	}
	unreg := mk("a8", -100, grievance.AgentAvailable, both, "district")
	unreg.registered = false
	agents = append(agents, unreg)
	tests := []struct {
		line string
		lang grievance.Lang
		want string
	}{
		{"district", grievance.Hindi, "a2"},   // a2 idle since 10 s, a1 since 30 s
		{"district", grievance.English, "a2"}, // only a2 speaks English on district
		{"visitors", grievance.English, "a2"}, // a2 (10) before a6 (15) and a5 (20)
		{"visitors", grievance.Hindi, "a2"},
		{"nowhere", grievance.Hindi, ""},
	}
	for _, tt := range tests {
		got := pickAgent(agents, tt.line, tt.lang)
		name := ""
		if got != nil {
			name = got.SIPUser
		}
		if name != tt.want {
			t.Errorf("pickAgent(%s, %s) = %q, want %q", tt.line, tt.lang, name, tt.want)
		}
	}
	// Once a2 rings, the next longest idle who fits gets the next call.
	agents[1].status = grievance.AgentRinging
	if got := pickAgent(agents, "visitors", grievance.English); got == nil || got.SIPUser != "a6" {
		t.Errorf("after a2 rings: got %v, want a6", got)
	}
	if got := pickAgent(agents, "district", grievance.English); got != nil {
		t.Errorf("no English district agent left: got %s", got.SIPUser)
	}
}

func TestMenu(t *testing.T) {
	district := DefaultHelplines()[0]
	visitors := DefaultHelplines()[1]
	tests := []struct {
		name string
		h    Helpline
		keys string
		want grievance.Lang
		done bool
	}{
		{"district 1 is Hindi", district, "1", grievance.Hindi, true},
		{"district 2 is English", district, "2", grievance.English, true},
		{"visitors 1 is English", visitors, "1", grievance.English, true},
		{"visitors 2 is Hindi", visitors, "2", grievance.Hindi, true},
		{"one wrong key waits", district, "9", "", false},
		{"wrong then right", district, "#2", grievance.English, true},
		{"two wrong keys fall back to the first", visitors, "*0", grievance.English, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMenu(tt.h)
			var got grievance.Lang
			var done bool
			for _, k := range tt.keys {
				got, done = m.key(k)
				if done {
					break
				}
			}
			if got != tt.want || done != tt.done {
				t.Errorf("keys %q: got %q done=%v, want %q done=%v", tt.keys, got, done, tt.want, tt.done)
			}
		})
	}
	if got := newMenu(visitors).timeout(); got != grievance.English {
		t.Errorf("visitors timeout = %s, want en", got)
	}
}

func TestParseHelplines(t *testing.T) {
	hs, err := ParseHelplines("district:1076,helpline:hi,en;visitors:1077:en,hi;district:1078:hi,en:missed")
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 3 || hs[1].Languages[0] != grievance.English || !hs[2].MissedCall || hs[0].DIDs[1] != "helpline" ||
		hs[1].Greeting[0] != "greeting_foreign_en" {
		t.Errorf("got %+v", hs)
	}
	for _, bad := range []string{"", "x", "d:1:fr", "d::hi", "d:1:hi:other"} {
		if _, err := ParseHelplines(bad); err == nil {
			t.Errorf("ParseHelplines(%q): no error", bad)
		}
	}
}
