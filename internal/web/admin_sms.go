package web

import (
	"context"
	"net/http"
	"strconv"

	"nivaran/internal/grievance"
)

// SMSTemplate is a registered SMS template as the administrator sees it.
type SMSTemplate struct {
	Event, Audience, Lang, DLTID, Text string
	Units, Parts                       int // of a sample message
	Placeholder                        bool
	// Named is the text with each slot written as the variable it
	// carries ("{#number#}"), as the administrator edits it; Vars are the
	// variables its slots may carry.
	Named string
	Vars  []string
	// WorstUnits and WorstParts measure the message with every slot full,
	// which must stay within MaxParts.
	WorstUnits, WorstParts, MaxParts int
	// Edited says an administrator's edit replaces the configured
	// template; Default is then the configured one.
	Edited  bool
	Default *SMSTemplate
}

// Key names the template in URLs: "event/audience/lang".
func (t SMSTemplate) Key() string { return t.Event + "/" + t.Audience + "/" + t.Lang }

// SMSAdmin is what the admin SMS page needs from the notifications part.
type SMSAdmin interface {
	// Gateway names the configured gateway.
	Gateway() string
	// Templates lists the registered templates.
	Templates() []SMSTemplate
	// SendTest queues template i, filled with sample values, to mobile.
	SendTest(ctx context.Context, mobile string, i int) error
	// SaveTemplate replaces the DLT template ID and text (slots written
	// "{#name#}") of the template with key, for every message from now on,
	// once checked as at start-up; EInvalid with a translatable key when
	// it would not match, ENotFound for an unknown key.
	SaveTemplate(ctx context.Context, actor grievance.Actor, key, dltID, text string) error
	// ResetTemplate puts the configured template with key in force again.
	// ENotFound when it was not edited.
	ResetTemplate(ctx context.Context, actor grievance.Actor, key string) error
}

// smsView is the admin SMS page.
type smsView struct {
	Gateway   string
	Templates []SMSTemplate
	Messages  []grievance.Message
	Sent      bool
}

func (s *Server) requireAdmin(w http.ResponseWriter, r *http.Request) bool {
	if !identityFrom(r).Actor.Has(grievance.RoleAdmin) {
		s.fail(w, r, grievance.Errorf(grievance.EForbidden, "error.forbidden"))
		return false
	}
	return true
}

// adminSMS shows the gateway, the templates with their DLT IDs and the
// newest messages with their delivery status: with the development "log"
// gateway, this is where a newcomer sees what would have been sent.
func (s *Server) adminSMS(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	s.showSMS(w, r, http.StatusOK, nil)
}

func (s *Server) showSMS(w http.ResponseWriter, r *http.Request, status int, err error) {
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("sms.title")
	v := smsView{Sent: r.URL.Query().Get("sent") == "1"}
	if s.SMS != nil {
		v.Gateway, v.Templates = s.SMS.Gateway(), s.SMS.Templates()
	}
	msgs, lerr := s.Outbox.Messages(r.Context(), "", 100)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	for i := range msgs {
		msgs[i].To = grievance.MaskMobile(msgs[i].To)
	}
	v.Messages = msgs
	p.Data = v
	p.Form = r.PostForm
	if err != nil {
		s.formFail(w, r, "admin_sms", p, err)
		return
	}
	s.render(w, status, "admin_sms", p)
}

func (s *Server) adminSMSTest(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	if s.SMS == nil {
		s.fail(w, r, grievance.Errorf(grievance.EUnavailable, "error.sms_off"))
		return
	}
	mobile := grievance.NormalizeMobile(r.PostFormValue("mobile"))
	if !grievance.ValidMobile(mobile) {
		s.showSMS(w, r, 0, (grievance.FieldErrors{"mobile": "error.mobile"}).Err())
		return
	}
	i, err := strconv.Atoi(r.PostFormValue("template"))
	if err != nil || i < 0 || i >= len(s.SMS.Templates()) {
		s.showSMS(w, r, 0, (grievance.FieldErrors{"template": "error.template"}).Err())
		return
	}
	if err := s.SMS.SendTest(r.Context(), mobile, i); err != nil {
		s.showSMS(w, r, 0, err)
		return
	}
	redirect(w, r, "/admin/sms?sent=1")
}
