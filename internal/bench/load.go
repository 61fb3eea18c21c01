// Package bench measures a running Nivaran server from outside, over HTTP on
// loopback: request rates and latency percentiles under closed-loop and
// paced load, the bare net/http ceiling on the same client, the live wall's
// fan-out lag to many open event streams, and the process's memory. The
// nivaran bench command and the benchmarks in cmd/nivaran share it, so that
// every figure in the README is computed one way.
//
// Nothing here asserts a timing: callers report the figures.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is the outcome of a run of requests (or inserts).
type Result struct {
	N        int
	Elapsed  time.Duration
	Lat      []time.Duration // sorted
	Failures int
	First    string // the first failure
}

// Rate returns operations per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.N) / r.Elapsed.Seconds()
}

// Pct returns the p-th percentile latency in milliseconds (nearest rank).
func (r Result) Pct(p float64) float64 {
	if len(r.Lat) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(r.Lat)))) - 1
	i = min(max(i, 0), len(r.Lat)-1)
	return float64(r.Lat[i]) / float64(time.Millisecond)
}

// Add merges s into r: counts and time add up, latencies pool.
func (r *Result) Add(s Result) {
	r.N += s.N
	r.Elapsed += s.Elapsed
	r.Lat = append(r.Lat, s.Lat...)
	slices.Sort(r.Lat)
	r.Failures += s.Failures
	if r.First == "" {
		r.First = s.First
	}
}

// Err returns an error naming the first failure, or nil when none failed.
func (r Result) Err(what string) error {
	if r.Failures == 0 {
		return nil
	}
	return fmt.Errorf("%s: %d of %d requests failed; first: %s", what, r.Failures, r.N, r.First)
}

// NewClient is the load clients' shared HTTP client: keep-alive, one idle
// connection kept per client, no compression.
func NewClient(clients int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = clients
	tr.MaxIdleConnsPerHost = clients
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

// Request builds the i-th request of a run.
type Request func(i int) (*http.Request, error)

// PostJSON posts bodies[(offset+i) % len(bodies)] to url as JSON.
func PostJSON(url string, bodies [][]byte, offset int) Request {
	return func(i int) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[(offset+i)%len(bodies)]))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	}
}

// Get fetches urls[i % len(urls)].
func Get(urls []string) Request {
	return func(i int) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, urls[i%len(urls)], nil)
	}
}

// Seen is told of each successful answer's body prefix (up to 1 KB), e.g.
// to collect the numbers of filed complaints; it must be safe for
// concurrent use.
type Seen func(i int, body []byte)

// run is one request: its latency, and an error message unless the status
// was want.
func run(hc *http.Client, mk Request, i, want int, seen Seen) (time.Duration, string) {
	req, err := mk(i)
	if err != nil {
		return 0, err.Error()
	}
	t0 := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		return time.Since(t0), err.Error()
	}
	defer res.Body.Close()
	var head [1024]byte
	k, _ := io.ReadFull(res.Body, head[:])
	io.Copy(io.Discard, res.Body)
	d := time.Since(t0)
	if res.StatusCode != want {
		return d, fmt.Sprintf("status %d: %.300s", res.StatusCode, head[:k])
	}
	if seen != nil {
		seen(i, head[:k])
	}
	return d, ""
}

// failures counts failed requests and keeps the first message.
type failures struct {
	n     atomic.Int64
	first atomic.Pointer[string]
}

func (f *failures) add(msg string) {
	f.n.Add(1)
	f.first.CompareAndSwap(nil, &msg)
}

func (f *failures) into(r *Result) {
	r.Failures = int(f.n.Load())
	if p := f.first.Load(); p != nil {
		r.First = *p
	}
}

// Drive sends n requests from clients goroutines that share hc (closed
// loop: each sends its next request when the last is answered) and records
// each latency. Only status want counts as success.
func Drive(hc *http.Client, clients, n int, mk Request, want int, seen Seen) Result {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var f failures
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				d, msg := run(hc, mk, i, want, seen)
				lat[i] = d
				if msg != "" {
					f.add(msg)
				}
			}
		})
	}
	wg.Wait()
	r := Result{N: n, Elapsed: time.Since(start), Lat: lat}
	f.into(&r)
	slices.Sort(r.Lat)
	return r
}

// DriveFor is Drive for a duration instead of a count: clients goroutines
// send requests back to back until d has passed or ctx ends. tick, when
// not nil, is called after each request (progress).
func DriveFor(ctx context.Context, hc *http.Client, clients int, d time.Duration, mk Request, want int, seen Seen, tick func()) Result {
	var next atomic.Int64
	var f failures
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for range clients {
		wg.Go(func() {
			var lat []time.Duration
			for ctx.Err() == nil && time.Now().Before(end) {
				i := int(next.Add(1) - 1)
				d, msg := run(hc, mk, i, want, seen)
				lat = append(lat, d)
				if msg != "" {
					f.add(msg)
				}
				if tick != nil {
					tick()
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	r := Result{N: len(all), Elapsed: time.Since(start), Lat: all}
	f.into(&r)
	slices.Sort(r.Lat)
	return r
}

// Paced sends requests at rate per second (open loop: a slow answer does
// not delay the next request) until d has passed or ctx ends, with at most
// maxInFlight outstanding; a request that would exceed it is not sent and
// counts as a failure ("shed by the client"), so that an overloaded server
// shows as failures rather than as a quietly lower rate. Latency is
// measured from when the request was due, so queueing in the client counts.
func Paced(ctx context.Context, hc *http.Client, rate float64, d time.Duration, maxInFlight int, mk Request, want int, seen Seen) Result {
	var f failures
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxInFlight)
	start := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	i := 0
	for ctx.Err() == nil {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= d {
			break
		}
		if w := time.Until(due); w > 0 {
			time.Sleep(w)
		}
		select {
		case sem <- struct{}{}:
		default:
			f.add("more than " + fmt.Sprint(maxInFlight) + " requests in flight: shed by the client")
			i++
			continue
		}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			defer func() { <-sem }()
			_, msg := run(hc, mk, i, want, seen)
			l := time.Since(due)
			if msg != "" {
				f.add(msg)
			}
			mu.Lock()
			all = append(all, l)
			mu.Unlock()
		}(i, due)
		i++
	}
	wg.Wait()
	r := Result{N: i, Elapsed: time.Since(start), Lat: all}
	f.into(&r)
	slices.Sort(r.Lat)
	return r
}
