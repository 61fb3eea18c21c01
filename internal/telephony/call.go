package telephony

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/emiago/diago"

	"nivaran/internal/grievance"
)

// call is one live helpline call.
type call struct {
	id     string
	h      *Helpline
	rec    grievance.CallRecord
	room   *room
	caller *leg
	ctx    context.Context // ends when the caller hangs up or the server stops
	cancel context.CancelFunc

	callerNo string // the caller's number (immutable; rec is the call goroutine's)

	mu        sync.Mutex          // agent and legs below
	agent     *agent              // the agent talking (nil before)
	ringing   *agent              // the agent being offered the call
	other     []*extra            // officers and supervisors in the call
	legs      []grievance.CallLeg // their legs, added to the record at the end
	complaint string              // linked from the agent console
	ended     bool
}

// extra is a party beyond caller and agent.
type extra struct {
	leg    *leg
	dialog *diago.DialogClientSession
	role   Role
	who    string // SIP user or number dialled
}

func (c *call) hangup() { c.cancel() }

// waiter is a call in the queue.
type waiter struct {
	c        *call
	lang     grievance.Lang
	since    time.Time
	offer    chan *agent // the queue puts the agent to ring here
	offering bool
}

// matchLocked offers waiting calls, oldest first, to the longest-idle
// available agent of their helpline and language.
func (s *Server) matchLocked(trs *[]grievance.AgentTransition) {
	if len(s.waiting) == 0 {
		return
	}
	all := make([]*agent, 0, len(s.agents))
	for _, a := range s.agents {
		all = append(all, a)
	}
	for _, w := range s.waiting {
		if w.offering {
			continue
		}
		a := pickAgent(all, w.c.h.Code, w.lang)
		if a == nil {
			continue
		}
		s.transitionLocked(a, evOffer, "", trs)
		w.offering = true
		w.offer <- a
	}
}

// dequeueLocked takes w out of the queue; an agent offered but not yet
// rung gets their place back.
func (s *Server) dequeueLocked(w *waiter, trs *[]grievance.AgentTransition) {
	for i, x := range s.waiting {
		if x == w {
			s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
			break
		}
	}
	select {
	case a := <-w.offer:
		s.transitionLocked(a, evCancel, "", trs)
	default:
	}
}

// handleInvite runs one inbound call from INVITE to hang-up.
func (s *Server) handleInvite(d *diago.DialogServerSession) {
	if !s.enter() {
		d.Respond(503, "Service Unavailable", nil)
		return
	}
	defer s.wg.Done()
	if !s.trunkAllowed(d) {
		s.log.Warn("telephony: call refused: not from the trunk", "source", d.InviteRequest.Source())
		return
	}
	did := d.ToUser()
	h := s.dids[did]
	if h == nil {
		d.Respond(404, "Not Found", nil)
		return
	}
	caller := d.FromUser()
	now := s.now()
	if h.MissedCall {
		// Rejected unanswered (free for the caller) once the request is
		// stored: the agents call back.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r := &grievance.CallbackRequest{Number: caller, Helpline: h.Code, At: now}
		if err := s.store.AddCallback(ctx, r); err != nil {
			s.log.Error("telephony: call-back request", "error", err)
		}
		rec := grievance.CallRecord{SIPCallID: d.InviteRequest.CallID().Value(), Direction: "in", Helpline: h.Code, DID: did,
			Caller: caller, Arrived: now, Ended: now, Outcome: "missed_call", HungUpBy: "system",
			Legs: []grievance.CallLeg{{Role: "caller", Party: caller, Offered: now, Ended: now, Result: "rejected"}}}
		if err := s.store.SaveCall(ctx, &rec); err != nil {
			s.log.Error("telephony: save call", "error", err)
		}
		d.Respond(486, "Busy Here", nil)
		s.changed()
		return
	}
	d.Trying()
	med, err := d.Answer(diago.AnswerOptions{})
	if err != nil {
		s.log.Warn("telephony: answer", "error", err)
		return
	}
	c := &call{id: s.newCallID(), h: h, rec: grievance.CallRecord{SIPCallID: d.InviteRequest.CallID().Value(), Direction: "in",
		Helpline: h.Code, DID: did, Caller: caller, Arrived: now}}
	c.callerNo = caller
	c.ctx, c.cancel = context.WithCancel(d.Context())
	defer c.cancel()
	stop := context.AfterFunc(s.ctx, c.cancel)
	defer stop()
	c.rec.Legs = append(c.rec.Legs, grievance.CallLeg{Role: "caller", Party: caller, Offered: now, Answered: now})
	rec, err := newRecorder(s.cfg.RecordDir)
	if err != nil {
		s.log.Error("telephony: recording", "error", err)
	}
	c.caller = newLeg(med)
	c.room = newRoom(rec)
	c.room.add(c.caller, RoleCaller)
	s.mu.Lock()
	s.calls[c] = struct{}{}
	s.mu.Unlock()
	s.changed()

	hungUpBy := s.converse(c)

	// The end: stop the mixer before the legs, then store.
	c.room.close()
	s.mu.Lock()
	s.stats.Calls++
	s.stats.FramesDue += int64(time.Since(c.room.start) / (20 * time.Millisecond))
	s.stats.FramesMixed += c.room.ticks - c.room.lost
	s.stats.CallerPackets += c.caller.received.Load()
	if rec != nil {
		s.stats.FramesRecorded += rec.frames
	}
	s.mu.Unlock()
	d.Hangup(context.Background())
	med.Close()
	<-c.caller.done
	c.mu.Lock()
	c.ended = true
	others := append([]*extra(nil), c.other...)
	c.mu.Unlock()
	for _, x := range others {
		hangupLeg(x.dialog, x.leg)
	}
	// The watchers of the extra legs record their ends.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		c.mu.Lock()
		n := len(c.other)
		c.mu.Unlock()
		if n == 0 {
			break
		}
	}
	c.mu.Lock()
	c.rec.Legs = append(c.rec.Legs, c.legs...)
	c.rec.Complaint = c.complaint
	c.mu.Unlock()
	end := s.now()
	c.rec.Ended = end
	c.rec.Legs[0].Ended = end
	for i := range c.rec.Legs {
		if c.rec.Legs[i].Ended.IsZero() {
			c.rec.Legs[i].Ended = end
		}
	}
	if c.rec.HungUpBy == "" {
		c.rec.HungUpBy = hungUpBy
	}
	if c.rec.Answered.IsZero() {
		c.rec.Outcome = "abandoned"
	} else {
		c.rec.Outcome = "answered"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if rec != nil {
		c.rec.RecordingKey, c.rec.RecordingSHA, c.rec.RecordingSize, err = rec.finish(ctx, s.blobs)
		if err != nil {
			s.log.Error("telephony: store recording", "error", err)
		}
	}
	if err := s.store.SaveCall(ctx, &c.rec); err != nil {
		s.log.Error("telephony: save call", "error", err)
	}
	s.mu.Lock()
	delete(s.calls, c)
	s.mu.Unlock()
	s.changed()
}

// converse runs the IVR, the queue and the conversation; it returns who
// hung up.
func (s *Server) converse(c *call) string {
	// Greeting with the recording announcement, in the helpline's
	// languages; a key press interrupts it.
	var greet [][]int16
	for _, g := range c.h.Greeting {
		greet = append(greet, s.prompts[g])
	}
	p := newPlayer(false, greet...)
	c.room.play(c.caller, p)
	m := newMenu(*c.h)
	lang := grievance.Lang("")
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	greetingDone := p.done
	for lang == "" {
		select {
		case <-c.ctx.Done():
			return "caller"
		case <-greetingDone:
			greetingDone = nil
			timer.Reset(s.cfg.MenuTimeout)
		case <-timer.C:
			lang = m.timeout()
		case k := <-c.caller.digits:
			if l, done := m.key(k); done {
				lang = l
			}
		}
	}
	c.rec.Language = lang
	now := s.now()
	c.rec.Queued = now
	// Queue message, then hold music until an agent answers.
	c.room.play(c.caller, newPlayer(false, s.prompts["queue_"+string(lang)]))
	hold := time.AfterFunc(time.Duration(len(s.prompts["queue_"+string(lang)])/8)*time.Millisecond, func() {
		c.room.play(c.caller, newPlayer(true, s.prompts["hold"]))
	})
	defer hold.Stop()
	w := &waiter{c: c, lang: lang, since: now, offer: make(chan *agent, 1)}
	var trs []grievance.AgentTransition
	s.mu.Lock()
	s.waiting = append(s.waiting, w)
	s.matchLocked(&trs)
	s.mu.Unlock()
	s.persist(trs)

	for {
		select {
		case <-c.ctx.Done():
			trs = trs[:0]
			s.mu.Lock()
			s.dequeueLocked(w, &trs)
			s.mu.Unlock()
			s.persist(trs)
			return "caller"
		case a := <-w.offer:
			dialog, l, li := s.offer(c, a)
			if dialog == nil {
				s.mu.Lock()
				w.offering = false
				trs = trs[:0]
				s.matchLocked(&trs)
				s.mu.Unlock()
				s.persist(trs)
				if c.ctx.Err() != nil {
					trs = trs[:0]
					s.mu.Lock()
					s.dequeueLocked(w, &trs)
					s.mu.Unlock()
					s.persist(trs)
					return "caller"
				}
				continue
			}
			trs = trs[:0]
			s.mu.Lock()
			s.dequeueLocked(w, &trs)
			s.mu.Unlock()
			s.persist(trs)
			hold.Stop()
			return s.talk(c, a, dialog, l, li)
		}
	}
}

// offer rings agent a for call c for the ring time. On answer it returns
// the agent's dialog and leg; on no answer it has put the agent on break
// (or given them their place back if the caller left).
func (s *Server) offer(c *call, a *agent) (*diago.DialogClientSession, *leg, int) {
	s.mu.Lock()
	contact, user, sipUser := a.contact, a.UserID, a.SIPUser
	s.mu.Unlock()
	c.rec.Legs = append(c.rec.Legs, grievance.CallLeg{Role: "agent", Party: sipUser, UserID: user, Offered: s.now()})
	c.mu.Lock()
	c.ringing = a
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.ringing = nil
		c.mu.Unlock()
	}()
	li := len(c.rec.Legs) - 1
	ringCtx, cancel := context.WithTimeout(c.ctx, s.cfg.RingTimeout)
	type result struct {
		d   *diago.DialogClientSession
		l   *leg
		err error
	}
	res := make(chan result, 1)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		d, l, err := s.dial(ringCtx, contact, c.rec.Caller)
		res <- result{d, l, err}
	}()
	var r result
	late := false
	select {
	case r = <-res:
	case <-ringCtx.Done():
		late = true
	}
	cancel()
	var trs []grievance.AgentTransition
	if late || r.err != nil {
		if late {
			// A dead phone can hold the INVITE for its 32 s timeout: let
			// it finish in the background and hang up if it answers late.
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				if r := <-res; r.err == nil {
					r.d.Hangup(context.Background())
					r.l.med.Close()
					<-r.l.done
					r.d.Close()
				}
			}()
		}
		leg := &c.rec.Legs[li]
		leg.Ended = s.now()
		s.mu.Lock()
		if c.ctx.Err() != nil {
			leg.Result = "cancelled"
			s.transitionLocked(a, evCancel, "", &trs)
		} else {
			leg.Result = "no_answer"
			if r.err != nil && (strings.Contains(r.err.Error(), "486") || strings.Contains(r.err.Error(), "603")) {
				leg.Result = "rejected"
			}
			s.transitionLocked(a, evNoAnswer, "", &trs)
		}
		s.mu.Unlock()
		s.persist(trs)
		if r.err != nil && !late {
			s.log.Info("telephony: agent did not answer", "sip_user", sipUser, "error", r.err)
		}
		return nil, nil, li
	}
	if c.ctx.Err() != nil { // answered just as the caller left
		r.d.Hangup(context.Background())
		r.l.med.Close()
		<-r.l.done
		r.d.Close()
		s.mu.Lock()
		s.transitionLocked(a, evCancel, "", &trs)
		s.mu.Unlock()
		s.persist(trs)
		c.rec.Legs[li].Result = "cancelled"
		return nil, nil, li
	}
	now := s.now()
	c.rec.Legs[li].Answered, c.rec.Legs[li].Result = now, "answered"
	c.rec.Answered, c.rec.AgentID = now, a.UserID
	c.mu.Lock()
	c.agent = a
	c.mu.Unlock()
	s.mu.Lock()
	s.transitionLocked(a, evAnswer, "", &trs)
	s.mu.Unlock()
	s.persist(trs)
	return r.d, r.l, li
}

// talk bridges caller and agent until one hangs up; it returns who did.
func (s *Server) talk(c *call, a *agent, d *diago.DialogClientSession, l *leg, li int) string {
	c.room.add(l, RoleAgent)
	c.room.play(c.caller, nil)
	s.changed()
	by := "agent"
	agentLeft := false
	select {
	case <-c.ctx.Done():
		by = "caller"
		if s.ctx.Err() != nil {
			by = "system"
		}
	case <-d.Context().Done():
		agentLeft = true
	}
	c.room.remove(l)
	d.Hangup(context.Background())
	l.med.Close()
	<-l.done
	d.Close()
	c.rec.Legs[li].Ended = s.now()
	var trs []grievance.AgentTransition
	c.mu.Lock()
	c.agent = nil
	c.mu.Unlock()
	s.mu.Lock()
	s.transitionLocked(a, evHangup, "", &trs)
	s.mu.Unlock()
	s.persist(trs)
	s.wrapUp(a)
	// The agent left a conference: the citizen and the officer go on
	// until one of them leaves.
	for agentLeft && c.ctx.Err() == nil && c.officers() {
		select {
		case <-c.ctx.Done():
			by = "caller"
		case <-time.After(100 * time.Millisecond):
		}
	}
	return by
}

// wrapUp ends the agent's after-call work after the wrap-up time and
// offers them the next call.
func (s *Server) wrapUp(a *agent) {
	done := func() {
		var trs []grievance.AgentTransition
		s.mu.Lock()
		s.transitionLocked(a, evWrapDone, "", &trs)
		s.matchLocked(&trs)
		s.mu.Unlock()
		s.persist(trs)
	}
	if s.cfg.WrapUp <= 0 {
		done()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(s.cfg.WrapUp)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.ctx.Done():
		}
		done()
	}()
}
