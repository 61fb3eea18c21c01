package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Filed notes when each complaint's filer had its 201, by number, for the
// walls to measure their lag against. Once every wall open on it has seen a
// complaint, it forgets it, so that a long run keeps its memory. Safe for
// concurrent use.
type Filed struct {
	m     sync.Map // number → *filing
	n     atomic.Int64
	walls atomic.Int64 // walls watching; 0 keeps every filing
}

// filing is one complaint: when its filer had the 201 (UnixNano; 0 until
// then), whether that was noted, and how many walls have seen it.
type filing struct {
	at    atomic.Int64
	noted atomic.Bool
	seen  atomic.Int64
}

// Note records that number was acknowledged now.
func (f *Filed) Note(number string) {
	if number == "" {
		return
	}
	e := &filing{}
	e.at.Store(time.Now().UnixNano())
	if v, loaded := f.m.LoadOrStore(number, e); loaded {
		// A wall had it before its filer did.
		e = v.(*filing)
		e.at.CompareAndSwap(0, time.Now().UnixNano())
	}
	if e.noted.CompareAndSwap(false, true) {
		f.n.Add(1)
	}
}

// sighted records that a wall saw number and returns how long after its
// 201 (0 when the wall had it first). The last wall to see it forgets it.
func (f *Filed) sighted(number string) time.Duration {
	v, _ := f.m.LoadOrStore(number, &filing{})
	e := v.(*filing)
	var lag time.Duration
	if at := e.at.Load(); at != 0 {
		lag = max(0, time.Since(time.Unix(0, at)))
	}
	if w := f.walls.Load(); w > 0 && e.seen.Add(1) >= w {
		f.m.Delete(number)
	}
	return lag
}

// Count returns how many complaints were noted.
func (f *Filed) Count() int { return int(f.n.Load()) }

// Pending returns how many complaints are remembered: noted and not yet
// seen by every wall, or seen by some wall before their 201.
func (f *Filed) Pending() int {
	n := 0
	f.m.Range(func(any, any) bool { n++; return true })
	return n
}

// Seen returns a Seen that notes each answer's complaint number.
func (f *Filed) Seen() Seen { return func(_ int, body []byte) { f.Note(Number(body)) } }

// Walls are open live-wall event streams (server-sent events) that measure
// how long after its filer had the 201 each complaint reached each of them;
// a wall that had it first (the filer's answer was still on its way) counts
// 0. Lags go to a histogram, so a long run with many walls keeps its memory.
type Walls struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	tr     *http.Transport
	filed  *Filed
	open   atomic.Int64
	// Lag holds each delivery's lag.
	Lag Hist
}

// OpenWalls opens n streams of url (the wall's /control/wall/events) with
// the given cookies (a signed-in supervisor's session); filed tells when
// each complaint was acknowledged.
func OpenWalls(url string, cookies []*http.Cookie, n int, filed *Filed) (*Walls, error) {
	ctx, cancel := context.WithCancel(context.Background())
	w := &Walls{cancel: cancel, tr: &http.Transport{MaxIdleConnsPerHost: n}, filed: filed}
	filed.walls.Add(int64(n))
	for range n {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			w.Close()
			return nil, err
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := w.tr.RoundTrip(req)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("wall stream: %w", err)
		}
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
			res.Body.Close()
			w.Close()
			return nil, fmt.Errorf("wall stream: status %d, %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		w.open.Add(1)
		w.wg.Go(func() {
			defer w.open.Add(-1)
			defer res.Body.Close()
			br := bufio.NewReader(res.Body)
			for {
				line, err := br.ReadSlice('\n')
				if err != nil && err != bufio.ErrBufferFull {
					return
				}
				if n := Number(line); n != "" {
					w.Lag.Add(w.filed.sighted(n))
				}
			}
		})
	}
	return w, nil
}

// Open returns how many streams are still open: the server has not ended
// them.
func (w *Walls) Open() int { return int(w.open.Load()) }

// Close closes every stream.
func (w *Walls) Close() {
	w.cancel()
	w.wg.Wait()
	w.tr.CloseIdleConnections()
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// Login signs in at base's officer login form as login and returns the
// session's cookies.
func Login(base, login, password string) ([]*http.Cookie, error) {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 30 * time.Second}
	res, err := hc.Get(base + "/officer/login")
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("login: no CSRF token on the login page (status %d)", res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/officer/login",
		strings.NewReader(url.Values{"csrf": {string(m[1])}, "login": {login}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range res.Cookies() {
		req.AddCookie(c)
	}
	res2, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login %s: status %d, want 303", login, res2.StatusCode)
	}
	return res2.Cookies(), nil
}

// Number returns the complaint number in an API answer's body
// ({"number":"…",…}), or "".
func Number(body []byte) string {
	const key = `"number":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 || len(body) < i+len(key)+11 {
		return ""
	}
	return string(body[i+len(key) : i+len(key)+11])
}
