package web

import (
	"net/http"
	"strconv"
	"time"

	"nivaran/internal/grievance"
)

type callsView struct {
	Day      string
	Calls    []grievance.CallRecord
	Report   grievance.CallReport
	Logins   map[int64]string
	Statuses []grievance.AgentStatus
}

// controlCalls lists a day's calls with their recordings and the day's
// report: calls per hour, answered within 20 s, abandoned, average
// handling time per agent, agent time per status.
func (s *Server) controlCalls(w http.ResponseWriter, r *http.Request) {
	if !s.controlOnly(w, r) || s.Calls == nil {
		if s.Calls == nil {
			s.notFound(w, r)
		}
		return
	}
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("calls.title")
	l := s.Now().In(s.Location)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.Location)
	if v := r.URL.Query().Get("day"); v != "" {
		d, err := time.ParseInLocation("2006-01-02", v, s.Location)
		if err != nil {
			s.fail(w, r, grievance.Errorf(grievance.EInvalid, "error.bad_date"))
			return
		}
		day = d
	}
	end := day.AddDate(0, 0, 1)
	calls, err := s.Calls.Calls(r.Context(), day, end, 1000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	trans := map[int64][]grievance.AgentTransition{}
	logins := map[int64]string{}
	agents, err := s.Calls.SIPAgents(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, a := range agents {
		logins[a.UserID] = a.Login
		if len(a.Helplines) == 0 {
			continue
		}
		ts, err := s.Calls.AgentTransitions(r.Context(), a.UserID, day.AddDate(0, 0, -1))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		trans[a.UserID] = ts
	}
	for i := range calls {
		calls[i].Caller = grievance.MaskMobile(calls[i].Caller)
	}
	p.Data = callsView{Day: day.Format("2006-01-02"), Calls: calls, Report: grievance.NewCallReport(calls, trans, day, end, s.Location),
		Logins: logins, Statuses: grievance.AgentStatuses}
	s.render(w, http.StatusOK, "calls", p)
}

// callRecording plays a call's recording in the browser (HTTP range
// requests), for the roles allowed to hear it; every request is logged
// before a byte is served.
func (s *Server) callRecording(w http.ResponseWriter, r *http.Request) {
	id := identityFrom(r)
	if !id.Actor.CanHearRecordings() {
		s.fail(w, r, grievance.Errorf(grievance.EForbidden, "error.forbidden"))
		return
	}
	rs, ok := s.Calls.(grievance.RecordingService)
	if s.Calls == nil || !ok {
		s.notFound(w, r)
		return
	}
	callID, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || callID <= 0 {
		s.notFound(w, r)
		return
	}
	c, err := s.Calls.Call(r.Context(), callID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c.RecordingKey == "" {
		s.fail(w, r, grievance.Errorf(grievance.ENotFound, "error.no_recording"))
		return
	}
	f, err := s.Blobs.Open(r.Context(), c.RecordingKey)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	if err := rs.LogRecordingPlay(r.Context(), grievance.RecordingPlay{CallID: callID, UserID: id.User.ID, At: s.Now(),
		Bytes: r.Header.Get("Range")}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", "inline; filename=\"call-"+strconv.FormatInt(callID, 10)+".wav\"")
	http.ServeContent(w, r, "", time.Time{}, f)
}
