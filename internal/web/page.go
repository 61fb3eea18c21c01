package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
	"nivaran/internal/reply"
)

// page is what every template receives. Its methods are the templates'
// vocabulary: translation, dates and names from the masters.
type page struct {
	s        *Server
	Lang     string
	Title    string
	CSRF     string
	Path     string
	Identity *auth.Identity
	Masters  *grievance.Masters
	Now      time.Time
	Error    string            // message at the top of the page
	Fields   map[string]string // field → translated message
	Form     url.Values        // submitted values, to refill a form
	Data     any
}

// T translates key into the page's language.
func (p *page) T(key string, args ...any) string { return p.s.Catalogue.T(p.Lang, key, args...) }

// District names the district.
func (p *page) District() string { return p.Masters.District.In(grievance.Lang(p.Lang)) }

// FieldError returns the message for a form field, or "".
func (p *page) FieldError(name string) string { return p.Fields[name] }

// Statuses lists every status, for filters.
func (p *page) Statuses() []grievance.Status { return grievance.Statuses }

// Other returns the language the switch offers.
func (p *page) Other() string {
	if p.Lang == "en" {
		return "hi"
	}
	return "en"
}

// Static returns a static file's hashed URL.
func (p *page) Static(name string) string { return p.s.hashed[name] }

// Date formats t as a day in the district's time zone: "4 दिसंबर 2026".
func (p *page) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(p.s.Location)
	return strconv.Itoa(t.Day()) + " " + p.T("month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}

// DateTime formats t with the time of day.
func (p *page) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.Date(t) + ", " + t.In(p.s.Location).Format("15:04")
}

// ISO formats t for a <time datetime> attribute.
func (p *page) ISO(t time.Time) string { return t.In(p.s.Location).Format(time.RFC3339) }

// Status names a status.
func (p *page) Status(s grievance.Status) string { return p.T("status." + string(s)) }

// Channel names a channel.
func (p *page) Channel(c grievance.Channel) string { return p.T("channel." + string(c)) }

// Category names a category.
func (p *page) Category(code string) string {
	if code == "" {
		return p.T("complaint.triage")
	}
	if c := p.Masters.Category(code); c != nil {
		return c.Name.In(grievance.Lang(p.Lang))
	}
	return code
}

// Area names an area, with its parent: "Aminabad, Zone 1".
func (p *page) Area(code string) string {
	if code == "" {
		return p.T("complaint.no_area")
	}
	a := p.Masters.Area(code)
	if a == nil {
		return code
	}
	name := a.Name.In(grievance.Lang(p.Lang))
	if par := p.Masters.Area(a.Parent); par != nil {
		name += ", " + par.Name.In(grievance.Lang(p.Lang))
	}
	return name
}

// Department names a department; "" is the control room.
func (p *page) Department(code string) string {
	if d := p.Masters.Department(code); d != nil {
		return d.Name.In(grievance.Lang(p.Lang))
	}
	return p.T("control_room")
}

// Officer gives an officer's designation (and name for staff).
func (p *page) Officer(id int64) string {
	o := p.Masters.Officer(id)
	if o == nil {
		return p.T("unassigned")
	}
	d := o.Designation.In(grievance.Lang(p.Lang))
	if p.Identity != nil && o.Name != "" {
		d += " (" + o.Name + ")"
	}
	return d
}

// Actor names who acted in a history event.
func (p *page) Actor(name string) string {
	if code, ok := strings.CutPrefix(name, "officer:"); ok {
		if o := p.Masters.OfficerByCode(code); o != nil {
			return o.Designation.In(grievance.Lang(p.Lang))
		}
	}
	switch name {
	case "citizen", "system", "control_room":
		return p.T("actor." + name)
	}
	return name
}

// Action names a history event's kind.
func (p *page) Action(k grievance.ActionKind) string { return p.T("action." + string(k)) }

// Overdue reports whether c is past its deadline now.
func (p *page) Overdue(c *grievance.Complaint) bool { return c.Overdue(p.Now) }

// Val returns a submitted form value.
func (p *page) Val(name string) string { return p.Form.Get(name) }

// Can reports whether the signed-in actor may take action on c now.
func (p *page) Can(action string, c *grievance.Complaint) bool {
	return p.Identity != nil && grievance.Allowed(grievance.ActionKind(action), p.Identity.Actor, c)
}

// Sum adds up counts by channel.
func (p *page) Sum(m map[grievance.Channel]int) int { return total(m) }

// SumStatus adds up counts by status.
func (p *page) SumStatus(m map[grievance.Status]int) int { return total(m) }

func total[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// Admin reports whether the signed-in user administers the masters and users.
func (p *page) Admin() bool { return p.Identity != nil && p.Identity.Actor.Has(grievance.RoleAdmin) }

// ControlRoom reports whether the signed-in user works in the control room.
func (p *page) ControlRoom() bool { return p.Identity != nil && p.Identity.Actor.ControlRoom() }

// newPage starts a page for r. Staff pages are in the user's language
// choice, then the browser's; citizen pages are Hindi unless the citizen
// chose English, because the portal is Hindi-first and many phones are set
// to English whose owners read Hindi better.
func (s *Server) newPage(r *http.Request, id *auth.Identity) *page {
	p := &page{s: s, Path: r.URL.Path, Identity: id, Now: s.Now()}
	choice := ""
	if c, err := r.Cookie("lang"); err == nil {
		choice = c.Value
	}
	if id != nil {
		p.Lang = i18n.Negotiate(choice, r.Header.Get("Accept-Language"))
		if choice == "" && id.User.Language.Valid() {
			p.Lang = string(id.User.Language)
		}
		p.CSRF = id.Session.CSRF
	} else {
		p.Lang = i18n.Negotiate(choice, "")
	}
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		slog.Error("masters unavailable", "err", err)
		m = &grievance.Masters{}
		m.Index()
	}
	p.Masters = m
	return p
}

// render writes page name with status.
func (s *Server) render(w http.ResponseWriter, status int, name string, p *page) {
	t, ok := s.pages[name]
	if !ok {
		slog.Error("no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		slog.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", p.Lang)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders err as an error page in the user's language.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	reply.Log(r, err)
	e := grievance.AsError(err)
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("error.title")
	p.Error = p.T(e.Key, e.Args...)
	retryHint(w, e)
	s.render(w, reply.Status(e.Code), "error", p)
}

// retryHint tells a client refused for load or too many attempts when to
// come back, as the API does, unless the refusal already said.
func retryHint(w http.ResponseWriter, e *grievance.Error) {
	if (e.Code == grievance.EUnavailable || e.Code == grievance.ETooMany) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "60")
	}
}

// formFail re-renders a form page with the error's field messages.
func (s *Server) formFail(w http.ResponseWriter, r *http.Request, name string, p *page, err error) {
	e := grievance.AsError(err)
	if e.Code == grievance.EInternal || e.Code == grievance.EUnavailable || e.Code == grievance.ENotFound && name == "" {
		s.fail(w, r, err)
		return
	}
	reply.Log(r, err)
	retryHint(w, e)
	p.Error = p.T(e.Key, e.Args...)
	p.Fields = map[string]string{}
	for f, k := range e.Fields {
		p.Fields[f] = p.T(k)
	}
	s.render(w, reply.Status(e.Code), name, p)
}

// redirect answers a successful POST with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
