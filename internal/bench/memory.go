package bench

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is a sample of this process's memory.
type Memory struct {
	AtSeconds  float64 `json:"at_s"` // since the sampler started
	RSSBytes   int64   `json:"rss_bytes"`
	HeapBytes  uint64  `json:"heap_bytes"` // live heap objects
	SysBytes   uint64  `json:"sys_bytes"`  // obtained from the OS by the Go runtime
	Goroutines int     `json:"goroutines"`
}

// ReadMemory samples the process's memory now. RSS comes from
// /proc/self/status; where that does not exist it is 0.
func ReadMemory() Memory {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Memory{RSSBytes: rss(), HeapBytes: ms.HeapAlloc, SysBytes: ms.Sys, Goroutines: runtime.NumGoroutine()}
}

func rss() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Sampler samples memory every interval until Stop.
type Sampler struct {
	mu      sync.Mutex
	samples []Memory
	stop    chan struct{}
	done    chan struct{}
}

// NewSampler starts sampling.
func NewSampler(every time.Duration) *Sampler {
	s := &Sampler{stop: make(chan struct{}), done: make(chan struct{})}
	start := time.Now()
	take := func() {
		m := ReadMemory()
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

// Peak returns the largest RSS and heap among samples.
func Peak(samples []Memory) (rss int64, heap uint64) {
	for _, m := range samples {
		rss, heap = max(rss, m.RSSBytes), max(heap, m.HeapBytes)
	}
	return rss, heap
}
