package bench

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress draws a one-line progress bar (to standard error, typically):
// the phase's name, a bar over the whole run's planned time, and the
// phase's own counter. Safe for concurrent use.
type Progress struct {
	mu    sync.Mutex
	w     io.Writer
	total time.Duration // planned
	done  time.Duration // finished phases' planned time
	phase string
	plan  time.Duration
	start time.Time
	count int64
	stop  chan struct{}
	wg    sync.WaitGroup
}

// NewProgress returns a bar over total planned time, redrawn 5 times a
// second until Finish.
func NewProgress(w io.Writer, total time.Duration) *Progress {
	p := &Progress{w: w, total: max(total, time.Second), stop: make(chan struct{}), start: time.Now()}
	p.wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw()
			}
		}
	})
	return p
}

// Phase starts a phase planned to take about plan.
func (p *Progress) Phase(name string, plan time.Duration) {
	p.mu.Lock()
	p.done += p.plan
	p.phase, p.plan, p.start, p.count = name, plan, time.Now(), 0
	p.mu.Unlock()
	p.draw()
}

// Tick counts one operation of the phase.
func (p *Progress) Tick() {
	p.mu.Lock()
	p.count++
	p.mu.Unlock()
}

func (p *Progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	el := min(time.Since(p.start), p.plan)
	frac := min(1, float64(p.done+el)/float64(p.total))
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %-40.40s %8d ", strings.Repeat("#", n), strings.Repeat(".", width-n), frac*100, p.phase, p.count)
}

// Finish draws the full bar and ends the line.
func (p *Progress) Finish() {
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	p.done, p.plan, p.phase = p.total, 0, "done"
	p.mu.Unlock()
	p.draw()
	fmt.Fprintln(p.w)
}
