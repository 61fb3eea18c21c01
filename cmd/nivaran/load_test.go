package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// filers are citizens filing complaints through the API without pause,
// spread over servers, recording every acknowledged complaint and every
// answer's status; a request that gets no answer is counted as such.
type filers struct {
	mu     sync.Mutex
	acked  []string
	codes  map[int]int
	failed []error // no answer (connection refused, cut or timed out)
	stop   chan struct{}
	wg     sync.WaitGroup
}

var filerSeq atomic.Int64

// startFilers starts n filers, the i-th on servers[i%len(servers)].
func startFilers(t *testing.T, n int, servers ...*Main) *filers {
	f := &filers{codes: map[int]int{}, stop: make(chan struct{})}
	for i := range n {
		m := servers[i%len(servers)]
		cl := newClient(t, m)
		cl.http.Timeout = 15 * time.Second // far beyond any honest answer
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			for {
				select {
				case <-f.stop:
					return
				default:
				}
				body, _ := json.Marshal(map[string]any{"name": "राम कुमार", "mobile": fmt.Sprintf("96%08d", filerSeq.Add(1)), "language": "hi",
					"category": "mun-garbage", "area": "w-z1-aminabad", "address": "गली 4", "description": "कूड़ा नहीं उठा"})
				req, _ := http.NewRequest("POST", cl.base+"/api/v1/complaints", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				res, err := cl.http.Do(req)
				if err != nil {
					f.mu.Lock()
					f.failed = append(f.failed, err)
					f.mu.Unlock()
					time.Sleep(20 * time.Millisecond)
					continue
				}
				var out struct{ Number string }
				derr := json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				f.mu.Lock()
				f.codes[res.StatusCode]++
				if res.StatusCode == http.StatusCreated && derr == nil && out.Number != "" {
					f.acked = append(f.acked, out.Number)
				}
				f.mu.Unlock()
				if res.StatusCode != http.StatusCreated {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	return f
}

// Acked returns the complaints acknowledged so far.
func (f *filers) Acked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.acked...)
}

// Code returns how many answers had status code.
func (f *filers) Code(code int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.codes[code]
}

// Stop stops the filers and waits for them.
func (f *filers) Stop() {
	close(f.stop)
	f.wg.Wait()
}
