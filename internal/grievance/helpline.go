package grievance

import (
	"context"
	"time"
)

// AgentStatus is a helpline agent's live status. It is derived from what
// actually happens (registration, ringing, calls) and from the agent's own
// choice (break); every change is stored as an AgentTransition.
type AgentStatus string

// The statuses of an agent.
const (
	AgentOffline   AgentStatus = "offline"   // no phone registered
	AgentAvailable AgentStatus = "available" // registered, waiting for a call
	AgentRinging   AgentStatus = "ringing"   // a call is being offered
	AgentOnCall    AgentStatus = "on_call"   // talking
	AgentWrapUp    AgentStatus = "wrap_up"   // the call ended; finishing its complaint
	AgentBreak     AgentStatus = "break"     // paused, with a reason
)

// AgentStatuses lists every status in display order.
var AgentStatuses = []AgentStatus{AgentAvailable, AgentRinging, AgentOnCall, AgentWrapUp, AgentBreak, AgentOffline}

// Break reasons an agent (or the system) gives.
const (
	BreakRingNoAnswer = "ring_no_answer" // set by the queue when an offered call was not answered
	BreakTea          = "tea"
	BreakMeal         = "meal"
	BreakTraining     = "training"
	BreakOther        = "other"
)

// SIPAgent is a helpline agent's phone account: the SIP user name their
// phone registers with and the digest HA1 (MD5 of user:realm:password; the
// password itself is shown once to the administrator and never stored).
type SIPAgent struct {
	UserID      int64  // the agent's Nivaran account
	Login       string // the agent's Nivaran login, for display
	SIPUser     string
	HA1         string
	Languages   []Lang   // languages the agent takes calls in
	Helplines   []string // helpline codes (agent groups) the agent serves
	Failures    int      // consecutive wrong digest answers
	LockedUntil time.Time
}

// AgentTransition is one stored change of an agent's status.
type AgentTransition struct {
	UserID int64
	From   AgentStatus
	To     AgentStatus
	Reason string
	At     time.Time
}

// CallLeg is one party of a call: the caller, each agent offered, an
// officer brought in, a supervisor.
type CallLeg struct {
	Role     string // caller, agent, officer, supervisor
	Party    string // phone number or SIP user
	UserID   int64  // the Nivaran user of an agent, officer or supervisor; 0 for the caller
	Offered  time.Time
	Answered time.Time // zero when not answered
	Ended    time.Time
	Result   string // answered, no_answer, rejected, failed, cancelled
}

// CallRecord is one helpline call with its legs.
type CallRecord struct {
	ID            int64
	SIPCallID     string
	Direction     string // in, out (call-back, feedback)
	Helpline      string // helpline code
	DID           string // the number dialled
	Caller        string // the caller's number
	Language      Lang
	Arrived       time.Time
	Queued        time.Time // zero if never queued
	Answered      time.Time // zero if no agent answered
	Ended         time.Time
	HungUpBy      string // caller, agent, system
	Outcome       string // answered, abandoned, rejected, missed_call, feedback
	AgentID       int64  // the agent who answered
	RecordingKey  string // blob key of the WAV recording; "" when none
	RecordingSHA  string // hex SHA-256 of the recording
	RecordingSize int64
	Complaint     string // complaint number linked to the call, "" when none
	Legs          []CallLeg
}

// Wait is how long the caller waited in the queue.
func (c *CallRecord) Wait() time.Duration {
	if c.Queued.IsZero() {
		return 0
	}
	end := c.Answered
	if end.IsZero() {
		end = c.Ended
	}
	if end.Before(c.Queued) {
		return 0
	}
	return end.Sub(c.Queued)
}

// Talk is how long the caller talked to an agent.
func (c *CallRecord) Talk() time.Duration {
	if c.Answered.IsZero() || c.Ended.Before(c.Answered) {
		return 0
	}
	return c.Ended.Sub(c.Answered)
}

// CallbackRequest is a missed call waiting for an agent to call back.
type CallbackRequest struct {
	ID       int64
	Number   string
	Helpline string
	At       time.Time
	Done     time.Time // zero while waiting
	DoneBy   int64
	CallID   int64 // the call-back's call record, once placed
}

// HelplineDay is what the wall's helpline panel shows for today.
type HelplineDay struct {
	Answered  int
	Abandoned int
	Missed    int // missed-call requests
}

// HelplineService keeps the helpline's persistent state: agents' phone
// accounts, their status transitions, call records and call-back requests.
// The telephony package calls it; the web consoles read it.
type HelplineService interface {
	// SetSIPAgent creates or replaces the phone account of user a.UserID
	// (administrators only, checked by the caller). EConflict when the SIP
	// user belongs to someone else; ENotFound for an unknown user.
	SetSIPAgent(ctx context.Context, a SIPAgent) error
	// AdminIssuePhoneAccount is SetSIPAgent by an administrator (EForbidden
	// otherwise), recorded in the audit log in the same transaction: when
	// newUser is not nil that account is created first (a new helpline
	// agent, entity AuditUser, action AuditCreate; a.UserID is then its ID
	// and newUser gets its ID), then the phone account is issued (entity
	// AuditPhoneAccount, action AuditCreate) or renewed (AuditRenew) with
	// its user, SIP name, languages and helplines before and after; never
	// the secret or its digest. EConflict for a taken login ("error.login_taken")
	// or SIP user; ENotFound for an unknown user; nothing changes on error.
	AdminIssuePhoneAccount(ctx context.Context, actor Actor, newUser *User, a SIPAgent) error
	// SIPAgent returns the phone account with SIP user name sipUser;
	// ENotFound.
	SIPAgent(ctx context.Context, sipUser string) (*SIPAgent, error)
	// SIPAgents lists every phone account.
	SIPAgents(ctx context.Context) ([]SIPAgent, error)
	// SIPAuthFailed counts a wrong digest answer for sipUser and locks the
	// account until lockUntil when the count reaches limit; it returns the
	// new count. SIPAuthSucceeded clears the count.
	SIPAuthFailed(ctx context.Context, sipUser string, limit int, lockUntil time.Time) (int, error)
	SIPAuthSucceeded(ctx context.Context, sipUser string) error

	// AgentTransitioned stores a status change.
	AgentTransitioned(ctx context.Context, t AgentTransition) error
	// AgentTransitions returns user's transitions since since, oldest first.
	AgentTransitions(ctx context.Context, userID int64, since time.Time) ([]AgentTransition, error)

	// SaveCall stores a finished call with its legs and sets c.ID.
	SaveCall(ctx context.Context, c *CallRecord) error
	// Call returns a call record with its legs; ENotFound.
	Call(ctx context.Context, id int64) (*CallRecord, error)
	// Calls returns the calls that arrived in [from, to), newest first, at most limit.
	Calls(ctx context.Context, from, to time.Time, limit int) ([]CallRecord, error)
	// LinkCallComplaint links a call to a complaint number.
	LinkCallComplaint(ctx context.Context, callID int64, complaint string) error

	// AddCallback queues a call-back request for a missed call.
	AddCallback(ctx context.Context, r *CallbackRequest) error
	// Callbacks lists the waiting call-back requests, oldest first.
	Callbacks(ctx context.Context, limit int) ([]CallbackRequest, error)
	// CallbackDone marks request id done by user by with call callID;
	// ENotFound when unknown or already done.
	CallbackDone(ctx context.Context, id, by, callID int64) error

	// HelplineDay counts the calls since day.
	HelplineDay(ctx context.Context, day time.Time) (HelplineDay, error)
}

// AgentLive is an agent's live status for the consoles and the wall.
type AgentLive struct {
	UserID  int64
	Login   string
	SIPUser string
	Status  AgentStatus
	Since   time.Time
	Reason  string
	Caller  string // the caller's number while ringing or on a call
	CallID  string // the live call, for the console's actions
}

// HelplineLive is the helpline's state at a moment.
type HelplineLive struct {
	At          time.Time
	Agents      []AgentLive // by SIP user
	Waiting     int         // calls in the queue
	LongestWait time.Duration
	Calls       int // live calls, in any stage
}

// Supervision modes of a supervisor in a call.
const (
	SuperviseListen  = "listen"  // nobody hears the supervisor
	SuperviseWhisper = "whisper" // only the agent hears the supervisor
	SuperviseBarge   = "barge"   // everyone hears the supervisor
)

// HelplineControl is the running helpline as the web consoles drive it.
// Its methods check nothing about the actor: the handlers do.
type HelplineControl interface {
	// Live returns the live state.
	Live() HelplineLive
	// SetBreak puts the agent with user id on break with reason, or ends
	// the break when reason is "". ENotFound when the agent has no phone.
	SetBreak(userID int64, reason string) error
	// LinkComplaint links the live call callID to a complaint; ENotFound
	// when the call is over or unknown.
	LinkComplaint(callID, complaint string) error
	// Conference dials target (a registered SIP user, or a number through
	// the trunk) into the live call; it returns when the party answered or
	// the dial failed (EUnavailable).
	Conference(ctx context.Context, callID, target string) error
	// Callback rings the agent's phone and, when they answer, calls the
	// number back through the trunk; the call is recorded like any call.
	// It returns the call record's ID once the call has ended.
	Callback(ctx context.Context, agentUserID int64, number, helpline string) (int64, error)
	// FeedbackCall calls the citizen, plays the resolution question in
	// lang and returns the key pressed: '1' solved, '2' not solved, 0 for
	// none; the call is recorded and linked to complaint.
	FeedbackCall(ctx context.Context, number string, lang Lang, complaint string) (rune, error)
	// Supervise dials the supervisor's phone (a registered SIP user) into
	// the call in mode, or switches the mode when already in it.
	Supervise(ctx context.Context, callID, supervisorSIP, mode string) error
}

// RecordingPlay is one logged playback of a call's recording.
type RecordingPlay struct {
	CallID int64
	UserID int64
	At     time.Time
	Bytes  string // the Range asked for, "" for the whole file
}

// RecordingService logs playbacks and applies the retention period.
type RecordingService interface {
	// LogRecordingPlay stores a playback; call it before serving any byte.
	LogRecordingPlay(ctx context.Context, p RecordingPlay) error
	// RecordingPlays lists a call's playbacks, newest first.
	RecordingPlays(ctx context.Context, callID int64) ([]RecordingPlay, error)
	// ExpireRecordings clears the recording of calls that arrived before
	// before and returns their blob keys, for the caller to delete.
	ExpireRecordings(ctx context.Context, before time.Time, limit int) ([]string, error)
}

// BlobDeleter is a blob store that can delete (recordings past retention).
type BlobDeleter interface {
	Delete(ctx context.Context, key string) error
}

// CanHearRecordings reports whether the actor may play call recordings:
// the control room (supervisors, the District Magistrate).
func (a Actor) CanHearRecordings() bool { return a.ControlRoom() }

// CallReport are the helpline's figures over a period.
type CallReport struct {
	Calls, Answered, Abandoned, Missed int
	AnsweredIn20s                      int
	PerHour                            [24]int // calls by hour of arrival (local)
	Agents                             []AgentFigures
}

// AgentFigures are one agent's figures over a period.
type AgentFigures struct {
	UserID   int64
	Calls    int
	Handling time.Duration                 // average talk time
	InStatus map[AgentStatus]time.Duration // time spent in each status
}

// NewCallReport computes the report over calls that arrived in [from, to)
// and the agents' transitions (each agent's, oldest first); loc gives the
// hours.
func NewCallReport(calls []CallRecord, trans map[int64][]AgentTransition, from, to time.Time, loc *time.Location) CallReport {
	var r CallReport
	talk := map[int64]time.Duration{}
	count := map[int64]int{}
	for _, c := range calls {
		if c.Arrived.Before(from) || !c.Arrived.Before(to) || c.Direction != "in" {
			continue
		}
		r.Calls++
		r.PerHour[c.Arrived.In(loc).Hour()]++
		switch c.Outcome {
		case "answered":
			r.Answered++
			if c.Wait() <= 20*time.Second {
				r.AnsweredIn20s++
			}
			talk[c.AgentID] += c.Talk()
			count[c.AgentID]++
		case "abandoned":
			r.Abandoned++
		case "missed_call":
			r.Missed++
		}
	}
	ids := map[int64]bool{}
	for id := range count {
		ids[id] = true
	}
	for id := range trans {
		ids[id] = true
	}
	for id := range ids {
		f := AgentFigures{UserID: id, Calls: count[id], InStatus: map[AgentStatus]time.Duration{}}
		if count[id] > 0 {
			f.Handling = talk[id] / time.Duration(count[id])
		}
		ts := trans[id]
		for i, t := range ts {
			end := to
			if i+1 < len(ts) {
				end = ts[i+1].At
			}
			start := t.At
			if start.Before(from) {
				start = from
			}
			if end.After(to) {
				end = to
			}
			if end.After(start) {
				f.InStatus[t.To] += end.Sub(start)
			}
		}
		r.Agents = append(r.Agents, f)
	}
	for i := 1; i < len(r.Agents); i++ {
		for j := i; j > 0 && r.Agents[j].UserID < r.Agents[j-1].UserID; j-- {
			r.Agents[j], r.Agents[j-1] = r.Agents[j-1], r.Agents[j]
		}
	}
	return r
}

// The audit log's entity for phone accounts and its action for a reissue.
const (
	AuditPhoneAccount = "phone_account"
	AuditRenew        = "renew"
)

// FeedbackCall is one resolution claimed for the verification step's
// automatic feedback call, and what came of it.
type FeedbackCall struct {
	ComplaintID int64
	Number      string // the complaint's number
	Mobile      string // the citizen's, dialled through the trunk
	Language    Lang   // the question is asked in it
	ResolvedAt  time.Time
	ClaimedAt   time.Time
	Answer      string    // "1" solved, "2" not solved, "" none (no answer, no key, the call failed)
	DoneAt      time.Time // zero while the call is in progress (or its server stopped during it)
}

// FeedbackCallService is the store's side of the automatic feedback call.
type FeedbackCallService interface {
	// ClaimFeedbackCalls claims up to limit complaints still resolved that
	// were resolved after from and at or before to, have a mobile number
	// and have no feedback call for this resolution yet, oldest first. The
	// claim is written (at now) in the same transaction, so each
	// resolution is claimed once across servers and restarts; a second
	// resolution after a reopening may be claimed again. Called by the
	// helpline's scheduler only.
	ClaimFeedbackCalls(ctx context.Context, now, from, to time.Time, limit int) ([]FeedbackCall, error)
	// FeedbackCallDone records the answer ("1", "2" or "") of a claimed
	// call at now. ENotFound when the resolution was not claimed; EInvalid
	// for another answer.
	FeedbackCallDone(ctx context.Context, complaintID int64, resolvedAt time.Time, answer string, now time.Time) error
	// FeedbackCalls lists a complaint's claimed feedback calls, oldest
	// first.
	FeedbackCalls(ctx context.Context, complaintID int64) ([]FeedbackCall, error)
}

// Catalogue keys of the notes a feedback call's answer leaves in the
// complaint's history.
const (
	FeedbackNoteSolved    = "feedback.note.solved"
	FeedbackNoteNotSolved = "feedback.note.not_solved"
)

// FeedbackAction is the citizen's action for the key pressed in a feedback
// call: 1 confirms the resolution (closed, verified), 2 rejects it (reopened
// one level up, as from the portal). note gives the history's text for a
// catalogue key (FeedbackNote*). ok is false for any other key: nothing is
// to change.
func FeedbackAction(key rune, note func(key string) string) (a Action, ok bool) {
	switch key {
	case '1':
		return Action{Kind: ActCitizenAccept, Note: note(FeedbackNoteSolved)}, true
	case '2':
		return Action{Kind: ActCitizenReject, Note: note(FeedbackNoteNotSolved)}, true
	}
	return Action{}, false
}
