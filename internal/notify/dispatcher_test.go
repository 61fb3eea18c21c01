package notify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// fakeGateway is a Gateway whose behaviour is a function.
type fakeGateway struct {
	send func(ctx context.Context, m Outgoing) (string, error)
}

func (g *fakeGateway) Send(ctx context.Context, m Outgoing) (string, error) { return g.send(ctx, m) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func MustDispatcher(t testing.TB, o grievance.OutboxService, gw Gateway, opts DispatcherOptions) *Dispatcher {
	t.Helper()
	if opts.Gateway == "" {
		opts.Gateway = "test"
	}
	if opts.Log == nil {
		opts.Log = quiet
	}
	d, err := NewDispatcher(o, gw, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func testMessage(at time.Time) grievance.Message {
	return grievance.Message{Key: "k", Event: EventOTP, Audience: Citizen, To: "9876543210", Lang: grievance.Hindi,
		TemplateID: "1234567", Text: "आपका ओटीपी 482913 है", NextAttempt: at}
}

func TestDispatcherOutcomes(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		send         func(ctx context.Context, m Outgoing) (string, error)
		rounds       int
		wantStatus   grievance.MessageStatus
		wantAttempts int
		wantRef      string
		wantErr      string
	}{
		{"success", func(ctx context.Context, m Outgoing) (string, error) { return "gw-1", nil }, 1, grievance.MsgSent, 1, "gw-1", ""},
		{"permanent", func(ctx context.Context, m Outgoing) (string, error) {
			return "", &SendError{Code: "http_400", Err: errors.New("bad")}
		}, 1, grievance.MsgFailed, 1, "", "http_400"},
		{"unclassified error is permanent", func(ctx context.Context, m Outgoing) (string, error) {
			return "", errors.New("boom")
		}, 1, grievance.MsgFailed, 1, "", "error"},
		{"temporary once then success", func() func(ctx context.Context, m Outgoing) (string, error) {
			var n atomic.Int32
			return func(ctx context.Context, m Outgoing) (string, error) {
				if n.Add(1) == 1 {
					return "", &SendError{Temporary: true, Code: "http_503"}
				}
				return "gw-2", nil
			}
		}(), 2, grievance.MsgSent, 2, "gw-2", ""},
		{"temporary until exhausted", func(ctx context.Context, m Outgoing) (string, error) {
			return "", &SendError{Temporary: true, Code: "http_429"}
		}, 20, grievance.MsgFailed, 8, "", "http_429"},
		{"timeout is temporary", func(ctx context.Context, m Outgoing) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}, 1, grievance.MsgQueued, 1, "", "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ob, clk := newMemOutbox(), &clock{t: start}
			id := ob.add(testMessage(start))
			d := MustDispatcher(t, ob, &fakeGateway{send: tt.send}, DispatcherOptions{
				Now: clk.Now, Rand: func() float64 { return 0.5 }, SendTimeout: 50 * time.Millisecond, Lease: time.Second,
			})
			for range tt.rounds {
				if _, err := d.RunOnce(context.Background()); err != nil {
					t.Fatal(err)
				}
				clk.Add(2 * time.Hour) // past any backoff
			}
			m := ob.get(id)
			if m.Status != tt.wantStatus || m.Attempts != tt.wantAttempts || m.GatewayRef != tt.wantRef || m.LastError != tt.wantErr {
				t.Errorf("message = %s, %d attempts, ref %q, error %q; want %s, %d, %q, %q",
					m.Status, m.Attempts, m.GatewayRef, m.LastError, tt.wantStatus, tt.wantAttempts, tt.wantRef, tt.wantErr)
			}
		})
	}
}

func TestDispatcherRetrySchedule(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ob, clk := newMemOutbox(), &clock{t: start}
	id := ob.add(testMessage(start))
	d := MustDispatcher(t, ob, &fakeGateway{send: func(ctx context.Context, m Outgoing) (string, error) {
		return "", &SendError{Temporary: true, Code: "network"}
	}}, DispatcherOptions{Now: clk.Now, Rand: func() float64 { return 0.5 }})
	for attempt, want := range []time.Duration{2500 * time.Millisecond, 5 * time.Second, 10 * time.Second} {
		if n, _ := d.RunOnce(context.Background()); n != 1 {
			t.Fatalf("attempt %d: claimed %d", attempt+1, n)
		}
		m := ob.get(id)
		if got := m.NextAttempt.Sub(clk.Now()); m.Status != grievance.MsgQueued || got != want {
			t.Fatalf("attempt %d: %s, next in %s; want queued, next in %s", attempt+1, m.Status, got, want)
		}
		if n, _ := d.RunOnce(context.Background()); n != 0 {
			t.Fatalf("attempt %d: claimed %d before it was due", attempt+1, n)
		}
		clk.Add(want)
	}
}

func TestDispatcherStatusAndOutgoing(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ob := newMemOutbox()
	hindi := ob.add(testMessage(start))
	en := testMessage(start)
	en.Text = "Your OTP is 482913"
	english := ob.add(en)
	signer, _ := NewSigner("https://nivaran.example.in", []byte("0123456789abcdef"))
	log := NewLogGateway(quiet, 10)
	var mu sync.Mutex
	got := map[int64]Outgoing{}
	gw := &fakeGateway{send: func(ctx context.Context, m Outgoing) (string, error) {
		mu.Lock()
		got[m.ID] = m
		mu.Unlock()
		return log.Send(ctx, m)
	}}
	// The fake hides LogGateway's SentStatus: plain gateways record sent.
	d := MustDispatcher(t, ob, gw, DispatcherOptions{Gateway: "nic", Signer: signer, EntityID: testEntity, Header: testHeader,
		Now: func() time.Time { return start }})
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := got[hindi]
	if !h.Unicode || got[english].Unicode || h.EntityID != testEntity || h.Header != testHeader || h.TemplateID != "1234567" || h.To != "9876543210" {
		t.Errorf("outgoing = %+v", h)
	}
	if want := signer.URL("nic", hindi); h.DLRURL != want {
		t.Errorf("DLR URL = %q, want %q", h.DLRURL, want)
	}
	if s := ob.get(hindi).Status; s != grievance.MsgSent {
		t.Errorf("status = %s, want sent", s)
	}
	// Through LogGateway itself, a message is delivered at once.
	id := ob.add(testMessage(start))
	d = MustDispatcher(t, ob, log, DispatcherOptions{Gateway: "log", Now: func() time.Time { return start }})
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := ob.get(id); m.Status != grievance.MsgDelivered || m.GatewayRef == "" {
		t.Errorf("log gateway: %s ref %q, want delivered with a ref", m.Status, m.GatewayRef)
	}
	if r := log.Recent(); len(r) != 3 || r[0].ID != id {
		t.Errorf("Recent = %d messages, first %d; want 3, newest first", len(r), r[0].ID)
	}
}

func TestDispatcherConcurrencyBound(t *testing.T) {
	start := time.Now()
	ob := newMemOutbox()
	for range 40 {
		ob.add(testMessage(start))
	}
	var cur, peak atomic.Int32
	gw := &fakeGateway{send: func(ctx context.Context, m Outgoing) (string, error) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		cur.Add(-1)
		return "", nil
	}}
	d := MustDispatcher(t, ob, gw, DispatcherOptions{Workers: 4, Batch: 40})
	if n, err := d.RunOnce(context.Background()); n != 40 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if p := peak.Load(); p > 4 || p < 2 {
		t.Errorf("peak concurrency = %d, want 2..4", p)
	}
}

func TestDispatcherUpdateFailure(t *testing.T) {
	ob := newMemOutbox()
	ob.add(testMessage(time.Now()))
	ob.failUpdate = func(grievance.MessageUpdate) error { return errors.New("disk full") }
	d := MustDispatcher(t, ob, &fakeGateway{send: func(context.Context, Outgoing) (string, error) { return "", nil }}, DispatcherOptions{})
	if _, err := d.RunOnce(context.Background()); err == nil {
		t.Error("RunOnce with a failing outbox: nil error")
	}
}

func TestDispatcherRunKick(t *testing.T) {
	ob := newMemOutbox()
	sent := make(chan int64, 10)
	d := MustDispatcher(t, ob, &fakeGateway{send: func(ctx context.Context, m Outgoing) (string, error) {
		sent <- m.ID
		return "", nil
	}}, DispatcherOptions{PollInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	time.Sleep(20 * time.Millisecond) // Run is now waiting a whole PollInterval
	id := ob.add(testMessage(time.Now()))
	d.Kick()
	select {
	case got := <-sent:
		if got != id {
			t.Errorf("sent %d, want %d", got, id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Kick did not wake the dispatcher")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestNewDispatcherRefuses(t *testing.T) {
	gw := &fakeGateway{}
	for name, o := range map[string]DispatcherOptions{
		"bad name":    {Gateway: "Bad Name"},
		"short lease": {Gateway: "x", Lease: time.Second, SendTimeout: time.Second},
	} {
		if _, err := NewDispatcher(newMemOutbox(), gw, o); err == nil {
			t.Errorf("%s: nil error", name)
		}
	}
}

// BenchmarkDispatcher sends through an HTTP gateway (a local httptest server
// answering like NIC's) from the in-memory outbox and reports messages/s.
func BenchmarkDispatcher(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "Message Accepted MsgID=ABC123")
	}))
	defer srv.Close()
	p := Profiles()["nic"]
	p.URL, p.Username, p.Password = srv.URL, "u", "p"
	gw, err := NewHTTPGateway(p, srv.Client())
	if err != nil {
		b.Fatal(err)
	}
	ob := newMemOutbox()
	now := time.Now()
	for range b.N {
		ob.add(testMessage(now))
	}
	d := MustDispatcher(b, ob, gw, DispatcherOptions{Batch: 64, Workers: 8, Now: func() time.Time { return now }})
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		n, err := d.RunOnce(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		sent += n
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// TestDispatcherRecordsTogether: the outcomes that end while a write is in
// the store go together in the next one, and no outcome waits for a send
// still in progress (a sent message waiting to be recorded is one a crash
// would send again).
func TestDispatcherRecordsTogether(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ob := newMemOutbox()
	ob.writeDelay = 20 * time.Millisecond
	var ids []int64
	for range 24 {
		ids = append(ids, ob.add(testMessage(start)))
	}
	slow, release := ids[0], make(chan struct{})
	d := MustDispatcher(t, ob, &fakeGateway{send: func(ctx context.Context, m Outgoing) (string, error) {
		if m.ID == slow {
			<-release
		}
		return "gw", nil
	}}, DispatcherOptions{Now: func() time.Time { return start }, Workers: 8})
	done := make(chan error, 1)
	go func() {
		_, err := d.RunOnce(context.Background())
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range ids[1:] {
		for ob.get(id).Status != grievance.MsgSent {
			if time.Now().After(deadline) {
				t.Fatalf("message %d not recorded while message %d is being sent", id, slow)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if got := ob.get(slow).Status; got != grievance.MsgQueued {
		t.Fatalf("message still being sent is %s", got)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := ob.get(slow).Status; got != grievance.MsgSent {
		t.Fatalf("slow message is %s after its send, want sent", got)
	}
	ob.mu.Lock()
	writes, updates := ob.writes, len(ob.updates)
	ob.mu.Unlock()
	if updates != len(ids) {
		t.Fatalf("%d updates recorded for %d messages", updates, len(ids))
	}
	// 23 quick outcomes from 8 workers, each write taking 20 ms: one
	// write per message would be 24.
	if writes > len(ids)/2 {
		t.Fatalf("%d writes for %d outcomes: not recorded together", writes, len(ids))
	}
	t.Logf("%d outcomes in %d writes", updates, writes)
}

// TestDispatcherRecordFails: a write that fails as a whole reaches every
// outcome it carried, none is recorded, and RunOnce reports it.
func TestDispatcherRecordFails(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ob := newMemOutbox()
	var ids []int64
	for range 16 {
		ids = append(ids, ob.add(testMessage(start)))
	}
	ob.failWrite = errors.New("disk full")
	ob.writeDelay = 5 * time.Millisecond
	d := MustDispatcher(t, ob, &fakeGateway{send: func(ctx context.Context, m Outgoing) (string, error) { return "gw", nil }},
		DispatcherOptions{Now: func() time.Time { return start }})

	// Straight to the recorder, from 16 goroutines at once: each hears.
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			errs[i] = d.record(context.Background(), grievance.MessageUpdate{ID: id, Status: grievance.MsgSent, Attempts: 1})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("outcome %d: %v, want the write's error", i, err)
		}
	}

	// Through RunOnce: the claim's outcomes all fail to be recorded.
	n, err := d.RunOnce(context.Background())
	if n != len(ids) || err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("RunOnce = %d, %v; want %d claimed and the write's error", n, err, len(ids))
	}
	for _, id := range ids {
		if got := ob.get(id).Status; got != grievance.MsgQueued {
			t.Fatalf("message %d is %s after a failed write, want queued", id, got)
		}
	}
}
