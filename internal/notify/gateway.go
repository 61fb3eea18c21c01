package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"nivaran/internal/grievance"
)

// Outgoing is one SMS handed to a gateway.
type Outgoing struct {
	ID         int64  // outbox message ID: our reference
	To         string // 10-digit mobile; gateways add the country code 91
	Text       string // rendered and checked
	TemplateID string // DLT content template ID
	EntityID   string // DLT principal entity ID
	Header     string // DLT sender ID
	Unicode    bool   // text is not GSM-7: send as UCS-2
	DLRURL     string // signed delivery-report callback, "" for none
}

// Gateway sends an SMS. Send returns the gateway's reference ("" when it
// gives none) once the gateway has accepted the message, or a *SendError
// that says whether trying again may help. It is called concurrently.
type Gateway interface {
	Send(ctx context.Context, m Outgoing) (ref string, err error)
}

// Acceptor is implemented by a gateway whose successful Send means more than
// "handed over": the status the dispatcher records after it (MsgAccepted for
// an operator that takes responsibility, MsgDelivered for LogGateway).
// Gateways without it record MsgSent.
type Acceptor interface {
	SentStatus() grievance.MessageStatus
}

// SendError is a failed send. Temporary errors (network, timeout, HTTP 5xx
// and 429) are retried with backoff; permanent ones (other 4xx, a refusal in
// the answer) fail the message at once. Code is what the outbox records.
type SendError struct {
	Temporary bool
	Code      string // e.g. "http_503", "timeout", "network", a gateway's own code
	Err       error
}

func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	if e.Err == nil {
		return fmt.Sprintf("notify: send: %s %s", kind, e.Code)
	}
	return fmt.Sprintf("notify: send: %s %s: %v", kind, e.Code, e.Err)
}

// Unwrap returns the cause.
func (e *SendError) Unwrap() error { return e.Err }

// classify turns any error of a send into a *SendError: an error that is
// already one stays as it is; timeouts, cancellations and network errors are
// temporary; anything else is permanent.
func classify(err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return &SendError{Temporary: true, Code: "timeout", Err: err}
	case errors.Is(err, context.Canceled):
		return &SendError{Temporary: true, Code: "canceled", Err: err}
	case errors.As(err, &ne):
		return &SendError{Temporary: true, Code: "network", Err: err}
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return &SendError{Temporary: true, Code: "network", Err: err}
	}
	return &SendError{Code: "error", Err: err}
}

// statusError classifies an HTTP answer that is not 2xx: 5xx and 429 are
// temporary, the rest permanent.
func statusError(code int, body string) *SendError {
	return &SendError{
		Temporary: code >= 500 || code == http.StatusTooManyRequests,
		Code:      "http_" + strconv.Itoa(code),
		Err:       fmt.Errorf("%s", truncate(body, 200)),
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	return s[:n]
}

// Sent is a message LogGateway has sent.
type Sent struct {
	Outgoing
	At  time.Time
	Ref string
}

// LogGateway is the development gateway: it "delivers" every message by
// logging it (the mobile number masked, never the text, which may carry an
// OTP) and keeping the last messages in memory, with their full text, for
// an admin page. The outbox row already holds the message; the dispatcher
// marks it delivered. Safe for concurrent use.
type LogGateway struct {
	log  *slog.Logger
	now  func() time.Time
	mu   sync.Mutex
	keep int
	ring []Sent
	next int
}

// NewLogGateway returns a log gateway keeping the last keep messages
// (default 100); log nil means slog.Default().
func NewLogGateway(log *slog.Logger, keep int) *LogGateway {
	if log == nil {
		log = slog.Default()
	}
	if keep <= 0 {
		keep = 100
	}
	return &LogGateway{log: log, keep: keep, now: time.Now}
}

// Send logs m and remembers it; it fails only on a cancelled context.
func (g *LogGateway) Send(ctx context.Context, m Outgoing) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", classify(err)
	}
	ref := "log-" + strconv.FormatInt(m.ID, 10)
	g.mu.Lock()
	s := Sent{Outgoing: m, At: g.now(), Ref: ref}
	if len(g.ring) < g.keep {
		g.ring = append(g.ring, s)
	} else {
		g.ring[g.next] = s
	}
	g.next = (g.next + 1) % g.keep
	g.mu.Unlock()
	g.log.InfoContext(ctx, "sms sent", "gateway", "log", "message_id", m.ID, "to", grievance.MaskMobile(m.To),
		"template_id", m.TemplateID, "unicode", m.Unicode, "parts", Parts(m.Text))
	return ref, nil
}

// SentStatus is MsgDelivered: a logged message has reached its destination.
func (g *LogGateway) SentStatus() grievance.MessageStatus { return grievance.MsgDelivered }

// Recent returns the kept messages, newest first. Only the admin may see
// them: they hold full texts and numbers.
func (g *LogGateway) Recent() []Sent {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Sent, 0, len(g.ring))
	for i := 1; i <= len(g.ring); i++ {
		out = append(out, g.ring[(g.next-i+len(g.ring))%len(g.ring)])
	}
	return out
}
