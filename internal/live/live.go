// Package live publishes domain changes to the screens that watch them: the
// control room's live wall subscribes, every committed change is published.
//
// The bus is in process and keeps the last changes in a ring, numbered, so
// that a screen that reconnects after a network drop or a server restart
// (server-sent events send Last-Event-ID) catches up on what it missed; one
// that missed more than the ring holds is told to reload. Across several
// servers, PostgreSQL's LISTEN/NOTIFY will feed each server's bus.
package live

import (
	"sync"

	"nivaran/internal/grievance"
)

// Event is a numbered change.
type Event struct {
	ID     int64
	Change grievance.Change
}

// Bus fans changes out to subscribers. A subscriber too slow to keep up is
// dropped (its channel closed) and reconnects from its last ID, so one slow
// screen never holds up the writer or the others.
type Bus struct {
	mu    sync.Mutex
	seq   int64
	ring  []Event // the last len(ring) events, oldest first once full
	next  int     // where the next event goes in ring
	full  bool
	subs  map[*Subscription]struct{}
	epoch int64 // distinguishes this process's numbering from an earlier one's
}

// Subscription is one subscriber's stream.
type Subscription struct {
	C   chan Event
	bus *Bus
}

// NewBus returns a bus that keeps the last size events; epoch (e.g. the
// start time) starts the numbering so that IDs from an earlier process are
// recognised as older.
func NewBus(size int, epoch int64) *Bus {
	if size < 1 {
		size = 1024
	}
	return &Bus{ring: make([]Event, size), subs: map[*Subscription]struct{}{}, seq: epoch, epoch: epoch}
}

// Publish numbers a change and sends it to every subscriber. It never
// blocks.
func (b *Bus) Publish(c grievance.Change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	e := Event{ID: b.seq, Change: c}
	b.ring[b.next] = e
	b.next = (b.next + 1) % len(b.ring)
	if b.next == 0 {
		b.full = true
	}
	for s := range b.subs {
		select {
		case s.C <- e:
		default:
			delete(b.subs, s)
			close(s.C)
		}
	}
}

// Subscribe starts a stream after event ID after (0: only new events). It
// returns the missed events still in the ring, and ok false when some
// missed events are no longer there (the screen must reload).
func (b *Bus) Subscribe(after int64, buffer int) (s *Subscription, missed []Event, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s = &Subscription{C: make(chan Event, buffer), bus: b}
	b.subs[s] = struct{}{}
	ok = true
	if after <= 0 || after >= b.seq {
		return s, nil, after <= 0 || after == b.seq
	}
	count, start := b.next, 0
	if b.full {
		count, start = len(b.ring), b.next
	}
	if count == 0 || after < b.epoch || after+1 < b.ring[start].ID {
		return s, nil, false
	}
	for k := 0; k < count; k++ {
		if e := b.ring[(start+k)%len(b.ring)]; e.ID > after {
			missed = append(missed, e)
		}
	}
	return s, missed, ok
}

// Close ends the subscription.
func (s *Subscription) Close() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.C)
	}
}

// Subscribers returns how many subscriptions are open.
func (b *Bus) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
