package telephony

import (
	"context"
	"time"

	"nivaran/internal/grievance"
)

// outboundCall is the bookkeeping of a call the server places.
type outboundCall struct {
	rec  grievance.CallRecord
	room *room
	r    *recorder
}

func (s *Server) newOutbound(helpline, number string) *outboundCall {
	o := &outboundCall{rec: grievance.CallRecord{Direction: "out", Helpline: helpline, Caller: number, Arrived: s.now()}}
	r, err := newRecorder(s.cfg.RecordDir)
	if err != nil {
		s.log.Error("telephony: recording", "error", err)
	} else {
		o.r = r
	}
	o.room = newRoom(o.r)
	return o
}

// finish stops the mixer, stores the recording and the call record.
func (s *Server) finishOutbound(o *outboundCall) int64 {
	o.room.close()
	o.rec.Ended = s.now()
	for i := range o.rec.Legs {
		if o.rec.Legs[i].Ended.IsZero() {
			o.rec.Legs[i].Ended = o.rec.Ended
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if o.r != nil {
		var err error
		o.rec.RecordingKey, o.rec.RecordingSHA, o.rec.RecordingSize, err = o.r.finish(ctx, s.blobs)
		if err != nil {
			s.log.Error("telephony: store recording", "error", err)
		}
	}
	if err := s.store.SaveCall(ctx, &o.rec); err != nil {
		s.log.Error("telephony: save call", "error", err)
	}
	s.changed()
	return o.rec.ID
}

func (s *Server) didOf(helpline string) string {
	for _, h := range s.cfg.Helplines {
		if h.Code == helpline && !h.MissedCall && len(h.DIDs) > 0 {
			return h.DIDs[0]
		}
	}
	if len(s.cfg.Helplines) > 0 && len(s.cfg.Helplines[0].DIDs) > 0 {
		return s.cfg.Helplines[0].DIDs[0]
	}
	return ""
}

// Callback rings the agent, then calls number back; see
// grievance.HelplineControl.
func (s *Server) Callback(ctx context.Context, userID int64, number, helpline string) (int64, error) {
	if !s.enter() {
		return 0, grievance.Errorf(grievance.EUnavailable, "error.unavailable")
	}
	defer s.wg.Done()
	uri, ok := s.target(number)
	if !ok {
		return 0, grievance.Errorf(grievance.EInvalid, "error.dial_target")
	}
	var trs []grievance.AgentTransition
	s.mu.Lock()
	var a *agent
	for _, x := range s.agents {
		if x.UserID == userID {
			a = x
		}
	}
	if a == nil || a.status != grievance.AgentAvailable && a.status != grievance.AgentWrapUp {
		s.mu.Unlock()
		return 0, grievance.Errorf(grievance.EConflict, "error.agent_not_available")
	}
	if a.status == grievance.AgentWrapUp {
		s.transitionLocked(a, evWrapDone, "", &trs)
	}
	s.transitionLocked(a, evOffer, "", &trs)
	contact, sipUser := a.contact, a.SIPUser
	s.mu.Unlock()
	s.persist(trs)

	o := s.newOutbound(helpline, number)
	o.rec.Legs = append(o.rec.Legs, grievance.CallLeg{Role: "agent", Party: sipUser, UserID: userID, Offered: s.now()})
	ringCtx, cancel := context.WithTimeout(ctx, s.cfg.RingTimeout)
	ad, al, err := s.dial(ringCtx, contact, number)
	cancel()
	trs = trs[:0]
	if err != nil {
		s.mu.Lock()
		s.transitionLocked(a, evCancel, "", &trs)
		s.mu.Unlock()
		s.persist(trs)
		o.room.close()
		if o.r != nil {
			o.r.abort()
		}
		return 0, grievance.Errorf(grievance.EUnavailable, "error.dial_failed")
	}
	s.mu.Lock()
	s.transitionLocked(a, evAnswer, "", &trs)
	s.mu.Unlock()
	s.persist(trs)
	o.rec.Legs[0].Answered, o.rec.Legs[0].Result, o.rec.AgentID = s.now(), "answered", userID
	o.room.add(al, RoleAgent)
	// The citizen: a leg like an inbound caller, recorded on the left.
	o.rec.Legs = append(o.rec.Legs, grievance.CallLeg{Role: "caller", Party: number, Offered: s.now()})
	ringCtx, cancel = context.WithTimeout(ctx, 2*s.cfg.RingTimeout)
	cd, cl, err := s.dial(ringCtx, uri, s.didOf(helpline))
	cancel()
	o.rec.Outcome = "no_answer"
	if err == nil {
		now := s.now()
		o.rec.Legs[1].Answered, o.rec.Legs[1].Result, o.rec.Answered, o.rec.Outcome = now, "answered", now, "answered"
		o.room.add(cl, RoleCaller)
		select {
		case <-ad.Context().Done():
			o.rec.HungUpBy = "agent"
		case <-cd.Context().Done():
			o.rec.HungUpBy = "caller"
		case <-s.ctx.Done():
			o.rec.HungUpBy = "system"
		}
		o.room.remove(cl)
		hangupLeg(cd, cl)
	} else {
		o.rec.Legs[1].Result = "no_answer"
	}
	o.room.remove(al)
	hangupLeg(ad, al)
	trs = trs[:0]
	s.mu.Lock()
	s.transitionLocked(a, evHangup, "", &trs)
	s.mu.Unlock()
	s.persist(trs)
	s.wrapUp(a)
	return s.finishOutbound(o), nil
}

// FeedbackCall asks the citizen whether their complaint was resolved; see
// grievance.HelplineControl.
func (s *Server) FeedbackCall(ctx context.Context, number string, lang grievance.Lang, complaint string) (rune, error) {
	uri, ok := s.target(number)
	if !ok {
		return 0, grievance.Errorf(grievance.EInvalid, "error.dial_target")
	}
	if !lang.Valid() {
		lang = grievance.Hindi
	}
	if !s.enter() {
		return 0, grievance.Errorf(grievance.EUnavailable, "error.unavailable")
	}
	defer s.wg.Done()
	o := s.newOutbound(s.cfg.Helplines[0].Code, number)
	o.rec.Language, o.rec.Complaint, o.rec.Outcome = lang, complaint, "no_answer"
	o.rec.Legs = append(o.rec.Legs, grievance.CallLeg{Role: "caller", Party: number, Offered: s.now()})
	ringCtx, cancel := context.WithTimeout(ctx, 2*s.cfg.RingTimeout)
	d, l, err := s.dial(ringCtx, uri, s.didOf(o.rec.Helpline))
	cancel()
	if err != nil {
		o.rec.Legs[0].Result = "no_answer"
		s.finishOutbound(o)
		return 0, grievance.Errorf(grievance.EUnavailable, "error.dial_failed")
	}
	now := s.now()
	o.rec.Answered, o.rec.Outcome, o.rec.Legs[0].Answered, o.rec.Legs[0].Result = now, "feedback", now, "answered"
	o.room.add(l, RoleCaller)
	q := s.prompts["feedback_"+string(lang)]
	o.room.play(l, newPlayer(false, q))
	var key rune
	timeout := time.NewTimer(time.Duration(len(q)/8)*time.Millisecond + 10*time.Second)
	defer timeout.Stop()
wait:
	for {
		select {
		case k := <-l.digits:
			if k == '1' || k == '2' {
				key = k
				break wait
			}
		case <-timeout.C:
			break wait
		case <-d.Context().Done():
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	if key != 0 && d.Context().Err() == nil {
		p := newPlayer(false, s.prompts["thanks_"+string(lang)])
		o.room.play(l, p)
		select {
		case <-p.done:
		case <-d.Context().Done():
		case <-time.After(5 * time.Second):
		}
		o.rec.HungUpBy = "system"
	} else if d.Context().Err() != nil {
		o.rec.HungUpBy = "caller"
	}
	o.room.remove(l)
	hangupLeg(d, l)
	s.finishOutbound(o)
	return key, nil
}
