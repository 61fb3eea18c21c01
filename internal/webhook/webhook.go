// Package webhook sends the webhook deliveries the store queued with each
// change: it claims due deliveries, POSTs their JSON signed with
// HMAC-SHA256, and records each outcome, retrying with backoff. Several
// dispatchers (one per server) may share the deliveries: a claim's lease
// keeps them apart.
//
// A request carries:
//
//	Content-Type: application/json
//	X-Nivaran-Event: complaint.status_changed
//	X-Nivaran-Delivery: 42                (the same on every retry)
//	X-Nivaran-Timestamp: 1767225600       (Unix seconds of this attempt)
//	X-Nivaran-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">
//
// A receiver recomputes the signature with its secret, compares it in
// constant time, refuses a timestamp more than five minutes away from its
// clock (a replayed request), and ignores a payload id it has already
// processed (a retry after an answer that was lost). Verify does all but
// the last.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/retry"
)

// Headers of a webhook request.
const (
	HeaderEvent     = "X-Nivaran-Event"
	HeaderDelivery  = "X-Nivaran-Delivery"
	HeaderTimestamp = "X-Nivaran-Timestamp"
	HeaderSignature = "X-Nivaran-Signature"
)

// Sign returns the signature header value of body sent at ts with secret.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrSignature = errors.New("webhook: signature does not match")
	ErrStale     = errors.New("webhook: timestamp outside the tolerance")
)

// Verify checks a received request's signature and timestamp headers
// against body: ErrSignature when the signature is missing or wrong,
// ErrStale when the timestamp is further than tolerance from now.
func Verify(secret, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrSignature
	}
	if !hmac.Equal([]byte(signature), []byte(Sign(secret, ts, body))) {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}

// Store is what the dispatcher needs of the store.
type Store interface {
	ClaimWebhookDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]grievance.WebhookDelivery, error)
	RecordWebhookDelivery(ctx context.Context, o grievance.WebhookOutcome) error
}

// Options configures a Dispatcher; zero fields take the defaults named.
type Options struct {
	Batch        int           // deliveries claimed at a time; 16
	Workers      int           // concurrent requests; 4
	Timeout      time.Duration // one request; 10 s
	Lease        time.Duration // a claim; 1 minute (more than Timeout and the record)
	PollInterval time.Duration // wait when idle; 1 s
	MaxAttempts  int           // attempts before a delivery fails; 15 (about a day with the defaults)
	BackoffBase  time.Duration // first retry delay bound; 10 s, doubling
	BackoffMax   time.Duration // largest retry delay; 4 hours
	Client       *http.Client  // http.Client without redirects
	Now          func() time.Time
	Rand         func() float64 // jitter in [0, 1)
	Log          *slog.Logger
}

// Dispatcher sends webhook deliveries.
type Dispatcher struct {
	store Store
	o     Options
	kick  chan struct{}
}

// New returns a dispatcher of st's deliveries.
func New(st Store, o Options) *Dispatcher {
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
	defInt(&o.Batch, 16)
	defInt(&o.Workers, 4)
	defInt(&o.MaxAttempts, 15)
	def(&o.Timeout, 10*time.Second)
	def(&o.Lease, time.Minute)
	def(&o.PollInterval, time.Second)
	def(&o.BackoffBase, 10*time.Second)
	def(&o.BackoffMax, 4*time.Hour)
	if o.Client == nil {
		// Redirects are not followed: the administrator registered this
		// address, and a redirect would carry the signed body elsewhere.
		o.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
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
	return &Dispatcher{store: st, o: o, kick: make(chan struct{}, 1)}
}

// Kick wakes an idle dispatcher (after a change that queued deliveries).
func (d *Dispatcher) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run sends deliveries until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := d.Once(ctx)
		if err != nil && ctx.Err() == nil {
			d.o.Log.Error("webhook dispatch", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		t := time.NewTimer(d.o.PollInterval)
		select {
		case <-ctx.Done():
		case <-d.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// Once claims one batch of due deliveries, sends them and records the
// outcomes; it returns how many it claimed.
func (d *Dispatcher) Once(ctx context.Context) (int, error) {
	batch, err := d.store.ClaimWebhookDeliveries(ctx, d.o.Now(), d.o.Batch, d.o.Lease)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, d.o.Workers)
	errs := make([]error, len(batch))
	for i := range batch {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out := d.send(ctx, batch[i])
			// The outcome is recorded even when ctx ends: the request has
			// been made.
			errs[i] = d.store.RecordWebhookDelivery(context.WithoutCancel(ctx), out)
		}()
	}
	wg.Wait()
	return len(batch), errors.Join(errs...)
}

// send makes one attempt of delivery del and decides what follows.
func (d *Dispatcher) send(ctx context.Context, del grievance.WebhookDelivery) grievance.WebhookOutcome {
	out := grievance.WebhookOutcome{ID: del.ID}
	status, err := d.post(ctx, del)
	out.HTTPStatus = status
	if err == nil {
		out.Status = grievance.DeliveryDelivered
		return out
	}
	out.Error = err.Error()
	attempts := del.Attempts + 1
	if attempts >= d.o.MaxAttempts {
		out.Status = grievance.DeliveryFailed
		d.o.Log.Warn("webhook delivery failed", "delivery", del.ID, "webhook", del.WebhookID, "attempts", attempts, "err", err)
		return out
	}
	out.Status = grievance.DeliveryPending
	out.NextAttempt = d.o.Now().Add(d.backoff(attempts))
	return out
}

// backoff is the delay before attempt n+1: doubling from the base, capped,
// at least half of it so that a receiver coming back is not stampeded
// ("equal jitter"; the SMS dispatcher spreads over the whole bound).
func (d *Dispatcher) backoff(n int) time.Duration {
	return retry.Delay(n, d.o.BackoffBase, d.o.BackoffMax, 0.5, d.o.Rand())
}

func (d *Dispatcher) post(ctx context.Context, del grievance.WebhookDelivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.o.Timeout)
	defer cancel()
	body := []byte(del.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, del.URL, strings.NewReader(del.Payload))
	if err != nil {
		return 0, fmt.Errorf("request: %w", err)
	}
	ts := d.o.Now().Unix()
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Nivaran-Webhook/1")
	h.Set(HeaderEvent, del.Event)
	h.Set(HeaderDelivery, strconv.FormatInt(del.ID, 10))
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(del.Secret, ts, body))
	resp, err := d.o.Client.Do(req)
	if err != nil {
		return 0, errors.New(shortErr(err))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// shortErr keeps the log line of a transport error short and free of the
// URL (which may carry a token of the receiver's).
func shortErr(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			err = inner
		}
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
