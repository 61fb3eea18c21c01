package web

import (
	"net/http"
	"net/url"
	"strings"

	"nivaran/internal/grievance"
)

// areaNode is an area with the areas under it, for the tree.
type areaNode struct {
	grievance.Area
	Children []areaNode
}

// areasView is the tree of areas.
type areasView struct {
	Roots   []areaNode
	Saved   bool
	Deleted bool
}

// areaForm is the create/edit form of an area.
type areaForm struct {
	New     bool
	Code    string
	Kinds   []grievance.AreaKind
	Parents []grievance.Area // every area but the one edited
}

var areaKinds = []grievance.AreaKind{grievance.AreaTehsil, grievance.AreaBlock, grievance.AreaZone, grievance.AreaWard}

// areaTree arranges areas under their parents, keeping the masters' order.
func areaTree(areas []grievance.Area) []areaNode {
	kids := map[string][]grievance.Area{}
	known := map[string]bool{}
	for _, a := range areas {
		known[a.Code] = true
	}
	var roots []grievance.Area
	for _, a := range areas {
		if a.Parent == "" || !known[a.Parent] {
			roots = append(roots, a)
		} else {
			kids[a.Parent] = append(kids[a.Parent], a)
		}
	}
	var build func(as []grievance.Area, depth int) []areaNode
	build = func(as []grievance.Area, depth int) []areaNode {
		var out []areaNode
		for _, a := range as {
			n := areaNode{Area: a}
			if depth < len(areas) { // the masters hold no cycles; this only bounds the walk
				n.Children = build(kids[a.Code], depth+1)
			}
			out = append(out, n)
		}
		return out
	}
	return build(roots, 0)
}

// adminAreas shows the areas as a tree: tehsils with their blocks, zones
// with their wards.
func (s *Server) adminAreas(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("admin.areas.title")
	p.Data = areasView{Roots: areaTree(p.Masters.Areas), Saved: r.URL.Query().Get("done") == "saved",
		Deleted: r.URL.Query().Get("done") == "deleted"}
	s.render(w, http.StatusOK, "admin_areas", p)
}

// adminAreaForm shows the form for a new area ("/admin/areas/new") or an
// existing one.
func (s *Server) adminAreaForm(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	code := r.PathValue("code")
	if code == "" {
		s.showArea(w, r, p, "", url.Values{"kind": {string(grievance.AreaWard)}}, nil)
		return
	}
	a := p.Masters.Area(code)
	if a == nil {
		s.notFound(w, r)
		return
	}
	f := url.Values{"kind": {string(a.Kind)}, "parent": {a.Parent}, "name_hi": {a.Name.Hi}, "name_en": {a.Name.En}}
	s.showArea(w, r, p, code, f, nil)
}

func (s *Server) showArea(w http.ResponseWriter, r *http.Request, p *page, code string, f url.Values, err error) {
	v := areaForm{New: code == "", Code: code, Kinds: areaKinds}
	if v.New {
		p.Title = p.T("admin.areas.new")
	} else {
		p.Title = p.T("admin.areas.edit", p.Area(code))
	}
	for _, a := range p.Masters.Areas {
		if a.Code != code {
			v.Parents = append(v.Parents, a)
		}
	}
	p.Data, p.Form = v, f
	if err != nil {
		s.formFail(w, r, "admin_area", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_area", p)
}

// adminAreaSave creates an area (POST /admin/areas) or updates one (POST
// /admin/areas/{code}). The store refuses a parent that makes a cycle.
func (s *Server) adminAreaSave(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	code := r.PathValue("code")
	if code != "" && p.Masters.Area(code) == nil {
		s.notFound(w, r)
		return
	}
	f := r.PostForm
	fe := grievance.FieldErrors{}
	a := grievance.Area{Code: code, Kind: grievance.AreaKind(f.Get("kind")), Parent: f.Get("parent"),
		Name: grievance.Text{Hi: strings.TrimSpace(f.Get("name_hi")), En: strings.TrimSpace(f.Get("name_en"))}}
	if code == "" {
		a.Code = strings.ToLower(strings.TrimSpace(f.Get("code")))
		if !codeRE.MatchString(a.Code) {
			fe.Add("code", "admin.error.code")
		} else if p.Masters.Area(a.Code) != nil {
			fe.Add("code", "admin.error.code_taken")
		}
	}
	valid := false
	for _, k := range areaKinds {
		valid = valid || k == a.Kind
	}
	if !valid {
		fe.Add("kind", "admin.error.kind")
	}
	if a.Parent != "" && (p.Masters.Area(a.Parent) == nil || a.Parent == a.Code) {
		fe.Add("parent", "admin.error.parent")
	}
	if a.Name.Hi == "" || a.Name.En == "" || len(a.Name.Hi) > 200 || len(a.Name.En) > 200 {
		fe.Add("name", "admin.error.names")
	}
	if err := fe.Err(); err != nil {
		s.showArea(w, r, p, code, f, err)
		return
	}
	if err := s.Admin.AdminSaveArea(r.Context(), id.Actor, a); err != nil {
		s.showArea(w, r, p, code, f, err)
		return
	}
	redirect(w, r, "/admin/areas?done=saved")
}

// areaTreeArgs is the argument of the recursive "area_tree" template.
type areaTreeArgs struct {
	P     *page
	Nodes []areaNode
}

// Subtree gives the "area_tree" template its page and nodes.
func (p *page) Subtree(nodes []areaNode) areaTreeArgs { return areaTreeArgs{P: p, Nodes: nodes} }
