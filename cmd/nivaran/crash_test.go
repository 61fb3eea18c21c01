package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"nivaran/internal/bench"
	"nivaran/internal/grievance"
	"nivaran/internal/store"
)

// acked is a complaint the server acknowledged with 201, and what was sent.
type acked struct {
	number string
	sent   bench.Complaint
}

// filer files complaints from several clients until stopped, each with a
// mobile number of its own, and keeps every one acknowledged with 201.
type filer struct {
	url    string
	seq    *atomic.Int64 // gives each complaint its own mobile number
	stop   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	acks   []acked
	others map[int]int // statuses other than 201, by status (0: no answer)
	pause  time.Duration
}

// startFiler starts clients filing; each pauses pause between its
// requests (0: back to back).
func startFiler(url string, clients int, seq *atomic.Int64, seed uint64, pause time.Duration) *filer {
	f := &filer{url: url, seq: seq, stop: make(chan struct{}), others: map[int]int{}, pause: pause}
	hc := bench.NewClient(clients)
	hc.Timeout = 30 * time.Second
	for i := range clients {
		r := rand.New(rand.NewPCG(seed, uint64(i)))
		f.wg.Go(func() {
			defer hc.CloseIdleConnections()
			for {
				select {
				case <-f.stop:
					return
				default:
				}
				c := bench.RandomComplaint(r)
				c.Mobile = fmt.Sprintf("6%09d", f.seq.Add(1)) // officers' placeholder mobiles start with 9
				body, _ := json.Marshal(c)
				res, err := hc.Post(f.url+"/api/v1/complaints", "application/json", strings.NewReader(string(body)))
				if err != nil {
					f.mu.Lock()
					f.others[0]++
					f.mu.Unlock()
					time.Sleep(5 * time.Millisecond) // the server is down: do not spin
					continue
				}
				var out struct{ Number string }
				dec := json.NewDecoder(res.Body)
				derr := dec.Decode(&out)
				res.Body.Close()
				f.mu.Lock()
				if res.StatusCode == http.StatusCreated && derr == nil && out.Number != "" {
					f.acks = append(f.acks, acked{out.Number, c})
				} else {
					f.others[res.StatusCode]++
				}
				f.mu.Unlock()
				if f.pause > 0 {
					time.Sleep(f.pause)
				}
			}
		})
	}
	return f
}

// halt stops the clients and returns the acknowledged complaints.
func (f *filer) halt() []acked {
	close(f.stop)
	f.wg.Wait()
	return f.acks
}

// crashRounds is how many times the crash test kills the server:
// NIVARAN_CRASH_ROUNDS for the long version, 20 by default.
func crashRounds(t *testing.T) int {
	if v, err := strconv.Atoi(os.Getenv("NIVARAN_CRASH_ROUNDS")); err == nil && v > 0 {
		return v
	}
	return 20
}

// TestCrashSafetySIGKILL files complaints from several clients into the
// real binary and kills it with SIGKILL at a random moment, restarting it
// each time, at least 20 times. Afterwards every complaint acknowledged
// with 201 must be there with what was sent, its registration event and its
// SMS to the citizen in the outbox, and the database must pass its
// integrity check. Long version: NIVARAN_CRASH_ROUNDS=200.
func TestCrashSafetySIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped with -short")
	}
	bin := nivaranBinary(t)
	data := t.TempDir()
	rounds := crashRounds(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("%d rounds, seed %d", rounds, seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var seq atomic.Int64
	var all []acked
	refused := 0
	for round := range rounds {
		c := startChild(t, bin, data, nil)
		// Six clients, each pausing 10 ms between filings: concurrent
		// writes share batches as under real load, while the number to
		// check afterwards (each complaint, its history and its SMS) stays
		// a few thousand whatever the machine's speed.
		f := startFiler(c.url, 6, &seq, seed+uint64(round), 10*time.Millisecond)
		// A random moment: anywhere from the first requests to well into
		// the load, when batches are committing.
		time.Sleep(time.Duration(50+rng.IntN(600)) * time.Millisecond)
		c.cmd.Process.Signal(syscall.SIGKILL)
		<-c.exited
		acks := f.halt()
		all = append(all, acks...)
		for st, n := range f.others {
			if st != 0 {
				t.Errorf("round %d: %d answers with status %d (only 201 or no answer expected)", round, n, st)
			}
			refused += n
		}
	}
	t.Logf("%d complaints acknowledged across %d SIGKILLs (%d requests without an answer)", len(all), rounds, refused)
	if len(all) < rounds {
		t.Fatalf("only %d complaints acknowledged in %d rounds: the load did not run", len(all), rounds)
	}
	// One more start: the server recovers the database after the last kill.
	c := startChild(t, bin, data, nil)
	res, err := http.Get(c.url + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("after the last kill: readyz %v %v", res, err)
	}
	res.Body.Close()
	c.kill()
	checkAcked(t, data, all)
}

// checkAcked checks, on the stopped server's database, that every
// acknowledged complaint is present and intact, with its registration in
// its history and its citizen SMS in the outbox, and that the database
// passes its integrity check.
func checkAcked(t *testing.T, data string, all []acked) {
	t.Helper()
	withStore(t, data, func(ctx context.Context, st *store.Store) {
		if err := st.IntegrityCheck(ctx); err != nil {
			t.Fatalf("integrity check: %v", err)
		}
		bad := 0
		for _, a := range all {
			if bad > 10 {
				t.Fatal("too many failures")
			}
			got, err := st.Complaint(ctx, grievance.SystemActor, a.number)
			if err != nil {
				t.Errorf("acknowledged complaint %s: %v", a.number, err)
				bad++
				continue
			}
			w := a.sent
			if got.Name != w.Name || got.Mobile != w.Mobile || got.Category != w.Category || got.Area != w.Area ||
				got.Address != w.Address || got.Description != w.Description || string(got.Language) != w.Language ||
				(got.Location == nil) != (w.Lat == nil) || (w.Lat != nil && (got.Location.Lat != *w.Lat || got.Location.Long != *w.Long)) {
				t.Errorf("complaint %s: stored %+v, sent %+v", a.number, got, w)
				bad++
			}
			ev, err := st.History(ctx, grievance.SystemActor, a.number)
			if err != nil || len(ev) == 0 {
				t.Errorf("complaint %s: history %v, %v; want its registration", a.number, ev, err)
				bad++
			}
			msgs, err := st.Messages(ctx, w.Mobile, 10)
			if err != nil || len(msgs) != 1 || msgs[0].ComplaintID != got.ID || msgs[0].Audience != "citizen" {
				t.Errorf("complaint %s: %d messages to the citizen's mobile (%v); want its one registration SMS", a.number, len(msgs), err)
				bad++
			}
		}
	})
}

// TestSIGTERMDrains sends SIGTERM while a request is half-sent and others
// are arriving: the half-sent request must still be answered (201) and
// its complaint kept, no new connection is accepted, and the process exits
// cleanly within a bounded time (Close allows 20 s for requests in flight).
func TestSIGTERMDrains(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := nivaranBinary(t)
	data := t.TempDir()
	c := startChild(t, bin, data, nil)
	var seq atomic.Int64
	seq.Store(500_000_000) // apart from the other tests' numbers
	f := startFiler(c.url, 4, &seq, 7, 0)
	time.Sleep(300 * time.Millisecond)

	// A request whose body is only half there when the signal arrives.
	conn, err := net.Dial("tcp", strings.TrimPrefix(c.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	slow := bench.RandomComplaint(rand.New(rand.NewPCG(3, 4)))
	slow.Mobile = "8000000001" // not the filer's 6…
	body, _ := json.Marshal(slow)
	fmt.Fprintf(conn, "POST /api/v1/complaints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	conn.Write(body[:len(body)/2])
	time.Sleep(100 * time.Millisecond)

	sent := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	select {
	case <-c.exited:
		t.Fatalf("exited with a request in flight: %v", c.err)
	default:
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(c.url, "http://"), time.Second); err == nil {
		t.Error("a new connection was accepted after SIGTERM")
	}
	conn.Write(body[len(body)/2:])
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the half-sent request got no answer: %v", err)
	}
	var out struct{ Number string }
	json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || out.Number == "" {
		t.Fatalf("the half-sent request: status %d, number %q; want 201 and a number", res.StatusCode, out.Number)
	}
	werr, took, ok := c.waitExit(25 * time.Second)
	if !ok {
		t.Fatalf("still running %v after SIGTERM", time.Since(sent))
	}
	if werr != nil {
		t.Errorf("exit after SIGTERM: %v, want status 0\n%s", werr, c.stderr)
	}
	t.Logf("exited %v after the last request was answered", took.Round(time.Millisecond))
	acks := append(f.halt(), acked{out.Number, slow})
	for st, n := range f.others {
		if st != 0 {
			t.Errorf("%d answers with status %d during shutdown (only 201 or no connection expected)", n, st)
		}
	}
	checkAcked(t, data, acks)
}
