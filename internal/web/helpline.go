package web

import (
	"crypto/rand"

	"encoding/base32"
	"encoding/json"
	"net/http"
	"nivaran/internal/auth"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

// The helpline's pages: the agent console (/agent), the wall's helpline
// panel and the control room's supervision page (/control/helpline), and
// the administrator's phone accounts (/admin/agents). They are not found
// when the helpline is off (NIVARAN_SIP_ADDR unset), except the accounts.

// realm is the digest realm of the SIP server (telephony.Config.Realm).
const sipRealm = "nivaran"

func (s *Server) helplineOn(w http.ResponseWriter, r *http.Request) bool {
	if s.Helpline == nil || s.Calls == nil {
		s.notFound(w, r)
		return false
	}
	return true
}

// agentOnCall returns the signed-in agent's live state when they are on
// the call the form names; otherwise it has answered (403 or 409).
func (s *Server) agentOnCall(w http.ResponseWriter, r *http.Request) (grievance.AgentLive, bool) {
	if !s.agentOnly(w, r) {
		return grievance.AgentLive{}, false
	}
	a, ok := s.myAgent(r)
	if !ok || a.Status != grievance.AgentOnCall || a.CallID != r.PostFormValue("call") {
		s.showAgent(w, r, http.StatusConflict, grievance.Errorf(grievance.EConflict, "error.call_over"))
		return a, false
	}
	return a, true
}

// myAgent returns the live state of the signed-in agent, or false when
// they have no phone account in the live helpline.
func (s *Server) myAgent(r *http.Request) (grievance.AgentLive, bool) {
	id := identityFrom(r)
	for _, a := range s.Helpline.Live().Agents {
		if a.UserID == id.User.ID {
			return a, true
		}
	}
	return grievance.AgentLive{}, false
}

type agentView struct {
	fileView
	Agent    grievance.AgentLive
	Known    bool // the agent's phone has registered since the server started
	InCall   bool
	Earlier  []*grievance.Complaint
	Reasons  []string
	Filed    string // number of the complaint just registered
	Key      string // changes when the console should reload
	Callback []grievance.CallbackRequest
}

var breakReasons = []string{grievance.BreakTea, grievance.BreakMeal, grievance.BreakTraining, grievance.BreakOther}

func (s *Server) agentOnly(w http.ResponseWriter, r *http.Request) bool {
	if !identityFrom(r).Actor.Has(grievance.RoleAgent) {
		s.fail(w, r, grievance.Errorf(grievance.EForbidden, "error.forbidden"))
		return false
	}
	return s.helplineOn(w, r)
}

// agentConsole shows the agent's status and, during a call, the caller's
// number, their earlier complaints and the form to register a new one.
func (s *Server) agentConsole(w http.ResponseWriter, r *http.Request) {
	if !s.agentOnly(w, r) {
		return
	}
	s.showAgent(w, r, http.StatusOK, nil)
}

func (s *Server) showAgent(w http.ResponseWriter, r *http.Request, status int, err error) {
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("agent.title")
	v := agentView{fileView: s.fileView(p), Reasons: breakReasons, Filed: r.URL.Query().Get("filed")}
	v.Agent, v.Known = s.myAgent(r)
	if !v.Known {
		v.Agent.Status = grievance.AgentOffline
	}
	v.InCall = v.Agent.Caller != "" && (v.Agent.Status == grievance.AgentOnCall || v.Agent.Status == grievance.AgentRinging)
	v.Key = string(v.Agent.Status) + "|" + v.Agent.CallID
	if v.InCall {
		// An agent reads the complaints of the number on the line, and
		// only while that call lasts.
		pg, serr := s.Complaints.Search(r.Context(), grievance.SystemActor, grievance.ComplaintFilter{
			Mobile: grievance.NormalizeMobile(v.Agent.Caller), Order: grievance.OrderRecent, Limit: 20})
		if serr == nil {
			v.Earlier = pg.Complaints
		}
	}
	v.Callback, _ = s.Calls.Callbacks(r.Context(), 20)
	for i := range v.Callback {
		v.Callback[i].Number = grievance.MaskMobile(v.Callback[i].Number)
	}
	p.Data = v
	if r.Method == http.MethodPost {
		p.Form = r.PostForm
	}
	if err != nil {
		s.formFail(w, r, "agent", p, err)
		return
	}
	s.render(w, status, "agent", p)
}

// agentLiveJSON lets the console's script reload when a call arrives or ends.
func (s *Server) agentLiveJSON(w http.ResponseWriter, r *http.Request) {
	if !s.agentOnly(w, r) {
		return
	}
	a, _ := s.myAgent(r)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]string{"key": string(a.Status) + "|" + a.CallID})
}

// agentBreak sets or ends the agent's break.
func (s *Server) agentBreak(w http.ResponseWriter, r *http.Request) {
	if !s.agentOnly(w, r) {
		return
	}
	reason := r.PostFormValue("reason")
	if r.PostFormValue("resume") != "" {
		reason = ""
	} else if !contains(breakReasons, reason) {
		s.showAgent(w, r, http.StatusUnprocessableEntity, &grievance.Error{Code: grievance.EInvalid, Key: "error.break_reason",
			Fields: map[string]string{"reason": "error.break_reason"}})
		return
	}
	if err := s.Helpline.SetBreak(identityFrom(r).User.ID, reason); err != nil {
		s.showAgent(w, r, http.StatusConflict, grievance.Errorf(grievance.EConflict, "error.agent_no_phone"))
		return
	}
	redirect(w, r, "/agent")
}

// agentComplaint registers a complaint for the caller on the line (channel
// phone) and links it to the call.
func (s *Server) agentComplaint(w http.ResponseWriter, r *http.Request) {
	a, ok := s.agentOnCall(w, r)
	if !ok {
		return
	}
	if a.Caller == "" {
		s.showAgent(w, r, http.StatusConflict, grievance.Errorf(grievance.EConflict, "error.call_over"))
		return
	}
	lang := grievance.Lang(r.PostFormValue("language"))
	if !lang.Valid() {
		lang = grievance.Hindi
	}
	c, err := s.Complaints.File(r.Context(), grievance.NewComplaint{
		Name: r.PostFormValue("name"), Mobile: a.Caller, Language: lang, Channel: grievance.ChannelPhone,
		Category: r.PostFormValue("category"), Area: r.PostFormValue("area"), Address: r.PostFormValue("address"),
		Description: r.PostFormValue("description"),
	})
	if err != nil {
		s.showAgent(w, r, http.StatusUnprocessableEntity, err)
		return
	}
	if err := s.Helpline.LinkComplaint(a.CallID, c.Number); err != nil {
		s.showAgent(w, r, http.StatusConflict, err)
		return
	}
	redirect(w, r, "/agent?filed="+c.Number)
}

// agentLink links the agent's call to one of the caller's earlier
// complaints (a caller asking about an existing complaint).
func (s *Server) agentLink(w http.ResponseWriter, r *http.Request) {
	a, ok := s.agentOnCall(w, r)
	if !ok {
		return
	}
	number := r.PostFormValue("complaint")
	c, err := s.Complaints.Complaint(r.Context(), grievance.SystemActor, number)
	if err != nil || c.Mobile != grievance.NormalizeMobile(a.Caller) {
		// Only the caller's own complaints: an agent cannot attach (and so
		// reveal) someone else's.
		s.showAgent(w, r, http.StatusNotFound, grievance.Errorf(grievance.ENotFound, "error.not_found"))
		return
	}
	if err := s.Helpline.LinkComplaint(a.CallID, c.Number); err != nil {
		s.showAgent(w, r, http.StatusConflict, err)
		return
	}
	redirect(w, r, "/agent?filed="+c.Number)
}

// agentConference brings an officer into the agent's call.
func (s *Server) agentConference(w http.ResponseWriter, r *http.Request) {
	a, ok := s.agentOnCall(w, r)
	if !ok {
		return
	}
	target := strings.TrimSpace(r.PostFormValue("target"))
	if target == "" {
		s.showAgent(w, r, http.StatusUnprocessableEntity, &grievance.Error{Code: grievance.EInvalid, Key: "error.dial_target",
			Fields: map[string]string{"target": "error.dial_target"}})
		return
	}
	if err := s.Helpline.Conference(r.Context(), a.CallID, target); err != nil {
		s.showAgent(w, r, http.StatusConflict, err)
		return
	}
	redirect(w, r, "/agent")
}

type helplineView struct {
	Live   grievance.HelplineLive
	Day    grievance.HelplineDay
	Counts map[grievance.AgentStatus]int
	Mine   string // the supervisor's own SIP user, "" without a phone
}

func (s *Server) helplineData(r *http.Request) (helplineView, error) {
	v := helplineView{Live: s.Helpline.Live(), Counts: map[grievance.AgentStatus]int{}}
	for _, a := range v.Live.Agents {
		v.Counts[a.Status]++
	}
	now := s.Now()
	l := now.In(s.Location)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.Location)
	var err error
	v.Day, err = s.Calls.HelplineDay(r.Context(), day)
	return v, err
}

// helplineJSON feeds the wall's helpline panel (polled every 2 s).
func (s *Server) helplineJSON(w http.ResponseWriter, r *http.Request) {
	if !s.controlOnly(w, r) || !s.helplineOn(w, r) {
		return
	}
	v, err := s.helplineData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, identityFrom(r))
	type agent struct {
		Name, Status, StatusName, Reason string
		Seconds                          int
	}
	out := struct {
		Agents                       []agent
		Waiting, LongestWait, Answer int
		Abandoned, Missed            int
		Counts                       map[grievance.AgentStatus]int
	}{Waiting: v.Live.Waiting, LongestWait: int(v.Live.LongestWait.Seconds()), Answer: v.Day.Answered,
		Abandoned: v.Day.Abandoned, Missed: v.Day.Missed, Counts: v.Counts}
	for _, a := range v.Live.Agents {
		reason := ""
		if a.Reason != "" {
			reason = p.T("agent.reason." + a.Reason)
		}
		out.Agents = append(out.Agents, agent{Name: a.Login, Status: string(a.Status), StatusName: p.T("agent.status." + string(a.Status)),
			Reason: reason, Seconds: int(v.Live.At.Sub(a.Since).Seconds())})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(out)
}

// controlHelpline lists live calls for supervision.
func (s *Server) controlHelpline(w http.ResponseWriter, r *http.Request) {
	if !s.controlOnly(w, r) || !s.helplineOn(w, r) {
		return
	}
	s.showHelpline(w, r, http.StatusOK, nil)
}

func (s *Server) showHelpline(w http.ResponseWriter, r *http.Request, status int, err error) {
	v, derr := s.helplineData(r)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	v.Mine = s.mySIP(r)
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("helpline.title")
	p.Data = v
	if err != nil {
		s.formFail(w, r, "helpline", p, err)
		return
	}
	s.render(w, status, "helpline", p)
}

func (s *Server) mySIP(r *http.Request) string {
	as, err := s.Calls.SIPAgents(r.Context())
	if err != nil {
		return ""
	}
	for _, a := range as {
		if a.UserID == identityFrom(r).User.ID {
			return a.SIPUser
		}
	}
	return ""
}

// controlSupervise dials the supervisor's phone into a call, or switches
// between listen, whisper and barge.
func (s *Server) controlSupervise(w http.ResponseWriter, r *http.Request) {
	if !s.controlOnly(w, r) || !s.helplineOn(w, r) {
		return
	}
	mine := s.mySIP(r)
	if mine == "" {
		s.showHelpline(w, r, http.StatusConflict, grievance.Errorf(grievance.EConflict, "error.agent_no_phone"))
		return
	}
	if err := s.Helpline.Supervise(r.Context(), r.PostFormValue("call"), mine, r.PostFormValue("mode")); err != nil {
		s.showHelpline(w, r, http.StatusConflict, err)
		return
	}
	redirect(w, r, "/control/helpline")
}

type agentsView struct {
	Agents      []grievance.SIPAgent
	Issued      string // SIP user whose password is shown once
	Password    string
	Login       string // a new agent's Nivaran login and first password, shown once
	WebPassword string
}

// adminAgents lists the phone accounts and the form to issue one.
func (s *Server) adminAgents(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	s.showAgents(w, r, http.StatusOK, nil, agentsView{})
}

func (s *Server) showAgents(w http.ResponseWriter, r *http.Request, status int, err error, v agentsView) {
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("agents.title")
	var lerr error
	v.Agents, lerr = s.Calls.SIPAgents(r.Context())
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	p.Data = v
	if r.Method == http.MethodPost && err != nil {
		p.Form = r.PostForm
	}
	if err != nil {
		s.formFail(w, r, "admin_agents", p, err)
		return
	}
	s.render(w, status, "admin_agents", p)
}

// adminAgentIssue issues (or reissues) a phone account for a user: a new
// random password, shown once; the store keeps only its digest HA1.
func (s *Server) adminAgentIssue(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	if s.Calls == nil {
		s.notFound(w, r)
		return
	}
	bad := func(field, key string) {
		s.showAgents(w, r, http.StatusUnprocessableEntity, &grievance.Error{Code: grievance.EInvalid, Key: key,
			Fields: map[string]string{field: key}}, agentsView{})
	}
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	u, err := s.Auth.Users.UserByLogin(r.Context(), login)
	webPassword := ""
	var newUser *grievance.User
	if grievance.ErrorCode(err) == grievance.ENotFound && r.PostFormValue("create") != "" {
		// A new helpline agent: a Nivaran account with the agent role and
		// a first password shown once, to be changed at first sign-in. It
		// is created with its phone account, in one audited change.
		name := strings.TrimSpace(r.PostFormValue("name"))
		if !validSIPUser(login) {
			bad("login", "error.sip_user")
			return
		}
		if name == "" || len(name) > 100 {
			bad("name", "error.agent_name")
			return
		}
		webPassword = newSIPPassword()
		newUser = &grievance.User{Login: login, Name: name, Roles: []grievance.Role{grievance.RoleAgent}, Language: grievance.Hindi,
			PasswordHash: auth.HashPassword(webPassword, auth.DefaultParams), MustChange: true}
		u = newUser
	} else if err != nil {
		bad("login", "error.agent_login")
		return
	}
	sipUser := strings.ToLower(strings.TrimSpace(r.PostFormValue("sip_user")))
	if sipUser == "" {
		sipUser = u.Login
	}
	if !validSIPUser(sipUser) {
		bad("sip_user", "error.sip_user")
		return
	}
	var langs []grievance.Lang
	for _, l := range r.PostForm["languages"] {
		if grievance.Lang(l).Valid() {
			langs = append(langs, grievance.Lang(l))
		}
	}
	var lines []string
	for _, h := range strings.Split(r.PostFormValue("helplines"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			if !validSIPUser(h) {
				bad("helplines", "error.helplines")
				return
			}
			lines = append(lines, h)
		}
	}
	if len(lines) > 0 && len(langs) == 0 {
		bad("languages", "error.agent_languages")
		return
	}
	pw := newSIPPassword()
	err = s.Calls.AdminIssuePhoneAccount(r.Context(), identityFrom(r).Actor, newUser, grievance.SIPAgent{UserID: u.ID, SIPUser: sipUser,
		HA1: sipHA1(sipUser, pw), Languages: langs, Helplines: lines})
	if err != nil {
		s.showAgents(w, r, http.StatusConflict, err, agentsView{})
		return
	}
	// Shown once, never stored: no redirect, the page is no-store.
	s.showAgents(w, r, http.StatusOK, nil, agentsView{Issued: sipUser, Password: pw, Login: u.Login, WebPassword: webPassword})
}

func validSIPUser(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newSIPPassword() string {
	b := make([]byte, 10)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
