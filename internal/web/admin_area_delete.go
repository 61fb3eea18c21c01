package web

import "net/http"

// adminAreaDeleteForm asks to confirm the deletion of an area (GET
// /admin/areas/{code}/delete): a second step without JavaScript.
func (s *Server) adminAreaDeleteForm(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	s.showAreaDelete(w, r, nil)
}

func (s *Server) showAreaDelete(w http.ResponseWriter, r *http.Request, err error) {
	p := s.newPage(r, identityFrom(r))
	a := p.Masters.Area(r.PathValue("code"))
	if a == nil {
		s.notFound(w, r)
		return
	}
	p.Title = p.T("admin.areas.delete_title", p.Tx(a.Name))
	p.Data = a
	if err != nil {
		s.formFail(w, r, "admin_area_delete", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_area_delete", p)
}

// adminAreaDelete deletes an area (POST /admin/areas/{code}/delete). The
// store refuses an area that anything still names, saying what; the
// confirmation page then shows why.
func (s *Server) adminAreaDelete(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	code := r.PathValue("code")
	if s.newPage(r, id).Masters.Area(code) == nil {
		s.notFound(w, r)
		return
	}
	if err := s.Admin.AdminDeleteArea(r.Context(), id.Actor, code); err != nil {
		s.showAreaDelete(w, r, err)
		return
	}
	redirect(w, r, "/admin/areas?done=deleted")
}
