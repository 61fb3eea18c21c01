package web

import (
	"net/http"
	"net/url"
	"strconv"

	"nivaran/internal/grievance"
)

// adminOfficerEnable makes a disabled post active again (POST
// /admin/officers/{code}/enable): its accounts can sign in and routing gives
// it new complaints at once. A refusal shows the post's page with the
// reason.
func (s *Server) adminOfficerEnable(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	o := p.Masters.OfficerByCode(r.PathValue("code"))
	if o == nil {
		s.notFound(w, r)
		return
	}
	if err := s.Admin.AdminEnableOfficer(r.Context(), id.Actor, o.ID); err != nil {
		f := url.Values{"department": {o.Department}, "level": {strconv.Itoa(o.Level)}, "designation_hi": {o.Designation.Hi},
			"designation_en": {o.Designation.En}, "name": {o.Name}, "mobile": {o.Mobile}, "language": {string(o.Language)},
			"superior": {o.Superior}, "jurisdiction": o.Jurisdiction}
		s.showOfficerForm(w, r, p, o.Code, f, err)
		return
	}
	redirect(w, r, "/admin/officers?done=enabled")
}

// inactiveOfficer reports whether the post with code exists and is
// inactive, for the enable button on its page.
func inactiveOfficer(m *grievance.Masters, code string) bool {
	o := m.OfficerByCode(code)
	return o != nil && !o.Active
}
