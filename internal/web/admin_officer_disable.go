package web

import (
	"net/http"
	"strconv"

	"nivaran/internal/grievance"
)

// disableView asks where an officer's open complaints go.
type disableView struct {
	Officer *grievance.Officer
	Open    int
	Targets []grievance.Officer // active officers of the department covering the post's areas
}

// adminOfficerDisableForm shows what disabling a post does and, when it has
// open complaints, asks where they go.
func (s *Server) adminOfficerDisableForm(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	s.showDisable(w, r, nil)
}

func (s *Server) showDisable(w http.ResponseWriter, r *http.Request, err error) {
	p := s.newPage(r, identityFrom(r))
	o := p.Masters.OfficerByCode(r.PathValue("code"))
	if o == nil {
		s.notFound(w, r)
		return
	}
	counts, cerr := s.Admin.OpenByOfficer(r.Context())
	if cerr != nil {
		s.fail(w, r, cerr)
		return
	}
	v := disableView{Officer: o, Open: counts[o.ID]}
	for _, t := range p.Masters.Officers {
		if t.Active && t.ID != o.ID && t.Department == o.Department && coversAll(&t, o) {
			v.Targets = append(v.Targets, t)
		}
	}
	p.Title = p.T("admin.disable.title", o.Code)
	p.Data = v
	p.Form = r.PostForm
	if err != nil {
		s.formFail(w, r, "admin_officer_disable", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_officer_disable", p)
}

// coversAll reports whether t's jurisdiction covers every area of o's.
func coversAll(t, o *grievance.Officer) bool {
	if len(t.Areas) == 0 {
		return true
	}
	if len(o.Areas) == 0 {
		return false
	}
	for _, a := range o.Areas {
		if !t.Covers(a) {
			return false
		}
	}
	return true
}

// adminOfficerDisable ends a post: its open complaints go where the form
// says ("to": an officer ID, or "queue" for the control room), then the
// post becomes inactive and its account disabled.
func (s *Server) adminOfficerDisable(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o := m.OfficerByCode(r.PathValue("code"))
	if o == nil {
		s.notFound(w, r)
		return
	}
	var to int64
	switch v := r.PostFormValue("to"); v {
	case "queue":
	case "":
		counts, err := s.Admin.OpenByOfficer(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if counts[o.ID] > 0 {
			s.showDisable(w, r, (grievance.FieldErrors{"to": "admin.error.to_required"}).Err())
			return
		}
	default:
		to, err = strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.showDisable(w, r, (grievance.FieldErrors{"to": "admin.error.to"}).Err())
			return
		}
	}
	if _, err := s.Admin.AdminDisableOfficer(r.Context(), id.Actor, o.ID, to); err != nil {
		s.showDisable(w, r, err)
		return
	}
	redirect(w, r, "/admin/officers?done=disabled")
}
