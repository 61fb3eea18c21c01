package store

import (
	"context"
	"encoding/json"
	"slices"

	"nivaran/internal/grievance"
)

// The store keeps the administrators' edits of SMS templates.
var _ grievance.SMSTemplateService = (*Store)(nil)

// auditSMS is an SMS template as the audit log records it.
func auditSMS(t grievance.SMSTemplateEdit) any {
	return struct {
		DLTID string
		Text  string
		Vars  []string
	}{t.DLTID, t.Text, t.Vars}
}

// SMSTemplateEdits returns the stored edits: see
// grievance.SMSTemplateService.
func (s *Store) SMSTemplateEdits(ctx context.Context) ([]grievance.SMSTemplateEdit, error) {
	var out []grievance.SMSTemplateEdit
	err := each(ctx, s.rdb, "SELECT event, audience, lang, dlt_id, text, vars, updated, updated_by FROM sms_templates ORDER BY event, audience, lang",
		func(r scanner) error {
			var t grievance.SMSTemplateEdit
			var lang, vars string
			var updated int64
			if err := r.Scan(&t.Event, &t.Audience, &lang, &t.DLTID, &t.Text, &vars, &updated, &t.By); err != nil {
				return err
			}
			t.Lang, t.Updated = grievance.Lang(lang), fromMs(updated)
			if err := json.Unmarshal([]byte(vars), &t.Vars); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	if err != nil {
		return nil, wrap("sms template edits", err)
	}
	return out, nil
}

// AdminSaveSMSTemplate stores an edit of an SMS template: see
// grievance.SMSTemplateService.
func (s *Store) AdminSaveSMSTemplate(ctx context.Context, actor grievance.Actor, before, t grievance.SMSTemplateEdit) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin save sms template", err)
	}
	if t.Event == "" || t.Audience == "" || !t.Lang.Valid() || t.DLTID == "" || t.Text == "" {
		return wrap("admin save sms template", grievance.Errorf(grievance.EInvalid, "error.invalid_form"))
	}
	vars, err := json.Marshal(slices.Clone(t.Vars))
	if err != nil {
		return wrap("admin save sms template", err)
	}
	err = s.write(ctx, func(w *wtx) error {
		if _, err := w.exec(`INSERT INTO sms_templates (event, audience, lang, dlt_id, text, vars, updated, updated_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (event, audience, lang) DO UPDATE SET dlt_id = excluded.dlt_id, text = excluded.text, vars = excluded.vars,
updated = excluded.updated, updated_by = excluded.updated_by`,
			t.Event, t.Audience, string(t.Lang), t.DLTID, t.Text, string(vars), ms(s.clock()), actor.Login); err != nil {
			return err
		}
		w.notify(pgSMSChannel, struct{}{})
		return s.insertAudit(w, actor, grievance.AuditSMS, t.Key(), grievance.AuditUpdate, auditSMS(before), auditSMS(t))
	})
	return wrap("admin save sms template", err)
}

// AdminResetSMSTemplate removes an edit: see grievance.SMSTemplateService.
func (s *Store) AdminResetSMSTemplate(ctx context.Context, actor grievance.Actor, def grievance.SMSTemplateEdit) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin reset sms template", err)
	}
	err := s.write(ctx, func(w *wtx) error {
		var before grievance.SMSTemplateEdit
		var vars string
		err := w.QueryRowContext(w.ctx, "SELECT dlt_id, text, vars FROM sms_templates WHERE event = ? AND audience = ? AND lang = ?",
			def.Event, def.Audience, string(def.Lang)).Scan(&before.DLTID, &before.Text, &vars)
		if err != nil {
			return noRows(err)
		}
		if err := json.Unmarshal([]byte(vars), &before.Vars); err != nil {
			return err
		}
		if _, err := w.exec("DELETE FROM sms_templates WHERE event = ? AND audience = ? AND lang = ?",
			def.Event, def.Audience, string(def.Lang)); err != nil {
			return err
		}
		w.notify(pgSMSChannel, struct{}{})
		return s.insertAudit(w, actor, grievance.AuditSMS, def.Key(), grievance.AuditReset, auditSMS(before), auditSMS(def))
	})
	return wrap("admin reset sms template", err)
}
