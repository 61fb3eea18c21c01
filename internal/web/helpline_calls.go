package web

import (
	"fmt"
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
// handling time per agent, agent time per status. ?format=csv exports the
// day's calls (table=agents: the agents' figures; table=hours: calls per
// hour); ?format=xlsx exports all three, one sheet each. Exports carry
// what the page shows (callers' numbers masked), in the page's language.
func (s *Server) controlCalls(w http.ResponseWriter, r *http.Request) {
	if !s.controlOnly(w, r) || s.Calls == nil {
		if s.Calls == nil {
			s.notFound(w, r)
		}
		return
	}
	q := r.URL.Query()
	format, table := q.Get("format"), q.Get("table")
	if format != "" && format != "csv" && format != "xlsx" || table != "" && table != "calls" && table != "agents" && table != "hours" {
		s.fail(w, r, grievance.Errorf(grievance.EInvalid, "error.calls_export"))
		return
	}
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("calls.title")
	l := s.Now().In(s.Location)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.Location)
	if v := q.Get("day"); v != "" {
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
	v := callsView{Day: day.Format("2006-01-02"), Calls: calls, Report: grievance.NewCallReport(calls, trans, day, end, s.Location),
		Logins: logins, Statuses: grievance.AgentStatuses}
	if format == "" {
		p.Data = v
		s.render(w, http.StatusOK, "calls", p)
		return
	}
	tables := v.tables(p)
	file := "calls-" + v.Day
	if format == "csv" {
		t := tables[0]
		switch table {
		case "agents":
			t, file = tables[1], "call-agents-"+v.Day
		case "hours":
			t, file = tables[2], "calls-per-hour-"+v.Day
		}
		writeCSV(w, file+".csv", t.Head, t.Rows)
		return
	}
	if err := writeXLSXSheets(w, file+".xlsx", []string{"calls", "agents", "hours"}, tables); err != nil {
		s.fail(w, r, grievance.Internal(fmt.Errorf("web: xlsx calls: %w", err)))
	}
}

// tables are the call report as the exports write it: the calls, the
// agents' figures and the calls per hour, durations in whole seconds.
func (v callsView) tables(p *page) []dataTable {
	secs := func(d time.Duration) string { return strconv.Itoa(int(d.Seconds())) }
	calls := dataTable{Head: []string{p.T("calls.arrived"), p.T("calls.direction"), p.T("calls.caller"), p.T("calls.helpline"), "DID",
		p.T("calls.language"), p.T("calls.outcome"), p.T("helpline.agent"), p.T("calls.wait_s"), p.T("calls.talk_s"), p.T("calls.complaint")},
		Num: []bool{false, false, false, false, false, false, false, false, true, true, false}}
	for _, c := range v.Calls {
		lang := ""
		if c.Language != "" {
			lang = p.T("calls.lang." + string(c.Language))
		}
		calls.Rows = append(calls.Rows, []string{c.Arrived.In(p.s.Location).Format("2006-01-02 15:04:05"), p.T("calls.direction." + c.Direction),
			c.Caller, c.Helpline, c.DID, lang, p.T("calls.outcome." + c.Outcome), v.Logins[c.AgentID], secs(c.Wait()), secs(c.Talk()), c.Complaint})
	}
	agents := dataTable{Head: []string{p.T("helpline.agent"), p.T("calls.answered"), p.T("calls.handling_s")}, Num: []bool{false, true, true}}
	for _, st := range v.Statuses {
		agents.Head = append(agents.Head, p.T("agent.status."+string(st))+" (s)")
		agents.Num = append(agents.Num, true)
	}
	for _, a := range v.Report.Agents {
		row := []string{v.Logins[a.UserID], strconv.Itoa(a.Calls), secs(a.Handling)}
		for _, st := range v.Statuses {
			row = append(row, secs(a.InStatus[st]))
		}
		agents.Rows = append(agents.Rows, row)
	}
	hours := dataTable{Head: []string{p.T("calls.hour"), p.T("calls.total")}, Num: []bool{false, true}}
	for h, n := range v.Report.PerHour {
		hours.Rows = append(hours.Rows, []string{fmt.Sprintf("%02d:00", h), strconv.Itoa(n)})
	}
	return []dataTable{calls, agents, hours}
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
