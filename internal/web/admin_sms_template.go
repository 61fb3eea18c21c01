package web

import (
	"net/http"
	"net/url"
)

// smsTemplateView is the edit page of one SMS template.
type smsTemplateView struct {
	SMSTemplate
	Done string // "saved" or "reset" after a change
}

// smsTemplateFor finds the template of the request's path, or answers 404.
func (s *Server) smsTemplateFor(w http.ResponseWriter, r *http.Request) (SMSTemplate, bool) {
	if s.SMS == nil {
		s.notFound(w, r)
		return SMSTemplate{}, false
	}
	key := r.PathValue("event") + "/" + r.PathValue("audience") + "/" + r.PathValue("lang")
	for _, t := range s.SMS.Templates() {
		if t.Key() == key {
			return t, true
		}
	}
	s.notFound(w, r)
	return SMSTemplate{}, false
}

// adminSMSTemplate shows the edit form of one SMS template (GET
// /admin/sms/templates/{event}/{audience}/{lang}).
func (s *Server) adminSMSTemplate(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	t, ok := s.smsTemplateFor(w, r)
	if !ok {
		return
	}
	s.showSMSTemplate(w, r, t, url.Values{"dlt_id": {t.DLTID}, "text": {t.Named}}, nil)
}

func (s *Server) showSMSTemplate(w http.ResponseWriter, r *http.Request, t SMSTemplate, f url.Values, err error) {
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("sms.edit.title", t.Event, t.Audience, t.Lang)
	p.Data, p.Form = smsTemplateView{SMSTemplate: t, Done: r.URL.Query().Get("done")}, f
	if err != nil {
		s.formFail(w, r, "admin_sms_template", p, err)
		return
	}
	s.render(w, http.StatusOK, "admin_sms_template", p)
}

// adminSMSTemplateSave replaces a template's DLT ID and text (POST
// /admin/sms/templates/{event}/{audience}/{lang}); an edit that would not
// match its registration is refused with the reason and changes nothing.
func (s *Server) adminSMSTemplateSave(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	t, ok := s.smsTemplateFor(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	if err := s.SMS.SaveTemplate(r.Context(), identityFrom(r).Actor, t.Key(), f.Get("dlt_id"), f.Get("text")); err != nil {
		s.showSMSTemplate(w, r, t, f, err)
		return
	}
	redirect(w, r, "/admin/sms/templates/"+t.Key()+"?done=saved")
}

// adminSMSTemplateReset puts the configured template in force again (POST
// /admin/sms/templates/{event}/{audience}/{lang}/reset).
func (s *Server) adminSMSTemplateReset(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	t, ok := s.smsTemplateFor(w, r)
	if !ok {
		return
	}
	if err := s.SMS.ResetTemplate(r.Context(), identityFrom(r).Actor, t.Key()); err != nil {
		s.showSMSTemplate(w, r, t, url.Values{"dlt_id": {t.DLTID}, "text": {t.Named}}, err)
		return
	}
	redirect(w, r, "/admin/sms/templates/"+t.Key()+"?done=reset")
}
