package auth

import (
	"sync"
	"time"
)

// Limiter is a token-bucket rate limiter per key (a client address, an
// account). It is in memory: across several servers each enforces its own
// share, which is enough to stop a flood; lockout that must hold everywhere
// lives in the database.
type Limiter struct {
	n      float64       // tokens per interval, and the burst
	per    time.Duration // the interval
	now    func() time.Time
	mu     sync.Mutex
	bucket map[string]*bucket
	swept  time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLimiter allows n events per interval per key, in bursts of up to n.
// n == 0 allows everything.
func NewLimiter(n int, per time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{n: float64(n), per: per, now: now, bucket: map[string]*bucket{}}
}

// Allow takes one token for key. When none is left it returns false and how
// long until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.n == 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.bucket[key]
	if b == nil {
		b = &bucket{tokens: l.n, at: now}
		l.bucket[key] = b
	}
	rate := l.n / float64(l.per)
	b.tokens = min(l.n, b.tokens+float64(now.Sub(b.at))*rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate)
}

// sweep drops full buckets now and then so memory stays bounded.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < l.per && len(l.bucket) < 100_000 {
		return
	}
	l.swept = now
	for k, b := range l.bucket {
		if now.Sub(b.at) >= l.per {
			delete(l.bucket, k)
		}
	}
}
