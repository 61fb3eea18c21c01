package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"nivaran/internal/blob"
	"nivaran/internal/grievance"
	"nivaran/internal/store"
	"nivaran/internal/store/storetest"
	"nivaran/internal/webhook"
)

var admin = grievance.Actor{UserID: 2, Login: "admin", Roles: []grievance.Role{grievance.RoleAdmin}}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	dir := t.TempDir()
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), store.Options{Path: filepath.Join(dir, "nivaran.db"), Blobs: blobs,
		Messenger: storetest.Messenger{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.ReplaceMasters(context.Background(), storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
	return s
}

func file(t *testing.T, s *store.Store, mobile string) *grievance.Complaint {
	t.Helper()
	c, err := s.File(context.Background(), grievance.NewComplaint{Name: "Ram Kumar", Mobile: mobile, Language: grievance.Hindi,
		Channel: grievance.ChannelWeb, Category: "road", Area: "w1", Address: "Gali 4", Description: "गड्ढा, स्कूल के पास"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// receiver is an integration's endpoint: it checks every request's
// signature as a receiver should, fails the first failFirst attempts of
// each delivery with 503, and counts what it accepted by payload id.
type receiver struct {
	t         *testing.T
	secret    string
	failFirst int

	mu       sync.Mutex
	attempts map[string]int // by X-Nivaran-Delivery
	accepted map[string]int // by payload id
	bodies   map[string]string
	requests int
	badSig   int
}

func newReceiver(t *testing.T, failFirst int) (*receiver, *httptest.Server) {
	r := &receiver{t: t, failFirst: failFirst, attempts: map[string]int{}, accepted: map[string]int{}, bodies: map[string]string{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		rc.t.Errorf("request %s with %q", r.Method, r.Header.Get("Content-Type"))
	}
	if err := webhook.Verify(rc.secret, r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderTimestamp), body,
		time.Now(), 5*time.Minute); err != nil {
		rc.badSig++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	del := r.Header.Get(webhook.HeaderDelivery)
	rc.attempts[del]++
	if rc.attempts[del] <= rc.failFirst {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	var p struct {
		ID    string `json:"id"`
		Event string `json:"event"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.ID == "" || p.Event != r.Header.Get(webhook.HeaderEvent) {
		rc.t.Errorf("payload %s (%v): want an id and the event of the header", body, err)
	}
	rc.accepted[p.ID]++
	rc.bodies[p.ID] = string(body)
	w.WriteHeader(http.StatusNoContent)
}

// drain runs d until no delivery is pending, or fails after a while.
func drain(t *testing.T, s *store.Store, ds ...*webhook.Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if _, err := d.Once(ctx); err != nil && ctx.Err() == nil {
					t.Errorf("Once: %v", err)
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	for ctx.Err() == nil {
		all, err := s.WebhookDeliveries(ctx, 500)
		if err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, x := range all {
			if x.Status == grievance.DeliveryPending {
				pending++
			}
		}
		if pending == 0 && len(all) > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ctx.Err() != nil {
		t.Fatal("deliveries still pending after 20 s")
	}
	cancel()
	wg.Wait()
}

func fast(o webhook.Options) webhook.Options {
	o.BackoffBase, o.BackoffMax, o.PollInterval = 4*time.Millisecond, 20*time.Millisecond, 5*time.Millisecond
	o.Timeout = 5 * time.Second
	return o
}

// TestDispatcherRetriesAndExactlyOnce: every event reaches the receiver,
// correctly signed, after its failed attempts, and is accepted exactly
// once, even with two dispatchers sharing the deliveries.
func TestDispatcherRetriesAndExactlyOnce(t *testing.T) {
	s := openStore(t)
	rc, srv := newReceiver(t, 2)
	h, err := s.AdminAddWebhook(context.Background(), admin, srv.URL+"/nivaran", grievance.HookEvents)
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = h.Secret
	je := grievance.Actor{UserID: 50, Login: "pwd-je-w1", Roles: []grievance.Role{grievance.RoleOfficer}}
	m, _ := s.Masters(context.Background())
	je.Officer = m.OfficerByCode("pwd-je-w1")
	var want []string
	for i := 0; i < 6; i++ {
		c := file(t, s, "98765432"+strconv.Itoa(10+i))
		if _, err := s.Act(context.Background(), je, c.Number, grievance.Action{Kind: grievance.ActAccept}); err != nil {
			t.Fatal(err)
		}
		want = append(want, c.Number)
	}
	d1 := webhook.New(s, fast(webhook.Options{Workers: 2, Batch: 3}))
	d2 := webhook.New(s, fast(webhook.Options{Workers: 2, Batch: 3}))
	drain(t, s, d1, d2)

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.badSig != 0 {
		t.Errorf("%d requests with a bad signature", rc.badSig)
	}
	if len(rc.accepted) != 12 {
		t.Fatalf("accepted %d events, want 12 (6 registrations, 6 status changes)", len(rc.accepted))
	}
	for id, n := range rc.accepted {
		if n != 1 {
			t.Errorf("event %s accepted %d times, want once", id, n)
		}
	}
	if rc.requests != 12*3 {
		t.Errorf("%d requests, want 36 (two refused attempts and one accepted per event)", rc.requests)
	}
	all, _ := s.WebhookDeliveries(context.Background(), 500)
	for _, x := range all {
		if x.Status != grievance.DeliveryDelivered || x.Attempts != 3 || x.LastStatus != http.StatusNoContent {
			t.Errorf("delivery %d: %s after %d attempts (last %d), want delivered after 3 (204)", x.ID, x.Status, x.Attempts, x.LastStatus)
		}
	}
	for _, n := range want {
		found := false
		for _, b := range rc.bodies {
			var p struct {
				Event     string
				Complaint struct{ Number string }
			}
			json.Unmarshal([]byte(b), &p)
			found = found || p.Event == grievance.HookRegistered && p.Complaint.Number == n
		}
		if !found {
			t.Errorf("no registration of %s arrived", n)
		}
	}
}

// TestDispatcherGivesUp: a receiver that never accepts gets MaxAttempts
// attempts, then the delivery is failed and left alone.
func TestDispatcherGivesUp(t *testing.T) {
	s := openStore(t)
	rc, srv := newReceiver(t, 1000)
	h, err := s.AdminAddWebhook(context.Background(), admin, srv.URL, []string{grievance.HookRegistered})
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = h.Secret
	file(t, s, "9876543210")
	drain(t, s, webhook.New(s, fast(webhook.Options{MaxAttempts: 3})))
	all, _ := s.WebhookDeliveries(context.Background(), 10)
	if len(all) != 1 || all[0].Status != grievance.DeliveryFailed || all[0].Attempts != 3 || all[0].LastStatus != 503 || all[0].LastError != "HTTP 503" {
		t.Fatalf("deliveries %+v: want one failed after 3 attempts with HTTP 503", all)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.requests != 3 {
		t.Fatalf("%d requests, want 3", rc.requests)
	}
}

// TestDispatcherUnreachable: a receiver that is down is retried like one
// that refuses; the error is recorded without an HTTP status.
func TestDispatcherUnreachable(t *testing.T) {
	s := openStore(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	if _, err := s.AdminAddWebhook(context.Background(), admin, url, []string{grievance.HookRegistered}); err != nil {
		t.Fatal(err)
	}
	file(t, s, "9876543210")
	drain(t, s, webhook.New(s, fast(webhook.Options{MaxAttempts: 2})))
	all, _ := s.WebhookDeliveries(context.Background(), 10)
	if len(all) != 1 || all[0].Status != grievance.DeliveryFailed || all[0].Attempts != 2 || all[0].LastStatus != 0 || all[0].LastError == "" {
		t.Fatalf("deliveries %+v: want one failed after 2 attempts with a transport error", all)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"7.complaint.registered"}`)
	now := time.Unix(1767225600, 0)
	sig := webhook.Sign("s3cret", now.Unix(), body)
	ts := strconv.FormatInt(now.Unix(), 10)
	tests := []struct {
		name            string
		secret, sig, ts string
		body            []byte
		at              time.Time
		want            error
	}{
		{"valid", "s3cret", sig, ts, body, now.Add(time.Minute), nil},
		{"other secret", "other", sig, ts, body, now, webhook.ErrSignature},
		{"body changed", "s3cret", sig, ts, []byte(`{"id":"8.complaint.registered"}`), now, webhook.ErrSignature},
		{"timestamp changed", "s3cret", sig, strconv.FormatInt(now.Unix()+1, 10), body, now, webhook.ErrSignature},
		{"no signature", "s3cret", "", ts, body, now, webhook.ErrSignature},
		{"replayed later", "s3cret", sig, ts, body, now.Add(6 * time.Minute), webhook.ErrStale},
		{"bad timestamp", "s3cret", sig, "soon", body, now, webhook.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := webhook.Verify(tt.secret, tt.sig, tt.ts, tt.body, tt.at, 5*time.Minute); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	if len(sig) != len("sha256=")+64 || sig[:7] != "sha256=" {
		t.Fatalf("signature %q: want sha256= and 64 hex digits", sig)
	}
}
