package notify

import (
	"context"
	"slices"
	"sync"
	"time"

	"nivaran/internal/grievance"
)

// memOutbox is an in-memory grievance.OutboxService with the semantics the
// store promises: claims lease messages, updates only move forward (a queued
// update of a queued message records the retry and releases the lease).
type memOutbox struct {
	mu      sync.Mutex
	msgs    map[int64]*grievance.Message
	leased  map[int64]time.Time
	updates []grievance.MessageUpdate
	nextID  int64
	// failUpdate, when set, makes UpdateMessage fail with its result.
	failUpdate func(u grievance.MessageUpdate) error
	// writes counts the calls of UpdateMessages, each taking writeDelay
	// (a store's write waiting for its writer).
	writes     int
	writeDelay time.Duration
	// failWrite, when set, fails every UpdateMessages call as a whole.
	failWrite error
}

func newMemOutbox() *memOutbox {
	return &memOutbox{msgs: map[int64]*grievance.Message{}, leased: map[int64]time.Time{}}
}

// add queues a copy of m, due at m.NextAttempt, and returns its ID.
func (o *memOutbox) add(m grievance.Message) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.nextID++
	m.ID = o.nextID
	if m.Status == "" {
		m.Status = grievance.MsgQueued
	}
	o.msgs[m.ID] = &m
	return m.ID
}

func (o *memOutbox) get(id int64) grievance.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return *o.msgs[id]
}

func (o *memOutbox) ClaimMessages(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]grievance.Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var ids []int64
	for id, m := range o.msgs {
		if m.Status == grievance.MsgQueued && !m.NextAttempt.After(now) && !o.leased[id].After(now) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]grievance.Message, 0, len(ids))
	for _, id := range ids {
		o.leased[id] = now.Add(lease)
		out = append(out, *o.msgs[id])
	}
	return out, nil
}

func (o *memOutbox) UpdateMessages(ctx context.Context, us []grievance.MessageUpdate) ([]error, error) {
	o.mu.Lock()
	o.writes++
	o.mu.Unlock()
	time.Sleep(o.writeDelay)
	if o.failWrite != nil {
		return nil, o.failWrite
	}
	errs := make([]error, len(us))
	for i, u := range us {
		errs[i] = o.UpdateMessage(ctx, u)
	}
	return errs, nil
}

func (o *memOutbox) UpdateMessage(ctx context.Context, u grievance.MessageUpdate) error {
	if o.failUpdate != nil {
		if err := o.failUpdate(u); err != nil {
			return err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.updates = append(o.updates, u)
	m := o.msgs[u.ID]
	if m == nil {
		return grievance.Errorf(grievance.ENotFound, "error.not_found")
	}
	if u.Status.Rank() < m.Status.Rank() || m.Status.Final() {
		return nil
	}
	m.Status, m.Attempts, m.GatewayRef, m.LastError = u.Status, u.Attempts, u.GatewayRef, u.Error
	if u.Status == grievance.MsgQueued {
		m.NextAttempt = u.NextAttempt
	}
	delete(o.leased, u.ID)
	return nil
}

func (o *memOutbox) Message(ctx context.Context, id int64) (*grievance.Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := o.msgs[id]
	if m == nil {
		return nil, grievance.Errorf(grievance.ENotFound, "error.not_found")
	}
	c := *m
	return &c, nil
}

func (o *memOutbox) Messages(ctx context.Context, to string, limit int) ([]grievance.Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []grievance.Message
	for _, m := range o.msgs {
		if to == "" || m.To == to {
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b grievance.Message) int { return int(b.ID - a.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (o *memOutbox) QueueMessages(ctx context.Context, msgs []grievance.Message) error {
	for _, m := range msgs {
		o.add(m)
	}
	return nil
}

func (o *memOutbox) FailedMessages(ctx context.Context, audience string, since time.Time, limit int) ([]grievance.Message, error) {
	return nil, nil
}

var _ grievance.OutboxService = (*memOutbox)(nil)
