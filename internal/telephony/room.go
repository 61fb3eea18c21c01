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

	start time.Time
	ticks int64 // 20 ms frames due so far, mixed or lost
	lost  int64 // frames skipped because the tick fell too far behind
}

func newRoom(rec *recorder) *room {
	r := &room{rec: rec, stop: make(chan struct{}), done: make(chan struct{}), start: time.Now()}
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
		// A tick can come late or be dropped when the machine is busy:
		// catch up on the frames due (up to maxCatchUp, sent back to
		// back; the phones' jitter buffers absorb that), so that the
		// streams keep their 50 frames a second.
		due := int64(time.Since(r.start)/(20*time.Millisecond)) - r.ticks
		for i := int64(0); i < min(due, maxCatchUp); i++ {
			r.tick(&ps, silence)
		}
		if due > maxCatchUp {
			r.ticks += due - maxCatchUp // too far behind: those frames are lost
			r.lost += due - maxCatchUp
		}
	}
}

// maxCatchUp is how many late frames a tick may send at once (0.5 s);
// beyond that a phone's jitter buffer would drop them anyway.
const maxCatchUp = 25

// tick mixes and writes one 20 ms frame.
func (r *room) tick(pps *[]*party, silence []int16) {
	r.mu.Lock()
	ps := (*pps)[:0]
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
	r.ticks++
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
	*pps = ps
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
