package grievance

import (
	"context"
	"time"
)

// MessageStatus is where an outbound SMS stands. It only moves forward:
// queued → sent → accepted → delivered | undelivered | failed | expired.
type MessageStatus string

// The statuses of an outbound message.
const (
	MsgQueued      MessageStatus = "queued"
	MsgSent        MessageStatus = "sent"     // handed to the gateway
	MsgAccepted    MessageStatus = "accepted" // the gateway or SMSC took it
	MsgDelivered   MessageStatus = "delivered"
	MsgUndelivered MessageStatus = "undelivered"
	MsgFailed      MessageStatus = "failed" // permanent failure, or retries exhausted
	MsgExpired     MessageStatus = "expired"
)

// Rank orders statuses so that updates only move forward.
func (s MessageStatus) Rank() int {
	switch s {
	case MsgQueued:
		return 0
	case MsgSent:
		return 1
	case MsgAccepted:
		return 2
	case MsgDelivered, MsgUndelivered, MsgFailed, MsgExpired:
		return 3
	}
	return -1
}

// Final reports whether nothing more will happen to the message.
func (s MessageStatus) Final() bool { return s.Rank() == 3 }

// Message is an outbound SMS in the outbox.
type Message struct {
	ID          int64
	Key         string // idempotency key: the same key is never queued twice; read back empty for a complaint change's messages, which their event makes unique
	ComplaintID int64
	Number      string // the complaint's number; filled by FailedMessages only
	Event       string // what it tells: "registered", "assigned", …
	Audience    string // "citizen" or "officer"
	To          string // 10-digit mobile
	Lang        Lang
	TemplateID  string // DLT content template ID
	Text        string // rendered and checked against the registered template
	Status      MessageStatus
	Attempts    int
	NextAttempt time.Time
	GatewayRef  string
	LastError   string
	Created     time.Time
	Updated     time.Time
}

// Messenger decides which messages a change sends. The store calls it inside
// the transaction of the change and writes what it returns to the outbox, so
// a message is queued if and only if the change is committed. officer is the
// complaint's assignee after the change, or nil.
type Messenger interface {
	Plan(c *Complaint, ev Event, officer *Officer, m *Masters) ([]Message, error)
}

// MessageUpdate is the outcome of a send attempt or a delivery report.
type MessageUpdate struct {
	ID          int64
	Status      MessageStatus
	Attempts    int
	NextAttempt time.Time // for a retry: stays queued until then
	GatewayRef  string
	Error       string
}

// OutboxService is the dispatcher's view of the outbox.
type OutboxService interface {
	// ClaimMessages returns up to limit queued messages due at now and
	// leases them until now+lease, so that no other dispatcher takes them.
	ClaimMessages(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Message, error)
	// UpdateMessage records u; a status that would move backwards is ignored.
	UpdateMessage(ctx context.Context, u MessageUpdate) error
	// UpdateMessages records several updates in one write, each as
	// UpdateMessage would; it returns each one's error, or err when none
	// was recorded.
	UpdateMessages(ctx context.Context, us []MessageUpdate) ([]error, error)
	// Message returns a message by ID; ENotFound.
	Message(ctx context.Context, id int64) (*Message, error)
	// Messages lists the newest messages, optionally only to one mobile.
	Messages(ctx context.Context, to string, limit int) ([]Message, error)
	// QueueMessages queues messages outside a complaint change, each once
	// per idempotency key.
	QueueMessages(ctx context.Context, msgs []Message) error
	// FailedMessages lists messages to audience that failed for good
	// (failed, undelivered, expired) since since, newest first, with their
	// complaint's number: the control room's attention list.
	FailedMessages(ctx context.Context, audience string, since time.Time, limit int) ([]Message, error)
}

// OTPService keeps citizens' one-time codes. Codes are stored only as a
// keyed hash (HMAC with the server's secret), so a copy of the database
// cannot be brute-forced offline.
type OTPService interface {
	// IssueOTP replaces any code of mobile with hash, valid until expires,
	// and queues msg (the SMS carrying the code) in the same transaction.
	// ETooMany when mobile was sent max codes within window.
	IssueOTP(ctx context.Context, mobile, hash string, expires time.Time, msg Message, max int, window time.Duration) error
	// CheckOTP consumes the code of mobile when hash matches it: single
	// use, unexpired, at most maxTries wrong tries (then the code is void).
	// EInvalid for a wrong or void code.
	CheckOTP(ctx context.Context, mobile, hash string, maxTries int) error
}
