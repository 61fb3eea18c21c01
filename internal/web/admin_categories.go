package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"nivaran/internal/grievance"
)

// adminCategories lists the categories with their resolution times,
// ladders and proof.
func (s *Server) adminCategories(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("admin.categories.title")
	p.Data = r.URL.Query().Get("done") == "saved"
	s.render(w, http.StatusOK, "admin_categories", p)
}

// adminCategoryForm shows the form of one category.
func (s *Server) adminCategoryForm(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	c := p.Masters.Category(r.PathValue("code"))
	if c == nil {
		s.notFound(w, r)
		return
	}
	f := url.Values{"resolution_days": {strconv.Itoa(c.ResolutionDays)}, "escalation": {grievance.FormatLadder(c.Escalation)}}
	if c.RequirePhoto {
		f.Set("require_photo", "on")
	}
	if c.Active {
		f.Set("active", "on")
	}
	s.showCategory(w, r, p, c, f, nil)
}

func (s *Server) showCategory(w http.ResponseWriter, r *http.Request, p *page, c *grievance.Category, f url.Values, err error) {
	p.Title = p.T("admin.categories.edit", c.Name.In(grievance.Lang(p.Lang)))
	p.Data, p.Form = c, f
	if err != nil {
		s.formFail(w, r, "admin_category", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_category", p)
}

// adminCategorySave updates a category's resolution days, escalation
// ladder ("2d 1d", "48h"), proof and state.
func (s *Server) adminCategorySave(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	cur := p.Masters.Category(r.PathValue("code"))
	if cur == nil {
		s.notFound(w, r)
		return
	}
	f := r.PostForm
	c := *cur
	fe := grievance.FieldErrors{}
	days, err := strconv.Atoi(strings.TrimSpace(f.Get("resolution_days")))
	if err != nil || days < 1 || days > 365 {
		fe.Add("resolution_days", "admin.error.days")
	}
	c.ResolutionDays = days
	ladder, err := grievance.ParseLadder(f.Get("escalation"))
	if err != nil || len(ladder) > 6 {
		fe.Add("escalation", "admin.error.ladder")
	}
	c.Escalation = ladder
	c.RequirePhoto, c.Active = f.Get("require_photo") != "", f.Get("active") != ""
	if err := fe.Err(); err != nil {
		s.showCategory(w, r, p, cur, f, err)
		return
	}
	if err := s.Admin.AdminSaveCategory(r.Context(), id.Actor, c); err != nil {
		s.showCategory(w, r, p, cur, f, err)
		return
	}
	redirect(w, r, "/admin/categories?done=saved")
}
