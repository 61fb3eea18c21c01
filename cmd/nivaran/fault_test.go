package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
)

// countComplaints returns how many complaints the database holds.
func countComplaints(t testing.TB, m *Main) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		p, err := m.Store.Search(context.Background(), grievance.SystemActor, grievance.ComplaintFilter{Limit: 500, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Complaints)
		if p.Next == "" {
			return n
		}
		cursor = p.Next
	}
}

// catalogue returns the message of key in lang.
func catalogue(t testing.TB, lang, key string) string {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat.T(lang, key)
}

// apiError is the API's error body.
type apiError struct {
	Error struct{ Code, Message string }
}

// fileAPI posts a valid complaint and returns the status, the error body
// (if any) and the Retry-After header.
func fileAPI(t testing.TB, base, lang string) (int, apiError, string) {
	t.Helper()
	body := `{"name":"राम कुमार","mobile":"9876543210","language":"` + lang + `","category":"mun-garbage","area":"w-z1-aminabad","address":"गली 4","description":"कूड़ा नहीं उठा।"}`
	req, _ := http.NewRequest("POST", base+"/api/v1/complaints", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", lang)
	res, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var e apiError
	json.NewDecoder(res.Body).Decode(&e)
	return res.StatusCode, e, res.Header.Get("Retry-After")
}

// TestDatabaseLockedFailsFast holds the database's write lock from outside
// (as a stuck backup or a failing disk would): filings must not pile up
// behind it but fail with 503, Retry-After and a translated message while
// the lock is still held, store nothing, and succeed again once it is
// released. The lock is SQLite's, so the server runs on SQLite even with
// NIVARAN_TEST_E2E_POSTGRES (PostgreSQL's failures: TestDatabaseOutage).
func TestDatabaseLockedFailsFast(t *testing.T) {
	m := MustRunMain(t, "", map[string]string{"NIVARAN_WRITE_WAIT": "300ms", "NIVARAN_DATABASE_URL": ""})
	before := countComplaints(t, m)
	db, err := sql.Open("sqlite", filepath.Join(m.Config.Data, "nivaran.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	locked := true
	defer func() {
		if locked {
			conn.ExecContext(ctx, "ROLLBACK")
		}
		conn.Close()
	}()

	const n = 40
	type answer struct {
		status int
		e      apiError
		retry  string
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			lang := []string{"hi", "en"}[i%2]
			s, e, ra := fileAPI(t, m.URL(), lang)
			answers[i] = answer{s, e, ra}
		})
	}
	// The web form too: its error page must say the same, in Hindi.
	c := newClient(t, m)
	form := c.get("/")
	web := c.postMultipart("/complaints", url.Values{"csrf": {csrf(t, form.Body)}, "name": {"राम"}, "mobile": {"9876543210"},
		"category": {"mun-garbage"}, "area": {"w-z1-aminabad"}, "address": {"गली 4"}, "description": {"कूड़ा नहीं उठा।"}})
	wg.Wait()
	// Every request has been answered while the lock is still held.
	for i, a := range answers {
		lang := []string{"hi", "en"}[i%2]
		if a.status != http.StatusServiceUnavailable || a.retry == "" || a.e.Error.Code != grievance.EUnavailable ||
			a.e.Error.Message != catalogue(t, lang, "error.store_busy") {
			t.Errorf("filing %d (%s) with the database locked: %d, Retry-After %q, %+v; want 503, Retry-After, %q",
				i, lang, a.status, a.retry, a.e, catalogue(t, lang, "error.store_busy"))
		}
	}
	if web.Status != http.StatusServiceUnavailable || web.Header.Get("Retry-After") == "" ||
		!strings.Contains(web.Body, htmlEscape(catalogue(t, "hi", "error.store_busy"))) {
		t.Errorf("web form with the database locked: %d, Retry-After %q; want 503 with the Hindi message\n%.600s",
			web.Status, web.Header.Get("Retry-After"), web.Body)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	locked = false
	if got := countComplaints(t, m); got != before {
		t.Errorf("%d complaints after the refused filings, want %d (nothing stored)", got, before)
	}
	if s, e, _ := fileAPI(t, m.URL(), "en"); s != http.StatusCreated {
		t.Fatalf("after the lock was released: %d %+v, want 201", s, e)
	}
}

// htmlEscape escapes s as html/template does in text.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestDiskFull runs the server on a small tmpfs, fills it, and files
// complaints (with and without a photo): each is refused with 503 and the
// translated storage-full message, none with a 500; when space returns,
// filing works again and the database passes its integrity check with
// every earlier complaint intact. Needs root (mount); skipped otherwise
// outside CI. The full disk is the one SQLite's database is on, so the
// server runs on SQLite even with NIVARAN_TEST_E2E_POSTGRES.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=16m"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount a 16 MB tmpfs (CI runs as root): %v", err)
		}
		t.Skipf("cannot mount a size-limited tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	m := MustRunMain(t, filepath.Join(dir, "data"), map[string]string{"NIVARAN_DATABASE_URL": ""})
	c := newClient(t, m)
	first := fileJSON(t, c, nil)["number"].(string)

	// Fill the file system.
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := filler.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	filler.Sync()
	// The WAL may still have room in pages it already holds: file until
	// the disk says no.
	refused := 0
	for i := 0; i < 2000 && refused < 5; i++ {
		lang := []string{"hi", "en"}[i%2]
		s, e, ra := fileAPI(t, m.URL(), lang)
		switch s {
		case http.StatusCreated:
		case http.StatusServiceUnavailable:
			refused++
			want := catalogue(t, lang, "error.storage_full")
			if e.Error.Message != want && e.Error.Message != catalogue(t, lang, "error.storage_io") || ra == "" {
				t.Errorf("disk full: message %q, Retry-After %q; want %q and a Retry-After", e.Error.Message, ra, want)
			}
		default:
			t.Fatalf("disk full: status %d %+v, want 201 or 503", s, e)
		}
	}
	if refused == 0 {
		t.Fatal("no filing was refused with the disk full")
	}
	// A photo needs the disk too.
	form := c.get("/")
	res := c.postMultipart("/complaints", url.Values{"csrf": {csrf(t, form.Body)}, "name": {"राम"}, "mobile": {"9876543210"},
		"category": {"mun-garbage"}, "area": {"w-z1-aminabad"}, "address": {"गली 4"}, "description": {"कूड़ा नहीं उठा।"}},
		file{"photos", "a.png", pngImage(t)})
	if res.Status != http.StatusServiceUnavailable {
		t.Errorf("photo with the disk full: %d, want 503\n%.500s", res.Status, res.Body)
	}

	// Space returns.
	filler.Close()
	os.Remove(filepath.Join(dir, "filler"))
	after := fileJSON(t, c, nil)["number"].(string)
	for _, n := range []string{first, after} {
		if _, err := m.Store.Complaint(context.Background(), grievance.SystemActor, n); err != nil {
			t.Errorf("complaint %s after the disk was full: %v", n, err)
		}
	}
	if err := m.Store.IntegrityCheck(context.Background()); err != nil {
		t.Fatalf("integrity check after the disk was full: %v", err)
	}
}

// TestSlowSMSGatewayDoesNotSlowIntake points the server at a Kannel that
// never answers: complaints are still acknowledged (the SMS waits in the
// outbox), and every call to the gateway is cut by its timeout and the
// message queued again for a retry.
func TestSlowSMSGatewayDoesNotSlowIntake(t *testing.T) {
	var started, gaveUp, answered atomic.Int64
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		select {
		case <-r.Context().Done():
			gaveUp.Add(1)
		case <-time.After(time.Minute):
			answered.Add(1)
		}
	}))
	defer gw.Close()
	defer gw.CloseClientConnections()
	m := MustRunMain(t, "", map[string]string{"NIVARAN_SMS_GATEWAY": "kannel", "NIVARAN_SMS_URL": gw.URL + "/cgi-bin/sendsms",
		"NIVARAN_SMS_USER": "u", "NIVARAN_SMS_PASSWORD": "p", "NIVARAN_SMS_LEASE": "2s", "NIVARAN_SMS_RETRY_BASE": "10ms"})
	c := newClient(t, m)
	// Wait until the gateway is holding calls.
	fileJSON(t, c, nil)
	for start := time.Now(); started.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatal("the dispatcher never called the gateway")
		}
	}
	var wg sync.WaitGroup
	var ok atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 5 {
				if s, _, _ := fileAPI(t, m.URL(), "en"); s == http.StatusCreated {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 40 || answered.Load() != 0 {
		t.Fatalf("%d of 40 filings acknowledged while the gateway had answered %d calls; want all 40 with none answered", ok.Load(), answered.Load())
	}
	// The dispatcher gives up on each call (its send timeout) and
	// requeues the message with the error.
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		msgs, err := m.Store.Messages(context.Background(), "9876543210", 50)
		if err != nil {
			t.Fatal(err)
		}
		retried := 0
		for _, msg := range msgs {
			if msg.Attempts > 0 && msg.Status == grievance.MsgQueued && msg.LastError != "" {
				retried++
			}
		}
		if gaveUp.Load() > 0 && retried > 0 {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("after 30 s: gateway saw %d calls given up; %d messages queued again with an error; want both", gaveUp.Load(), retried)
		}
	}
}

// TestSlowClientsBounded opens hundreds of connections that send half a
// header and stall (slowloris) and hundreds that open the live wall and
// never read: the server keeps answering others, its memory stays
// bounded, and it closes the stalled header senders itself
// (ReadHeaderTimeout).
func TestSlowClientsBounded(t *testing.T) {
	m := MustRunMain(t, "", nil)
	addr := m.Addr()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	const slow = 300
	conns := make([]net.Conn, 0, slow)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range slow {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /api/v1/complaints HTTP/1.1\r\nHost: x\r\nX-Slow-%d: ", i)
		conns = append(conns, c)
	}
	// Walls that never read: a signed-in supervisor's streams.
	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	u, _ := url.Parse(m.URL())
	var cookie strings.Builder
	for _, ck := range admin.http.Jar.Cookies(u) {
		fmt.Fprintf(&cookie, "%s=%s; ", ck.Name, ck.Value)
	}
	for range 100 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET /control/wall/events HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n\r\n", cookie.String())
		conns = append(conns, c)
	}
	// Others are still served.
	for range 20 {
		fileJSON(t, newClient(t, m), nil)
	}
	if res := newClient(t, m).get("/track"); res.Status != http.StatusOK {
		t.Fatalf("GET /track during the flood: %d", res.Status)
	}
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	grown := int64(during.HeapInuse) - int64(before.HeapInuse)
	t.Logf("heap in use grew %.1f MiB with %d stalled connections", float64(grown)/(1<<20), len(conns))
	if grown > 64<<20 {
		t.Errorf("heap grew %d MiB with %d stalled connections, want under 64 MiB", grown>>20, len(conns))
	}
	// The server closes every half-header connection by itself.
	var closed atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns[:slow] {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(time.Minute))
			buf := make([]byte, 512)
			for {
				if _, err := c.Read(buf); err != nil {
					var ne net.Error
					if !errors.As(err, &ne) || !ne.Timeout() {
						closed.Add(1)
					}
					return
				}
			}
		})
	}
	wg.Wait()
	if closed.Load() != slow {
		t.Errorf("the server closed %d of %d stalled header senders within a minute", closed.Load(), slow)
	}
}
