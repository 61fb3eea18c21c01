package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"nivaran/internal/grievance"
)

// categoryForm is the create/edit form of a category.
type categoryForm struct {
	New  bool
	Code string
}

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

// adminCategoryForm shows the form for a new category
// ("/admin/categories/new") or an existing one.
func (s *Server) adminCategoryForm(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	code := r.PathValue("code")
	if code == "" {
		s.showCategory(w, r, p, "", url.Values{"resolution_days": {"7"}, "active": {"on"}}, nil)
		return
	}
	c := p.Masters.Category(code)
	if c == nil {
		s.notFound(w, r)
		return
	}
	f := url.Values{"name_hi": {c.Name.Hi}, "name_en": {c.Name.En}, "department": {c.Department},
		"resolution_days": {strconv.Itoa(c.ResolutionDays)}, "escalation": {grievance.FormatLadder(c.Escalation)}}
	if c.RequirePhoto {
		f.Set("require_photo", "on")
	}
	if c.Active {
		f.Set("active", "on")
	}
	s.showCategory(w, r, p, code, f, nil)
}

func (s *Server) showCategory(w http.ResponseWriter, r *http.Request, p *page, code string, f url.Values, err error) {
	if code == "" {
		p.Title = p.T("admin.categories.new")
	} else {
		p.Title = p.T("admin.categories.edit", p.Masters.Category(code).Name.In(grievance.Lang(p.Lang)))
	}
	p.Data, p.Form = categoryForm{New: code == "", Code: code}, f
	if err != nil {
		s.formFail(w, r, "admin_category", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_category", p)
}

// adminCategorySave creates a category (POST /admin/categories) or updates
// one (POST /admin/categories/{code}): names, department, resolution days,
// escalation ladder ("2d 1d", "48h"), proof and state.
func (s *Server) adminCategorySave(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	code := r.PathValue("code")
	if code != "" && p.Masters.Category(code) == nil {
		s.notFound(w, r)
		return
	}
	f := r.PostForm
	fe := grievance.FieldErrors{}
	c := grievance.Category{Code: code, Department: f.Get("department"),
		Name: grievance.Text{Hi: strings.TrimSpace(f.Get("name_hi")), En: strings.TrimSpace(f.Get("name_en"))}}
	if code == "" {
		c.Code = strings.ToLower(strings.TrimSpace(f.Get("code")))
		if !codeRE.MatchString(c.Code) {
			fe.Add("code", "admin.error.code")
		} else if p.Masters.Category(c.Code) != nil {
			fe.Add("code", "admin.error.code_taken")
		}
	}
	if c.Name.Hi == "" || c.Name.En == "" || len(c.Name.Hi) > 200 || len(c.Name.En) > 200 {
		fe.Add("name", "admin.error.names")
	}
	if p.Masters.Department(c.Department) == nil {
		fe.Add("department", "admin.error.department")
	}
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
		s.showCategory(w, r, p, code, f, err)
		return
	}
	if err := s.Admin.AdminSaveCategory(r.Context(), id.Actor, c); err != nil {
		s.showCategory(w, r, p, code, f, err)
		return
	}
	redirect(w, r, "/admin/categories?done=saved")
}
