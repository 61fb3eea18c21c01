package web

import (
	"net/http"
	"net/url"

	"nivaran/internal/grievance"
)

// rulesView is the list of routing rules with the form to add one.
type rulesView struct {
	Notice string
}

// adminRules lists the routing rules, each with a delete button, and the
// form to add one.
func (s *Server) adminRules(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	v := rulesView{}
	switch r.URL.Query().Get("done") {
	case "added", "deleted":
		v.Notice = p.T("admin.rules.done_" + r.URL.Query().Get("done"))
	}
	s.showRules(w, r, p, v, url.Values{}, nil)
}

func (s *Server) showRules(w http.ResponseWriter, r *http.Request, p *page, v rulesView, f url.Values, err error) {
	p.Title = p.T("admin.rules.title")
	p.Data, p.Form = v, f
	if err != nil {
		s.formFail(w, r, "admin_rules", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_rules", p)
}

// ruleFrom reads a rule from a form, naming the fields that do not exist
// in the masters.
func ruleFrom(m *grievance.Masters, f url.Values) (grievance.RoutingRule, error) {
	rule := grievance.RoutingRule{Category: f.Get("category"), Area: f.Get("area"), Department: f.Get("department")}
	fe := grievance.FieldErrors{}
	if m.Category(rule.Category) == nil {
		fe.Add("category", "admin.error.category")
	}
	if rule.Area != "" && m.Area(rule.Area) == nil {
		fe.Add("area", "admin.error.area")
	}
	if m.Department(rule.Department) == nil {
		fe.Add("department", "admin.error.department")
	}
	return rule, fe.Err()
}

// adminRuleAdd adds a routing rule (POST /admin/rules).
func (s *Server) adminRuleAdd(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	rule, err := ruleFrom(p.Masters, r.PostForm)
	if err == nil {
		err = s.Admin.AdminSaveRule(r.Context(), id.Actor, rule)
	}
	if err != nil {
		s.showRules(w, r, p, rulesView{}, r.PostForm, err)
		return
	}
	redirect(w, r, "/admin/rules?done=added")
}

// adminRuleDelete removes the routing rule the form names
// (POST /admin/rules/delete).
func (s *Server) adminRuleDelete(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	f := r.PostForm
	rule := grievance.RoutingRule{Category: f.Get("category"), Area: f.Get("area"), Department: f.Get("department")}
	if err := s.Admin.AdminDeleteRule(r.Context(), id.Actor, rule); err != nil {
		if grievance.ErrorCode(err) == grievance.ENotFound {
			s.notFound(w, r)
			return
		}
		s.showRules(w, r, p, rulesView{}, url.Values{}, err)
		return
	}
	redirect(w, r, "/admin/rules?done=deleted")
}
