package web

import (
	"net/http"
	"net/url"
	"strconv"

	"nivaran/internal/grievance"
)

// webhooksView is the administration page of webhooks.
type webhooksView struct {
	Hooks      []grievance.Webhook
	Deliveries []grievance.WebhookDelivery
	Events     []string
	Created    *grievance.Webhook // just created: its secret is shown this once
	Notice     string
}

// adminWebhooks lists the webhooks, the form to add one and the latest
// deliveries (GET /admin/webhooks).
func (s *Server) adminWebhooks(w http.ResponseWriter, r *http.Request) {
	if s.Webhooks == nil {
		s.notFound(w, r)
		return
	}
	if !s.requireAdmin(w, r) {
		return
	}
	p := s.newPage(r, identityFrom(r))
	v := webhooksView{}
	if r.URL.Query().Get("done") == "deleted" {
		v.Notice = p.T("webhook.done_deleted")
	}
	s.showWebhooks(w, r, p, v, url.Values{}, nil)
}

func (s *Server) showWebhooks(w http.ResponseWriter, r *http.Request, p *page, v webhooksView, f url.Values, err error) {
	p.Title = p.T("webhook.title")
	var lerr error
	if v.Hooks, lerr = s.Webhooks.Webhooks(r.Context()); lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	if v.Deliveries, lerr = s.Webhooks.WebhookDeliveries(r.Context(), 50); lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	v.Events = grievance.HookEvents
	p.Data, p.Form = v, f
	if err != nil {
		s.formFail(w, r, "admin_webhooks", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_webhooks", p)
}

// adminWebhookAdd subscribes a URL (POST /admin/webhooks). The answer is
// the page itself, not a redirect: it carries the new secret, which is
// shown once and never again (the page is not cached).
func (s *Server) adminWebhookAdd(w http.ResponseWriter, r *http.Request) {
	if s.Webhooks == nil {
		s.notFound(w, r)
		return
	}
	if !s.requireAdmin(w, r) {
		return
	}
	id := identityFrom(r)
	p := s.newPage(r, id)
	h, err := s.Webhooks.AdminAddWebhook(r.Context(), id.Actor, r.PostFormValue("url"), r.PostForm["events"])
	if err != nil {
		s.showWebhooks(w, r, p, webhooksView{}, r.PostForm, err)
		return
	}
	s.showWebhooks(w, r, p, webhooksView{Created: h, Notice: p.T("webhook.done_added")}, url.Values{}, nil)
}

// adminWebhookDelete ends a webhook (POST /admin/webhooks/{id}/delete).
func (s *Server) adminWebhookDelete(w http.ResponseWriter, r *http.Request) {
	if s.Webhooks == nil {
		s.notFound(w, r)
		return
	}
	if !s.requireAdmin(w, r) {
		return
	}
	hid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if err := s.Webhooks.AdminDeleteWebhook(r.Context(), identityFrom(r).Actor, hid); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/admin/webhooks?done=deleted")
}

// Checked reports whether value is among the submitted values of name.
func (p *page) Checked(name, value string) bool {
	for _, v := range p.Form[name] {
		if v == value {
			return true
		}
	}
	return false
}
