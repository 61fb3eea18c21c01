package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"nivaran/internal/grievance"
)

// AdminStore is what the administration pages need from storage: the
// audited changes and the accounts of officer posts.
type AdminStore interface {
	grievance.AdminService
	UserByLogin(ctx context.Context, login string) (*grievance.User, error)
}

// officerRow is one officer post in the administrator's list.
type officerRow struct {
	grievance.Officer
	Open     int
	Disabled bool // the post's account is disabled
	NoLogin  bool // the post has no account
}

// officersView is the list of officer posts.
type officersView struct {
	Officers []officerRow
	Notice   string
}

// officerForm is the create/edit form of an officer post.
type officerForm struct {
	New      bool
	Code     string
	Inactive bool            // the post is disabled: its page offers to enable it
	Selected map[string]bool // jurisdiction areas
	Officers []grievance.Officer
}

var codeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

func (s *Server) adminOfficers(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("admin.officers.title")
	counts, err := s.Admin.OpenByOfficer(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := officersView{}
	switch r.URL.Query().Get("done") {
	case "saved", "disabled", "enabled":
		v.Notice = p.T("admin.officers.done_" + r.URL.Query().Get("done"))
	}
	for _, o := range p.Masters.Officers {
		row := officerRow{Officer: o, Open: counts[o.ID]}
		if u, err := s.Admin.UserByLogin(r.Context(), o.Code); err == nil {
			row.Disabled = u.Disabled
		} else if grievance.ErrorCode(err) == grievance.ENotFound {
			row.NoLogin = true
		} else {
			s.fail(w, r, err)
			return
		}
		v.Officers = append(v.Officers, row)
	}
	p.Data = v
	s.render(w, http.StatusOK, "admin_officers", p)
}

// adminOfficerForm shows the form for a new post ("/admin/officers/new") or
// an existing one.
func (s *Server) adminOfficerForm(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	code := r.PathValue("code")
	if code == "" {
		s.showOfficerForm(w, r, p, "", url.Values{"language": {"hi"}, "level": {"1"}}, nil)
		return
	}
	o := p.Masters.OfficerByCode(code)
	if o == nil {
		s.notFound(w, r)
		return
	}
	f := url.Values{"department": {o.Department}, "level": {strconv.Itoa(o.Level)}, "designation_hi": {o.Designation.Hi},
		"designation_en": {o.Designation.En}, "name": {o.Name}, "mobile": {o.Mobile}, "language": {string(o.Language)},
		"superior": {o.Superior}, "jurisdiction": o.Jurisdiction}
	s.showOfficerForm(w, r, p, code, f, nil)
}

func (s *Server) showOfficerForm(w http.ResponseWriter, r *http.Request, p *page, code string, f url.Values, err error) {
	v := officerForm{New: code == "", Code: code, Selected: map[string]bool{}, Inactive: inactiveOfficer(p.Masters, code)}
	if v.New {
		p.Title = p.T("admin.officers.new")
	} else {
		p.Title = p.T("admin.officers.edit", code)
	}
	for _, a := range f["jurisdiction"] {
		v.Selected[a] = true
	}
	for _, o := range p.Masters.Officers {
		if o.Code != code && o.Active {
			v.Officers = append(v.Officers, o)
		}
	}
	p.Data, p.Form = v, f
	if err != nil {
		s.formFail(w, r, "admin_officer", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_officer", p)
}

// adminOfficerSave creates a post (POST /admin/officers) or updates one
// (POST /admin/officers/{code}). Fields are checked here to name them; the
// store checks the masters as a whole.
func (s *Server) adminOfficerSave(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	code := r.PathValue("code")
	if code != "" && p.Masters.OfficerByCode(code) == nil {
		s.notFound(w, r)
		return
	}
	f := r.PostForm
	fe := grievance.FieldErrors{}
	o := grievance.Officer{Code: code, Department: f.Get("department"), Name: strings.TrimSpace(f.Get("name")),
		Mobile: grievance.NormalizeMobile(f.Get("mobile")), Language: grievance.Lang(f.Get("language")),
		Designation: grievance.Text{Hi: strings.TrimSpace(f.Get("designation_hi")), En: strings.TrimSpace(f.Get("designation_en"))},
		Superior:    f.Get("superior"), Jurisdiction: f["jurisdiction"]}
	if code == "" {
		o.Code = strings.ToLower(strings.TrimSpace(f.Get("code")))
		if !codeRE.MatchString(o.Code) {
			fe.Add("code", "admin.error.code")
		} else if p.Masters.OfficerByCode(o.Code) != nil {
			fe.Add("code", "admin.error.code_taken")
		} else if _, err := s.Admin.UserByLogin(r.Context(), o.Code); err == nil {
			fe.Add("code", "admin.error.code_taken")
		}
	}
	d := p.Masters.Department(o.Department)
	if d == nil {
		fe.Add("department", "admin.error.department")
	}
	level, err := strconv.Atoi(f.Get("level"))
	if err != nil || level < 1 || d != nil && level > len(d.Levels) {
		fe.Add("level", "admin.error.level")
	}
	o.Level = level
	if o.Designation.Hi == "" || o.Designation.En == "" || len(o.Designation.Hi) > 200 || len(o.Designation.En) > 200 {
		fe.Add("designation", "admin.error.designation")
	}
	if o.Name == "" || len(o.Name) > 100 {
		fe.Add("name", "admin.error.name")
	}
	if !grievance.ValidMobile(o.Mobile) {
		fe.Add("mobile", "error.mobile")
	}
	if !o.Language.Valid() {
		fe.Add("language", "admin.error.language")
	}
	for _, a := range o.Jurisdiction {
		if p.Masters.Area(a) == nil {
			fe.Add("jurisdiction", "admin.error.area")
		}
	}
	if sup := p.Masters.OfficerByCode(o.Superior); o.Superior != "" && (sup == nil || sup.Code == o.Code) {
		fe.Add("superior", "admin.error.superior")
	}
	if err := fe.Err(); err != nil {
		s.showOfficerForm(w, r, p, code, f, err)
		return
	}
	if _, err := s.Admin.AdminSaveOfficer(r.Context(), id.Actor, o); err != nil {
		s.showOfficerForm(w, r, p, code, f, err)
		return
	}
	redirect(w, r, "/admin/officers?done=saved")
}
