package bench

import (
	"sync"
	"time"
)

// Hist is a latency histogram for more observations than a slice should
// hold (a sustained run's deliveries to hundreds of walls): 0.1 ms buckets
// up to 1 s, 10 ms buckets up to 60 s, then one overflow bucket. Safe for
// concurrent use.
type Hist struct {
	mu     sync.Mutex
	counts [10000 + 5900 + 1]int64
	n      int64
	max    time.Duration
}

func bucket(d time.Duration) int {
	switch {
	case d < 0:
		return 0
	case d < time.Second:
		return int(d / (100 * time.Microsecond))
	case d < time.Minute:
		return 10000 + int((d-time.Second)/(10*time.Millisecond))
	}
	return 15900
}

// upper returns the upper bound of bucket i.
func upper(i int) time.Duration {
	if i < 10000 {
		return time.Duration(i+1) * 100 * time.Microsecond
	}
	return time.Second + time.Duration(i-10000+1)*10*time.Millisecond
}

// Add records d.
func (h *Hist) Add(d time.Duration) {
	h.mu.Lock()
	h.counts[bucket(d)]++
	h.n++
	h.max = max(h.max, d)
	h.mu.Unlock()
}

// N returns how many were recorded.
func (h *Hist) N() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// Quantile returns the q-quantile (0..1) as its bucket's upper bound (the
// maximum for the top bucket), 0 when empty.
func (h *Hist) Quantile(q float64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == 0 {
		return 0
	}
	rank := int64(q * float64(h.n))
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			return min(upper(i), h.max)
		}
	}
	return h.max
}

// Max returns the largest recorded.
func (h *Hist) Max() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.max
}
