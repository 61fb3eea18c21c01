package grievance

import (
	"context"
	"time"
)

// SMSTemplateEdit is an SMS template as an administrator changed it in the
// browser: the DLT template ID and the text registered under it, which
// replace the configured template of the same event, audience and language
// (package notify checks them before they are stored).
type SMSTemplateEdit struct {
	Event    string
	Audience string
	Lang     Lang
	DLTID    string
	Text     string   // as registered, with {#var#} slots
	Vars     []string // what fills each slot, in order
	Updated  time.Time
	By       string // the administrator's login
}

// Key is the template's key in the audit log: "event/audience/lang".
func (t SMSTemplateEdit) Key() string { return t.Event + "/" + t.Audience + "/" + string(t.Lang) }

// SMSTemplateService keeps the administrators' edits of SMS templates.
type SMSTemplateService interface {
	// SMSTemplateEdits returns every stored edit, in no particular order.
	SMSTemplateEdits(ctx context.Context) ([]SMSTemplateEdit, error)

	// AdminSaveSMSTemplate stores t as the edit of its event, audience and
	// language, replacing an earlier edit, and records it in the audit log
	// with before (the template in force until now) in the same
	// transaction. The caller has checked t against the DLT rules. Only
	// an administrator (EForbidden).
	AdminSaveSMSTemplate(ctx context.Context, actor Actor, before, t SMSTemplateEdit) error

	// AdminResetSMSTemplate removes the edit of t's event, audience and
	// language, so that def (the configured template, recorded as the
	// audit entry's after) is in force again. ENotFound when there is no
	// edit; EForbidden for anyone but an administrator.
	AdminResetSMSTemplate(ctx context.Context, actor Actor, def SMSTemplateEdit) error
}
