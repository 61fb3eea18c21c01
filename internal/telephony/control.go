package telephony

import (
	"context"
	"strings"

	"github.com/emiago/diago"

	"nivaran/internal/grievance"
)

var _ grievance.HelplineControl = (*Server)(nil)

func (s *Server) liveCall(id string) *call {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.calls {
		if c.id == id {
			return c
		}
	}
	return nil
}

// LinkComplaint links the live call id to complaint: the call record gets
// it when the call ends.
func (s *Server) LinkComplaint(id, complaint string) error {
	c := s.liveCall(id)
	if c == nil {
		return grievance.Errorf(grievance.ENotFound, "error.call_over")
	}
	c.mu.Lock()
	c.complaint = complaint
	c.mu.Unlock()
	return nil
}

// target resolves whom to dial: a registered phone by SIP user, or a
// number through the trunk (Config.TrunkDial, "{n}" replaced).
func (s *Server) target(t string) (string, bool) {
	t = strings.ToLower(strings.TrimSpace(t))
	s.mu.Lock()
	a := s.agents[t]
	var contact string
	if a != nil && a.registered {
		contact = a.contact
	}
	s.mu.Unlock()
	if contact != "" {
		return contact, true
	}
	if s.cfg.TrunkDial != "" && t != "" && strings.Trim(t, "+0123456789") == "" {
		return strings.ReplaceAll(s.cfg.TrunkDial, "{n}", t), true
	}
	return "", false
}

// Conference dials target into the live call as an officer: citizen, agent
// and officer all hear each other; any of them but the citizen may leave
// and the call goes on.
func (s *Server) Conference(ctx context.Context, id, target string) error {
	return s.join(ctx, id, target, RoleOfficer)
}

// Supervise dials the supervisor's phone into the call in mode, or, when
// that supervisor is already in it, switches the mode at the next 20 ms.
func (s *Server) Supervise(ctx context.Context, id, sup, mode string) error {
	role, ok := map[string]Role{grievance.SuperviseListen: RoleListen, grievance.SuperviseWhisper: RoleWhisper,
		grievance.SuperviseBarge: RoleBarge}[mode]
	if !ok {
		return grievance.Errorf(grievance.EInvalid, "error.supervise_mode")
	}
	c := s.liveCall(id)
	if c == nil {
		return grievance.Errorf(grievance.ENotFound, "error.call_over")
	}
	c.mu.Lock()
	var in *extra
	for _, x := range c.other {
		if x.who == strings.ToLower(sup) && x.role.Supervisor() {
			in = x
		}
	}
	if in != nil {
		in.role = role
	}
	c.mu.Unlock()
	if in != nil {
		c.room.setRole(in.leg, role)
		return nil
	}
	return s.join(ctx, id, sup, role)
}

func (s *Server) join(ctx context.Context, id, target string, role Role) error {
	c := s.liveCall(id)
	if c == nil {
		return grievance.Errorf(grievance.ENotFound, "error.call_over")
	}
	uri, ok := s.target(target)
	if !ok {
		return grievance.Errorf(grievance.EInvalid, "error.dial_target")
	}
	ringCtx, cancel := context.WithTimeout(ctx, s.cfg.RingTimeout)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()
	d, l, err := s.dial(ringCtx, uri, c.callerNo)
	if err != nil {
		s.log.Info("telephony: dial into call failed", "target", target, "error", err)
		return grievance.Errorf(grievance.EUnavailable, "error.dial_failed")
	}
	now := s.now()
	x := &extra{leg: l, dialog: d, role: role, who: strings.ToLower(target)}
	roleName := "officer"
	if role.Supervisor() {
		roleName = "supervisor"
	}
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		hangupLeg(d, l)
		return grievance.Errorf(grievance.ENotFound, "error.call_over")
	}
	c.other = append(c.other, x)
	c.legs = append(c.legs, grievance.CallLeg{Role: roleName, Party: target, Offered: now, Answered: now, Result: "answered"})
	li := len(c.legs) - 1
	c.mu.Unlock()
	c.room.add(l, role)
	s.changed()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-d.Context().Done():
		case <-c.ctx.Done():
		}
		c.room.remove(l)
		hangupLeg(d, l)
		c.mu.Lock()
		c.legs[li].Ended = s.now()
		for i, y := range c.other {
			if y == x {
				c.other = append(c.other[:i], c.other[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
		s.changed()
	}()
	return nil
}

func hangupLeg(d *diago.DialogClientSession, l *leg) {
	d.Hangup(context.Background())
	l.med.Close()
	<-l.done
	d.Close()
}

// officers reports whether an officer is still in the call.
func (c *call) officers() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.other {
		if x.role == RoleOfficer {
			return true
		}
	}
	return false
}
