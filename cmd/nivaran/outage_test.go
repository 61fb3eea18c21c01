package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/store/pgtest"
)

// TestDatabaseOutage: PostgreSQL (a private server: the shared one is never
// stopped) crashes while citizens file complaints. While it is down the
// server says it is not ready and answers 503 at once instead of hanging;
// when it is back the server recovers by itself, and every complaint that
// was acknowledged is there.
func TestDatabaseOutage(t *testing.T) {
	pg := pgtest.StartPrivate(t)
	m := MustRunMain(t, "", map[string]string{"NIVARAN_DATABASE_URL": pg.URL()})

	var mu sync.Mutex
	var acked []string
	codes := map[int]int{}
	var hung []error
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := newClient(t, m)
			cl.http.Timeout = 15 * time.Second // far beyond any honest answer
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				body, _ := json.Marshal(map[string]any{"name": "राम कुमार", "mobile": fmt.Sprintf("97%08d", i*1000000+k), "language": "hi",
					"category": "mun-garbage", "area": "w-z1-aminabad", "address": "गली 4", "description": "कूड़ा नहीं उठा"})
				req, _ := http.NewRequest("POST", cl.base+"/api/v1/complaints", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				res, err := cl.http.Do(req)
				if err != nil {
					mu.Lock()
					hung = append(hung, err)
					mu.Unlock()
					continue
				}
				var out struct{ Number string }
				derr := json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				mu.Lock()
				codes[res.StatusCode]++
				if res.StatusCode == http.StatusCreated && derr == nil {
					acked = append(acked, out.Number)
				}
				mu.Unlock()
				if res.StatusCode != http.StatusCreated {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	ready := func() int { return newClient(t, m).get("/readyz").Status }
	waitReady := func(want int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for ready() != want {
			if time.Now().After(deadline) {
				t.Fatalf("/readyz not %d within %v", want, within)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	time.Sleep(time.Second)
	pg.Kill()
	waitReady(http.StatusServiceUnavailable, 10*time.Second)
	mu.Lock()
	before := codes[http.StatusServiceUnavailable]
	mu.Unlock()
	time.Sleep(1500 * time.Millisecond) // filings meet the dead database
	mu.Lock()
	during := codes[http.StatusServiceUnavailable] - before
	mu.Unlock()
	pg.Start()
	waitReady(http.StatusOK, 30*time.Second)
	mu.Lock()
	recovered := len(acked)
	mu.Unlock()
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()

	if during == 0 {
		t.Errorf("no 503 while the database was down: %v", codes)
	}
	if len(hung) > 0 {
		t.Errorf("%d requests got no answer (first: %v)", len(hung), hung[0])
	}
	for code, n := range codes {
		if code != http.StatusCreated && code != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d", n, code)
		}
	}
	if len(acked) <= recovered {
		t.Errorf("no complaint filed after the database came back (%d before)", recovered)
	}
	for _, n := range acked {
		if _, err := m.Store.Complaint(t.Context(), grievance.SystemActor, n); err != nil {
			t.Errorf("acknowledged complaint %s: %v", n, err)
		}
	}
	t.Logf("answers: %v; %d acknowledged, all present", codes, len(acked))
}
