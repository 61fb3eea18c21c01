package telephony

import (
	"time"

	"nivaran/internal/grievance"
)

// agentEvent is something that happened to an agent.
type agentEvent int

const (
	evRegister   agentEvent = iota // the agent's phone registered
	evUnregister                   // unregistered, or the binding expired
	evOffer                        // the queue offered a call: INVITE sent
	evAnswer                       // the agent answered
	evNoAnswer                     // no answer in time, rejected, or the INVITE failed
	evHangup                       // the call ended
	evWrapDone                     // wrap-up time is over
	evBreak                        // the agent (or a supervisor) sets break, with a reason
	evResume                       // the agent ends the break
	evCancel                       // the caller left before the agent answered: no fault of the agent
)

var eventNames = [...]string{"register", "unregister", "offer", "answer", "no_answer", "hangup", "wrap_done", "break", "resume", "cancel"}

func (e agentEvent) String() string { return eventNames[e] }

// agent is one agent's live state. The zero value is an offline agent.
// Its methods are not safe for concurrent use: the registry's lock
// guards them.
type agent struct {
	grievance.SIPAgent
	status     grievance.AgentStatus
	since      time.Time // when status began
	idleSince  time.Time // when the agent last became available: longest idle is offered first
	registered bool
	contact    string    // the registered binding's Contact URI
	expires    time.Time // when the binding expires
	breakNext  string    // a break asked for during a call: taken when it ends
	reason     string    // the current break's reason
}

// apply changes the agent's status for ev and reports the transition, if
// any. Events that make no sense in the current status change nothing
// (ok false): a late "answer" after the ring timed out, for instance.
func (a *agent) apply(ev agentEvent, reason string, now time.Time) (tr grievance.AgentTransition, ok bool) {
	if a.status == "" {
		a.status = grievance.AgentOffline
	}
	from := a.status
	to := from
	switch ev {
	case evRegister:
		a.registered = true
		if from == grievance.AgentOffline {
			to = grievance.AgentAvailable
			if a.breakNext != "" {
				to, reason, a.breakNext = grievance.AgentBreak, a.breakNext, ""
			}
		}
	case evUnregister:
		a.registered = false
		switch from {
		case grievance.AgentAvailable, grievance.AgentBreak, grievance.AgentWrapUp:
			to = grievance.AgentOffline
		}
	case evOffer:
		if from == grievance.AgentAvailable {
			to = grievance.AgentRinging
		}
	case evAnswer:
		if from == grievance.AgentRinging {
			to = grievance.AgentOnCall
		}
	case evNoAnswer:
		if from == grievance.AgentRinging {
			to, reason = grievance.AgentBreak, grievance.BreakRingNoAnswer
			if !a.registered {
				to, reason = grievance.AgentOffline, ""
			}
		}
	case evCancel:
		if from == grievance.AgentRinging {
			to = grievance.AgentOffline
			if a.registered {
				to = grievance.AgentAvailable
			}
		}
	case evHangup:
		if from == grievance.AgentOnCall {
			to = grievance.AgentWrapUp
		}
	case evWrapDone:
		if from == grievance.AgentWrapUp {
			switch {
			case !a.registered:
				to = grievance.AgentOffline
			case a.breakNext != "":
				to, reason, a.breakNext = grievance.AgentBreak, a.breakNext, ""
			default:
				to = grievance.AgentAvailable
			}
		}
	case evBreak:
		if reason == "" {
			reason = grievance.BreakOther
		}
		switch from {
		case grievance.AgentAvailable, grievance.AgentWrapUp:
			to = grievance.AgentBreak
		case grievance.AgentRinging, grievance.AgentOnCall, grievance.AgentOffline:
			a.breakNext = reason // taken when the call ends, or at the next registration
		case grievance.AgentBreak:
			if reason != a.reason {
				to = grievance.AgentBreak // a new reason is a new break
			}
		}
	case evResume:
		a.breakNext = ""
		if from == grievance.AgentBreak {
			to = grievance.AgentOffline
			if a.registered {
				to = grievance.AgentAvailable
			}
		}
	}
	if to == from && !(ev == evBreak && from == grievance.AgentBreak && reason != a.reason) {
		return grievance.AgentTransition{}, false
	}
	if to != grievance.AgentBreak {
		reason = ""
	}
	a.status, a.since, a.reason = to, now, reason
	if to == grievance.AgentAvailable && ev != evCancel {
		a.idleSince = now // a cancelled offer keeps the agent's place in the idle order
	}
	return grievance.AgentTransition{UserID: a.UserID, From: from, To: to, Reason: reason, At: now}, true
}

// serves reports whether the agent takes calls of helpline in lang.
func (a *agent) serves(helpline string, lang grievance.Lang) bool {
	okLine, okLang := false, false
	for _, h := range a.Helplines {
		okLine = okLine || h == helpline
	}
	for _, l := range a.Languages {
		okLang = okLang || l == lang
	}
	return okLine && okLang
}

// pickAgent returns the agent to offer a call of helpline in lang to: the
// available agent who serves them and has been idle longest (ties: the
// lower SIP user name, so the choice is deterministic); nil when none.
func pickAgent(agents []*agent, helpline string, lang grievance.Lang) *agent {
	var best *agent
	for _, a := range agents {
		if a.status != grievance.AgentAvailable || !a.registered || a.contact == "" || !a.serves(helpline, lang) {
			continue
		}
		if best == nil || a.idleSince.Before(best.idleSince) ||
			a.idleSince.Equal(best.idleSince) && a.SIPUser < best.SIPUser {
			best = a
		}
	}
	return best
}
