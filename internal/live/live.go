// Package live publishes domain changes to the screens that watch them: the
// control room's live wall subscribes, every committed change is published.
//
// The bus is in process and keeps the last changes in a ring, numbered, so
// that a screen that reconnects after a network drop or a server restart
// (server-sent events send Last-Event-ID) catches up on what it missed; one
// that missed more than the ring holds is told to reload. Across several
// servers, PostgreSQL's LISTEN/NOTIFY feeds each server's bus, every one the
// same changes in the same order (commit order), and the bus is shared
// (NewSharedBus): its events are numbered by the changes' own IDs (the
// complaint history's event IDs), the same on every server, so a screen
// that reconnects to another server catches up there.
package live

import (
	"sync"

	"nivaran/internal/grievance"
)

// Event is a numbered change.
type Event struct {
	ID     int64
	Change grievance.Change
	n      int64 // the bus's own order: ID on a bus that numbers its events
}

// Bus fans changes out to subscribers. Publish only numbers the change and
// puts it in the ring: a goroutine of the bus does the fan-out, so the
// writer that publishes after each commit never pays for hundreds of open
// screens. A subscriber too slow to keep up is dropped (its channel
// closed) and reconnects from its last ID.
type Bus struct {
	mu    sync.Mutex // the ring and the numbering
	seq   int64
	sent  int64   // the last ID handed to the fan-out
	ring  []Event // the last len(ring) events
	next  int     // where the next event goes in ring
	full  bool
	epoch int64 // distinguishes this process's numbering from an earlier one's
	// shared: events are numbered by Change.Seq; at maps the IDs in the
	// ring to their place in the bus's order.
	shared bool
	at     map[int64]int64

	subMu sync.Mutex // the subscriptions
	subs  map[*Subscription]struct{}

	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

// Subscription is one subscriber's stream.
type Subscription struct {
	C    chan Event
	bus  *Bus
	from int64 // events up to this ID came with Subscribe, not the stream
}

// NewBus returns a bus that keeps the last size events; epoch (e.g. the
// start time) starts the numbering so that IDs from an earlier process are
// recognised as older. Close stops its fan-out.
func NewBus(size int, epoch int64) *Bus {
	if size < 1 {
		size = 1024
	}
	b := &Bus{ring: make([]Event, size), subs: map[*Subscription]struct{}{}, seq: epoch, sent: epoch, epoch: epoch,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go b.fanout()
	return b
}

// NewSharedBus returns a bus that keeps the last size events and numbers
// them by their changes' Seq, which every server gives the same change
// (PostgreSQL's event IDs): a screen's Last-Event-ID from one server is
// found in another's ring, which holds the same changes in the same order
// (PostgreSQL notifies every server in commit order, which need not be the
// order of the IDs), and the screen gets the events after it there. A
// change already in the ring is not published again, so that a listener
// may replay what it may have missed.
func NewSharedBus(size int) *Bus {
	b := NewBus(size, 0)
	b.shared, b.at = true, map[int64]int64{}
	return b
}

// Close stops the fan-out; subscriptions get nothing more.
func (b *Bus) Close() {
	close(b.stop)
	<-b.done
}

// Publish numbers a change and queues it for every subscriber. It never
// blocks and costs the same however many screens are open.
func (b *Bus) Publish(c grievance.Change) {
	b.mu.Lock()
	id := b.seq + 1
	if b.shared {
		if _, dup := b.at[c.Seq]; dup && c.Seq > 0 {
			b.mu.Unlock()
			return
		}
		if c.Seq > 0 {
			id = c.Seq
		} else {
			// A change without a Seq (none is published so on
			// PostgreSQL) cannot be found on another server: a negative
			// ID, which no Seq can take, and a screen that reconnects
			// with it just gets what comes next.
			id = -(b.seq + 1)
		}
		if old := b.ring[b.next]; old.n != 0 {
			delete(b.at, old.ID) // overwritten below
		}
		b.at[id] = b.seq + 1
	}
	b.seq++
	b.ring[b.next] = Event{ID: id, Change: c, n: b.seq}
	b.next = (b.next + 1) % len(b.ring)
	if b.next == 0 {
		b.full = true
	}
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default: // already woken
	}
}

// fanout hands every published event to the subscriptions.
func (b *Bus) fanout() {
	defer close(b.done)
	for {
		select {
		case <-b.stop:
			return
		case <-b.wake:
		}
		evs, lost := b.unsent()
		b.subMu.Lock()
		for s := range b.subs {
			if lost {
				// Events were overwritten before they went out: the
				// screens must reload, which a closed stream makes them do.
				b.drop(s)
				continue
			}
			for _, e := range evs {
				if e.n <= s.from {
					continue
				}
				select {
				case s.C <- e:
				default:
					b.drop(s)
				}
				if _, ok := b.subs[s]; !ok {
					break
				}
			}
		}
		b.subMu.Unlock()
	}
}

// unsent takes the events published since the last fan-out; lost reports
// that some were overwritten in the ring before that.
func (b *Bus) unsent() (evs []Event, lost bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := int(b.seq - b.sent)
	if n > len(b.ring) {
		lost, n = true, len(b.ring)
	}
	for k := n; k > 0; k-- {
		evs = append(evs, b.ring[(b.next-k+len(b.ring))%len(b.ring)])
	}
	b.sent = b.seq
	return evs, lost
}

// drop ends a subscription; subMu is held.
func (b *Bus) drop(s *Subscription) {
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.C)
	}
}

// Subscribe starts a stream after event ID after (0: only new events). It
// returns the missed events still in the ring, and ok false when some
// missed events are no longer there (the screen must reload).
func (b *Bus) Subscribe(after int64, buffer int) (s *Subscription, missed []Event, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s = &Subscription{C: make(chan Event, buffer), bus: b, from: b.seq}
	b.subMu.Lock()
	b.subs[s] = struct{}{}
	b.subMu.Unlock()
	if b.shared && after > 0 {
		// Where the screen was, in this bus's order.
		n, found := b.at[after]
		if !found {
			return s, nil, false
		}
		after = n
	}
	if after <= 0 || after >= b.seq {
		return s, nil, after <= 0 || after == b.seq
	}
	count, start := b.next, 0
	if b.full {
		count, start = len(b.ring), b.next
	}
	if count == 0 || after < b.epoch || after+1 < b.ring[start].n {
		return s, nil, false
	}
	for k := 0; k < count; k++ {
		if e := b.ring[(start+k)%len(b.ring)]; e.n > after {
			missed = append(missed, e)
		}
	}
	return s, missed, true
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.bus.subMu.Lock()
	defer s.bus.subMu.Unlock()
	s.bus.drop(s)
}

// Last returns the ID of the newest event published: a snapshot taken
// after reading it holds at least the changes up to it, and Subscribe(Last)
// gives the ones after.
func (b *Bus) Last() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shared {
		if b.seq == 0 {
			return 0
		}
		return b.ring[(b.next-1+len(b.ring))%len(b.ring)].ID
	}
	return b.seq
}

// Subscribers returns how many subscriptions are open.
func (b *Bus) Subscribers() int {
	b.subMu.Lock()
	defer b.subMu.Unlock()
	return len(b.subs)
}
