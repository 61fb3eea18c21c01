package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"nivaran/internal/grievance"
)

// maxLevels is the most levels of a department's ladder the form offers.
const maxLevels = 6

// departmentForm is the create/edit form of a department.
type departmentForm struct {
	New    bool
	Code   string
	Levels []int // 1..maxLevels, for the rows of the ladder
}

// adminDepartments lists the departments with their ladders.
func (s *Server) adminDepartments(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("admin.departments.title")
	p.Data = r.URL.Query().Get("done") == "saved"
	s.render(w, http.StatusOK, "admin_departments", p)
}

// adminDepartmentForm shows the form for a new department
// ("/admin/departments/new") or an existing one.
func (s *Server) adminDepartmentForm(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	code := r.PathValue("code")
	if code == "" {
		s.showDepartment(w, r, p, "", url.Values{}, nil)
		return
	}
	d := p.Masters.Department(code)
	if d == nil {
		s.notFound(w, r)
		return
	}
	f := url.Values{"name_hi": {d.Name.Hi}, "name_en": {d.Name.En}}
	for i, l := range d.Levels {
		f.Set(fmt.Sprintf("level%d_hi", i+1), l.Hi)
		f.Set(fmt.Sprintf("level%d_en", i+1), l.En)
	}
	s.showDepartment(w, r, p, code, f, nil)
}

func (s *Server) showDepartment(w http.ResponseWriter, r *http.Request, p *page, code string, f url.Values, err error) {
	v := departmentForm{New: code == "", Code: code}
	for i := 1; i <= maxLevels; i++ {
		v.Levels = append(v.Levels, i)
	}
	if v.New {
		p.Title = p.T("admin.departments.new")
	} else {
		p.Title = p.T("admin.departments.edit", p.Department(code))
	}
	p.Data, p.Form = v, f
	if err != nil {
		s.formFail(w, r, "admin_department", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_department", p)
}

// adminDepartmentSave creates a department (POST /admin/departments) or
// updates one (POST /admin/departments/{code}). The ladder is the filled
// rows from level 1 down, without gaps.
func (s *Server) adminDepartmentSave(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	code := r.PathValue("code")
	if code != "" && p.Masters.Department(code) == nil {
		s.notFound(w, r)
		return
	}
	f := r.PostForm
	fe := grievance.FieldErrors{}
	d := grievance.Department{Code: code,
		Name: grievance.Text{Hi: strings.TrimSpace(f.Get("name_hi")), En: strings.TrimSpace(f.Get("name_en"))}}
	if code == "" {
		d.Code = strings.ToLower(strings.TrimSpace(f.Get("code")))
		if !codeRE.MatchString(d.Code) {
			fe.Add("code", "admin.error.code")
		} else if p.Masters.Department(d.Code) != nil {
			fe.Add("code", "admin.error.code_taken")
		}
	}
	if d.Name.Hi == "" || d.Name.En == "" || len(d.Name.Hi) > 200 || len(d.Name.En) > 200 {
		fe.Add("name", "admin.error.names")
	}
	ended := false
	for i := 1; i <= maxLevels; i++ {
		l := grievance.Text{Hi: strings.TrimSpace(f.Get(fmt.Sprintf("level%d_hi", i))), En: strings.TrimSpace(f.Get(fmt.Sprintf("level%d_en", i)))}
		switch {
		case l.Hi == "" && l.En == "":
			ended = true
		case ended || l.Hi == "" || l.En == "" || len(l.Hi) > 200 || len(l.En) > 200:
			fe.Add("levels", "admin.error.levels")
		default:
			d.Levels = append(d.Levels, l)
		}
	}
	if len(d.Levels) == 0 {
		fe.Add("levels", "admin.error.levels")
	}
	if err := fe.Err(); err != nil {
		s.showDepartment(w, r, p, code, f, err)
		return
	}
	if err := s.Admin.AdminSaveDepartment(r.Context(), id.Actor, d); err != nil {
		s.showDepartment(w, r, p, code, f, err)
		return
	}
	redirect(w, r, "/admin/departments?done=saved")
}
