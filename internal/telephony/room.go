package telephony

import (
	"sync"
	"time"
)

// member is a leg in a room with its role and, optionally, a source it
// hears instead of the mix (a prompt, hold music).
type member struct {
	leg    *leg
	party  party
	source *player
	inbuf  []int16
}

// room is one call's mixer: every 20 ms it takes a frame from every leg,
// mixes what each may hear, writes it to each leg, and records the
// caller's side (left: the caller, right: what the caller heard).
type room struct {
	mu      sync.Mutex
	members []*member
	caller  *member
	rec     *recorder

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func newRoom(rec *recorder) *room {
	r := &room{rec: rec, stop: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

// add puts l in the room in role; the first caller is recorded.
func (r *room) add(l *leg, role Role) *member {
	m := &member{leg: l, party: party{role: role}, inbuf: make([]int16, frameSamples)}
	r.mu.Lock()
	r.members = append(r.members, m)
	if role == RoleCaller && r.caller == nil {
		r.caller = m
	}
	r.mu.Unlock()
	return m
}

// remove takes l out of the room.
func (r *room) remove(l *leg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, m := range r.members {
		if m.leg == l {
			r.members = append(r.members[:i], r.members[i+1:]...)
			return
		}
	}
}

// setRole changes a member's role (a supervisor switching between listen,
// whisper and barge), effective at the next tick.
func (r *room) setRole(l *leg, role Role) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.members {
		if m.leg == l {
			m.party.role = role
			return true
		}
	}
	return false
}

// play makes l hear p instead of the mix; nil returns it to the mix.
func (r *room) play(l *leg, p *player) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.members {
		if m.leg == l {
			m.source = p
		}
	}
}

func (r *room) run() {
	defer close(r.done)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	var ps []*party
	silence := make([]int16, frameSamples)
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		r.mu.Lock()
		ps = ps[:0]
		for _, m := range r.members {
			m.party.in = nil
			if m.leg.frame(m.inbuf) {
				m.party.in = m.inbuf
			}
			m.party.source = nil
			if m.source != nil {
				m.party.source = m.source.next()
				if m.party.source == nil {
					m.party.source = silence // a finished prompt is silence until the call moves on
				}
			}
			ps = append(ps, &m.party)
		}
		mix(ps)
		for _, m := range r.members {
			m.leg.write(m.party.out)
		}
		if c := r.caller; c != nil && r.rec != nil {
			in := c.party.in
			if in == nil {
				in = silence
			}
			r.rec.frame(in, c.party.out)
		}
		r.mu.Unlock()
	}
}

// close stops the tick and waits for it.
func (r *room) close() {
	r.once.Do(func() { close(r.stop) })
	<-r.done
}

// player plays PCM frames: a sequence of prompts, or hold music looping.
type player struct {
	mu   sync.Mutex
	pcm  [][]int16
	i, o int // prompt, offset
	loop bool
	done chan struct{}
	fin  bool
}

func newPlayer(loop bool, prompts ...[]int16) *player {
	return &player{pcm: prompts, loop: loop, done: make(chan struct{})}
}

// next returns the next frame, or nil when finished.
func (p *player) next() []int16 {
	p.mu.Lock()
	defer p.mu.Unlock()
	for spins := 0; p.i < len(p.pcm) && p.o >= len(p.pcm[p.i]); spins++ {
		p.i, p.o = p.i+1, 0
		if p.i == len(p.pcm) && p.loop && spins <= len(p.pcm) {
			p.i = 0 // loop, unless every prompt is empty
		}
	}
	if p.i >= len(p.pcm) {
		if !p.fin {
			p.fin = true
			close(p.done)
		}
		return nil
	}
	f := make([]int16, frameSamples)
	copy(f, p.pcm[p.i][p.o:])
	p.o += frameSamples
	return f
}
