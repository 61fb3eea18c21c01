package bench

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is a sample of a process's memory.
type Memory struct {
	AtSeconds float64 `json:"at_s"` // since the sampler started
	RSSBytes  int64   `json:"rss_bytes"`
	// HeapBytes is the heap allocated now, live and garbage not yet
	// collected (runtime.MemStats.HeapAlloc): it saws between the live
	// heap and the next collection's goal. 0 for another process.
	HeapBytes uint64 `json:"heap_bytes"`
	// LiveHeapBytes is the heap that the last collection found live: the
	// figure to watch for growth.
	LiveHeapBytes uint64 `json:"live_heap_bytes"`
	// HeapGoalBytes is the heap size at which the next collection starts
	// (after the last one): with stacks, about what the Go side can hold.
	HeapGoalBytes uint64 `json:"heap_goal_bytes"`
	// AnonBytes is the RSS not backed by files (Go's heap and stacks, and
	// SQLite's page caches, which modernc.org/sqlite allocates outside the
	// Go heap).
	AnonBytes  int64  `json:"rss_anon_bytes"`
	SysBytes   uint64 `json:"sys_bytes"`  // obtained from the OS by the Go runtime; 0 for another process
	Goroutines int    `json:"goroutines"` // 0 for another process
}

// ReadMemory samples this process's memory now. RSS comes from
// /proc/self/status; where that does not exist it is 0.
func ReadMemory() Memory {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/goal:bytes"}}
	metrics.Read(heap)
	m := Memory{HeapBytes: ms.HeapAlloc, SysBytes: ms.Sys, Goroutines: runtime.NumGoroutine()}
	m.RSSBytes, m.AnonBytes = rss("self")
	if heap[0].Value.Kind() == metrics.KindUint64 {
		m.LiveHeapBytes = heap[0].Value.Uint64()
	}
	if heap[1].Value.Kind() == metrics.KindUint64 {
		m.HeapGoalBytes = heap[1].Value.Uint64()
	}
	return m
}

// ReadMemoryOf samples the RSS of process pid (from /proc/<pid>/status)
// and takes its live heap from gc, which follows the process's GC trace.
func ReadMemoryOf(pid int, gc *GCTrace) Memory {
	var m Memory
	m.RSSBytes, m.AnonBytes = rss(strconv.Itoa(pid))
	if gc != nil {
		m.LiveHeapBytes, m.HeapGoalBytes = gc.Live()
	}
	return m
}

// rss reads the resident set of process pid ("self" for this one) and its
// anonymous part from /proc; 0 where that does not exist.
func rss(pid string) (total, anon int64) {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	kb := func(v string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		return n << 10
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			total = kb(v)
		} else if v, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			anon = kb(v)
		}
	}
	return total, anon
}

// Sampler samples memory every interval until Stop.
type Sampler struct {
	mu      sync.Mutex
	samples []Memory
	stop    chan struct{}
	done    chan struct{}
}

// NewSampler starts sampling this process.
func NewSampler(every time.Duration) *Sampler { return NewSamplerOf(every, ReadMemory) }

// NewSamplerOf starts sampling with read (e.g. another process's memory).
func NewSamplerOf(every time.Duration, read func() Memory) *Sampler {
	s := &Sampler{stop: make(chan struct{}), done: make(chan struct{})}
	start := time.Now()
	take := func() {
		m := read()
		m.AtSeconds = time.Since(start).Seconds()
		s.mu.Lock()
		s.samples = append(s.samples, m)
		s.mu.Unlock()
	}
	take()
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				take()
				return
			case <-t.C:
				take()
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the samples.
func (s *Sampler) Stop() []Memory {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

// Peak returns the largest RSS and heap among samples: the heap allocated
// where it was sampled, otherwise the live heap.
func Peak(samples []Memory) (rss int64, heap uint64) {
	for _, m := range samples {
		rss, heap = max(rss, m.RSSBytes), max(heap, m.HeapBytes, m.LiveHeapBytes)
	}
	return rss, heap
}

// gcLine matches a GODEBUG=gctrace=1 line's heap sizes: "gc 12 @3.4s 2%:
// …, 120->130->60 MB, 125 MB goal, …" (at the start of the collection, at
// its end, and live).
var gcLine = regexp.MustCompile(`^gc \d+ @.* (\d+)->(\d+)->(\d+) MB, (\d+) MB goal`)

// GCTrace follows a Go process's GC trace (GODEBUG=gctrace=1 on its
// standard error) and keeps the live heap of its latest collection. Write
// passes everything to Out. Safe for concurrent use.
type GCTrace struct {
	Out  io.Writer // the rest of the stream; nil discards it
	mu   sync.Mutex
	part []byte
	live uint64
	goal uint64
	n    int
}

// Write takes the stream's next bytes.
func (g *GCTrace) Write(p []byte) (int, error) {
	g.mu.Lock()
	g.part = append(g.part, p...)
	for {
		i := bytes.IndexByte(g.part, '\n')
		if i < 0 {
			break
		}
		if m := gcLine.FindSubmatch(g.part[:i]); m != nil {
			live, _ := strconv.ParseUint(string(m[3]), 10, 64)
			goal, _ := strconv.ParseUint(string(m[4]), 10, 64)
			g.live, g.goal, g.n = live<<20, goal<<20, g.n+1
		}
		g.part = g.part[i+1:]
	}
	if len(g.part) > 64<<10 {
		g.part = g.part[:0]
	}
	g.mu.Unlock()
	if g.Out != nil {
		return g.Out.Write(p)
	}
	return len(p), nil
}

// Live returns the live heap after the latest collection and the next
// one's goal (MiB precision), 0 before the first.
func (g *GCTrace) Live() (live, goal uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.live, g.goal
}

// Collections returns how many collections were seen.
func (g *GCTrace) Collections() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}
