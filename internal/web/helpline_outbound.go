package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"nivaran/internal/grievance"
)

// agentCallback places the call-back of a missed call from the agent's
// phone. The call runs in the background (it lasts as long as the
// conversation); the request is marked done when it ends.
func (s *Server) agentCallback(w http.ResponseWriter, r *http.Request) {
	if !s.agentOnly(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	cbs, err := s.Calls.Callbacks(r.Context(), 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req *grievance.CallbackRequest
	for i := range cbs {
		if cbs[i].ID == id {
			req = &cbs[i]
		}
	}
	if req == nil {
		s.showAgent(w, r, http.StatusNotFound, grievance.Errorf(grievance.ENotFound, "error.callback_gone"))
		return
	}
	a, ok := s.myAgent(r)
	if !ok || a.Status != grievance.AgentAvailable && a.Status != grievance.AgentWrapUp {
		s.showAgent(w, r, http.StatusConflict, grievance.Errorf(grievance.EConflict, "error.agent_not_available"))
		return
	}
	user := identityFrom(r).User.ID
	go func(req grievance.CallbackRequest) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
		defer cancel()
		callID, err := s.Helpline.Callback(ctx, user, req.Number, req.Helpline)
		if err != nil {
			slog.Info("helpline: call-back not placed", "request", req.ID, "err", err)
			return
		}
		if err := s.Calls.CallbackDone(ctx, req.ID, user, callID); err != nil {
			slog.Error("helpline: mark call-back done", "request", req.ID, "err", err)
		}
	}(*req)
	redirect(w, r, "/agent")
}

// complaintFeedbackCall calls the citizen of a resolved complaint and
// records their keypad answer: 1 confirms the resolution, 2 rejects it
// (the complaint reopens one level up, as from the portal). The call runs
// in the background.
func (s *Server) complaintFeedbackCall(w http.ResponseWriter, r *http.Request) {
	if !s.helplineOn(w, r) {
		return
	}
	// A complaint the user may not see is not found, whoever asks; only
	// then is the control room's right to call checked.
	number := r.PathValue("number")
	c, err := s.Complaints.Complaint(r.Context(), identityFrom(r).Actor, number)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.controlOnly(w, r) {
		return
	}
	if c.Status != grievance.StatusResolved {
		s.fail(w, r, grievance.Errorf(grievance.EConflict, "error.feedback_not_resolved"))
		return
	}
	go func(c grievance.Complaint) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		key, err := s.Helpline.FeedbackCall(ctx, c.Mobile, c.Language, c.Number)
		if err != nil || key == 0 {
			slog.Info("helpline: feedback call without an answer", "complaint", c.Number, "err", err)
			return
		}
		act, ok := grievance.FeedbackAction(key, func(k string) string { return s.Catalogue.T("hi", k) + " / " + s.Catalogue.T("en", k) })
		if !ok {
			return
		}
		if _, err := s.Complaints.Act(ctx, grievance.CitizenActor(c.Mobile), c.Number, act); err != nil {
			slog.Error("helpline: record feedback", "complaint", c.Number, "err", err)
		}
	}(*c)
	redirect(w, r, "/officer/complaints/"+number+"?feedback=1")
}
