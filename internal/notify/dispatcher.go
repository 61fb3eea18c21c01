package notify

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"sync"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/retry"
)

// DispatcherOptions configures a Dispatcher. Zero fields take the defaults
// named in their comments.
type DispatcherOptions struct {
	// Gateway names the gateway in delivery-report URLs and logs ("log",
	// "kannel", "nic", …): lowercase letters, digits, '-' and '_'.
	Gateway string
	// Signer builds the delivery-report callback URL of each message; nil
	// sends no callback URL.
	Signer *Signer
	// EntityID and Header are the DLT principal entity ID and sender ID sent
	// with every message, normally the Catalogue's.
	EntityID, Header string

	Batch        int           // messages claimed at a time; 32
	Workers      int           // concurrent sends; 8
	Lease        time.Duration // how long a claim lasts; 2 minutes, at least twice SendTimeout
	SendTimeout  time.Duration // bound on one Send, on top of the gateway's own; 30 s
	PollInterval time.Duration // wait when idle; 500 ms
	MaxAttempts  int           // attempts before a temporary failure becomes final; 8
	BackoffBase  time.Duration // first retry delay bound; 5 s, doubling each attempt
	BackoffMax   time.Duration // largest retry delay bound; 1 hour

	Now  func() time.Time // clock; time.Now
	Rand func() float64   // jitter in [0, 1); math/rand/v2.Float64
	Log  *slog.Logger     // slog.Default()
}

// Dispatcher sends the outbox through a gateway: it claims due messages,
// sends them with bounded concurrency and records each outcome. Several
// dispatchers (one per server) may share one outbox: the claim's lease keeps
// them apart.
type Dispatcher struct {
	outbox grievance.OutboxService
	gw     Gateway
	opts   DispatcherOptions
	sent   grievance.MessageStatus
	kick   chan struct{}
	rec    recorder
}

// recorder writes the outcomes of sends: an outcome that arrives while an
// earlier write is in the store waits for it, then goes with every other
// outcome that arrived meanwhile in one write. No outcome waits for any
// send, so a message sent is recorded as soon as the store can take it
// (the window in which a crash would send it again stays as short as with
// one write per message), and a batch costs the store's single writer a
// few operations instead of one per message.
type recorder struct {
	mu      sync.Mutex
	queue   []pendingUpdate
	writing bool
}

type pendingUpdate struct {
	u    grievance.MessageUpdate
	done chan error
}

var gatewayName = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// NewDispatcher returns a dispatcher for outbox through gw. It fails on a
// bad gateway name or a lease too short for a send and its update.
func NewDispatcher(outbox grievance.OutboxService, gw Gateway, o DispatcherOptions) (*Dispatcher, error) {
	if outbox == nil || gw == nil {
		return nil, fmt.Errorf("notify: dispatcher: outbox and gateway are required")
	}
	if !gatewayName.MatchString(o.Gateway) {
		return nil, fmt.Errorf("notify: dispatcher: gateway name %q: want 1-32 of a-z 0-9 _ -", o.Gateway)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt(&o.Batch, 32)
	defInt(&o.Workers, 8)
	defInt(&o.MaxAttempts, 8)
	def(&o.SendTimeout, 30*time.Second)
	def(&o.Lease, 2*time.Minute)
	def(&o.PollInterval, 500*time.Millisecond)
	def(&o.BackoffBase, 5*time.Second)
	def(&o.BackoffMax, time.Hour)
	if o.Lease < 2*o.SendTimeout {
		return nil, fmt.Errorf("notify: dispatcher: lease %s shorter than twice the send timeout %s", o.Lease, o.SendTimeout)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	d := &Dispatcher{outbox: outbox, gw: gw, opts: o, sent: grievance.MsgSent, kick: make(chan struct{}, 1)}
	if a, ok := gw.(Acceptor); ok {
		d.sent = a.SentStatus()
	}
	return d, nil
}

// Kick wakes the dispatcher at once, e.g. after a commit that queued
// messages. It never blocks.
func (d *Dispatcher) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx is cancelled, then waits for the sends in flight
// (each bounded by SendTimeout) and returns nil. It claims again at once
// after a full batch, otherwise after PollInterval or a Kick. Outbox errors
// are logged and retried at the next poll.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		n, err := d.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.opts.Log.ErrorContext(ctx, "sms dispatch", "gateway", d.opts.Gateway, "error", err)
		}
		if err == nil && n == d.opts.Batch {
			continue
		}
		t.Reset(d.opts.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-d.kick:
		case <-t.C:
		}
	}
}

// RunOnce claims one batch, sends it and records the outcomes. It returns
// how many messages it claimed.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	msgs, err := d.outbox.ClaimMessages(ctx, d.opts.Now(), d.opts.Batch, d.opts.Lease)
	if err != nil {
		return 0, fmt.Errorf("notify: claim messages: %w", err)
	}
	sem := make(chan struct{}, d.opts.Workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, m := range msgs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := d.dispatch(ctx, m); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return len(msgs), firstErr
}

// dispatch sends one claimed message and records the outcome. Both the send
// and the update ignore the cancellation of ctx (shutdown): a send that the
// gateway accepted must be recorded, or the lease would expire and the SMS
// go out twice.
func (d *Dispatcher) dispatch(ctx context.Context, m grievance.Message) error {
	ctx = context.WithoutCancel(ctx)
	out := Outgoing{
		ID: m.ID, To: m.To, Text: m.Text, TemplateID: m.TemplateID,
		EntityID: d.opts.EntityID, Header: d.opts.Header, Unicode: !GSM(m.Text),
	}
	if d.opts.Signer != nil {
		out.DLRURL = d.opts.Signer.URL(d.opts.Gateway, m.ID)
	}
	sctx, cancel := context.WithTimeout(ctx, d.opts.SendTimeout)
	ref, err := d.gw.Send(sctx, out)
	cancel()

	u := grievance.MessageUpdate{ID: m.ID, Attempts: m.Attempts + 1, GatewayRef: m.GatewayRef}
	if err == nil {
		u.Status, u.GatewayRef = d.sent, ref
	} else {
		se := classify(err)
		u.Error = se.Code
		u.Status = grievance.MsgFailed
		if se.Temporary && u.Attempts < d.opts.MaxAttempts {
			u.Status = grievance.MsgQueued
			u.NextAttempt = d.opts.Now().Add(retry.Delay(u.Attempts, d.opts.BackoffBase, d.opts.BackoffMax, 0, d.opts.Rand()))
		}
		d.opts.Log.WarnContext(ctx, "sms send failed", "gateway", d.opts.Gateway, "message_id", m.ID,
			"to", grievance.MaskMobile(m.To), "attempts", u.Attempts, "temporary", se.Temporary,
			"code", se.Code, "status", u.Status, "error", se.Err)
	}
	if err := d.record(ctx, u); err != nil {
		return fmt.Errorf("notify: update message %d to %s: %w", m.ID, u.Status, err)
	}
	return nil
}

// record records u with the outcomes pending beside it (see recorder) and
// returns u's error. The first caller to find no write in progress writes
// until the queue is empty; the others wait for their answer.
func (d *Dispatcher) record(ctx context.Context, u grievance.MessageUpdate) error {
	p := pendingUpdate{u: u, done: make(chan error, 1)}
	r := &d.rec
	r.mu.Lock()
	r.queue = append(r.queue, p)
	if r.writing {
		r.mu.Unlock()
		return <-p.done
	}
	r.writing = true
	for len(r.queue) > 0 {
		batch := r.queue
		r.queue = nil
		r.mu.Unlock()
		us := make([]grievance.MessageUpdate, len(batch))
		for i, b := range batch {
			us[i] = b.u
		}
		uctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		errs, err := d.outbox.UpdateMessages(uctx, us)
		cancel()
		for i, b := range batch {
			if err == nil {
				b.done <- errs[i]
			} else {
				b.done <- err
			}
		}
		r.mu.Lock()
	}
	r.writing = false
	r.mu.Unlock()
	return <-p.done
}
