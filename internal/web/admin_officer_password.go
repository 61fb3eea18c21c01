package web

import (
	"net/http"

	"nivaran/internal/auth"
)

// passwordView shows a new password once.
type passwordView struct {
	Code     string
	Password string
}

// adminOfficerPassword gives an officer post's account a new random
// password, shown once on this answer (never stored in clear, never in a
// URL), which the officer must change at the next sign-in.
func (s *Server) adminOfficerPassword(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	code := r.PathValue("code")
	if p.Masters.OfficerByCode(code) == nil {
		s.notFound(w, r)
		return
	}
	u, err := s.Admin.UserByLogin(r.Context(), code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pw := auth.NewPassword()
	if err := s.Admin.AdminResetPassword(r.Context(), id.Actor, u.ID, auth.HashPassword(pw, s.Auth.Params)); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Title = p.T("admin.password.title", code)
	p.Data = passwordView{Code: code, Password: pw}
	s.render(w, http.StatusOK, "admin_officer_password", p)
}
