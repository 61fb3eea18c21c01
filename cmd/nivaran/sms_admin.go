package main

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/notify"
	"nivaran/internal/web"
)

// smsAdmin gives the admin SMS page the templates, test messages and the
// editing of templates.
type smsAdmin struct {
	gateway string
	sms     *smsParts // base: the configured templates; planner: those in force
	edits   grievance.SMSTemplateService
	outbox  grievance.OutboxService
	track   string
	now     func() time.Time
}

var _ web.SMSAdmin = (*smsAdmin)(nil)

func (a *smsAdmin) Gateway() string { return a.gateway }

// sample fills every slot with a realistic value in lang.
func (a *smsAdmin) sample(lang grievance.Lang) map[string]string {
	v := map[string]string{
		notify.VarNumber: "26120001234", notify.VarDue: a.now().AddDate(0, 0, 7).Format(notify.DateFormat),
		notify.VarTrack: a.track, notify.VarOTP: "123456",
		notify.VarDepartment: "Municipal Corporation", notify.VarCategory: "Garbage not collected", notify.VarArea: "Aminabad",
		notify.VarStatus: "Assigned",
	}
	if lang == grievance.Hindi {
		v[notify.VarDepartment], v[notify.VarCategory], v[notify.VarArea] = "नगर निगम", "कूड़ा नहीं उठा", "अमीनाबाद"
		v[notify.VarStatus] = "सौंपी गई"
	}
	return v
}

// view is template t of catalogue c as the admin page shows it.
func (a *smsAdmin) view(c *notify.Catalogue, t notify.Template) web.SMSTemplate {
	st := web.SMSTemplate{Event: t.Event, Audience: t.Audience, Lang: string(t.Lang), DLTID: t.DLTID, Text: t.Text,
		Placeholder: t.Placeholder(), Named: notify.NamedText(t), Vars: notify.AllowedVars(t.Event, t.Audience)}
	st.WorstUnits, st.WorstParts, st.MaxParts = notify.Measure(t)
	if _, text, err := c.Render(t.Event, t.Audience, t.Lang, a.sample(t.Lang)); err == nil {
		st.Units, st.Parts = notify.UTF16Units(text), notify.Parts(text)
	}
	return st
}

func (a *smsAdmin) Templates() []web.SMSTemplate {
	cur := a.sms.planner.Catalogue()
	edited := a.sms.editedKeys()
	var out []web.SMSTemplate
	for _, t := range cur.Templates() {
		st := a.view(cur, t)
		if edited[st.Key()] {
			st.Edited = true
			if d, ok := a.sms.catalog.Template(t.Event, t.Audience, t.Lang); ok {
				dv := a.view(a.sms.catalog, d)
				st.Default = &dv
			}
		}
		out = append(out, st)
	}
	return out
}

// SendTest queues template i with sample values to mobile, through the
// same outbox and dispatcher as every other message.
func (a *smsAdmin) SendTest(ctx context.Context, mobile string, i int) error {
	cat := a.sms.planner.Catalogue()
	list := cat.Templates()
	if i < 0 || i >= len(list) {
		return (grievance.FieldErrors{"template": "error.template"}).Err()
	}
	t, text, err := cat.Render(list[i].Event, list[i].Audience, list[i].Lang, a.sample(list[i].Lang))
	if err != nil {
		return grievance.Internal(err)
	}
	now := a.now()
	return a.outbox.QueueMessages(ctx, []grievance.Message{{
		Key: "test:" + mobile + ":" + strconv.FormatInt(now.UnixNano(), 10), Event: "test:" + t.Event, Audience: t.Audience,
		To: mobile, Lang: t.Lang, TemplateID: t.DLTID, Text: text,
	}})
}

// find returns the template in force with key ("event/audience/lang").
func find(c *notify.Catalogue, key string) (notify.Template, bool) {
	for _, t := range c.Templates() {
		if edit(t).Key() == key {
			return t, true
		}
	}
	return notify.Template{}, false
}

// edit is t as the store keeps an edit.
func edit(t notify.Template) grievance.SMSTemplateEdit {
	return grievance.SMSTemplateEdit{Event: t.Event, Audience: t.Audience, Lang: t.Lang, DLTID: t.DLTID, Text: t.Text,
		Vars: notify.Vars(t)}
}

// SaveTemplate checks an edit as the start-up checks a template, stores it
// (audit-logged) and puts it in force for the next message.
func (a *smsAdmin) SaveTemplate(ctx context.Context, actor grievance.Actor, key, dltID, text string) error {
	a.sms.mu.Lock()
	defer a.sms.mu.Unlock()
	cur := a.sms.planner.Catalogue()
	t, ok := find(cur, key)
	if !ok {
		return grievance.Errorf(grievance.ENotFound, "error.not_found")
	}
	ed, err := notify.EditTemplate(t, dltID, text)
	if err != nil {
		return err
	}
	next, err := cur.With(ed)
	if err != nil {
		slog.Warn("SMS template edit refused by the catalogue", "template", key, "err", err)
		return &grievance.Error{Code: grievance.EInvalid, Key: "sms.error.invalid", Fields: map[string]string{"text": "sms.error.invalid"}}
	}
	if err := a.edits.AdminSaveSMSTemplate(ctx, actor, edit(t), edit(ed)); err != nil {
		return err
	}
	a.sms.planner.SetCatalogue(next)
	a.sms.edited[key] = true
	return nil
}

// ResetTemplate puts the configured template with key in force again.
func (a *smsAdmin) ResetTemplate(ctx context.Context, actor grievance.Actor, key string) error {
	a.sms.mu.Lock()
	defer a.sms.mu.Unlock()
	def, ok := find(a.sms.catalog, key)
	if !ok {
		return grievance.Errorf(grievance.ENotFound, "error.not_found")
	}
	next, err := a.sms.planner.Catalogue().With(def)
	if err != nil {
		return grievance.Internal(err)
	}
	if err := a.edits.AdminResetSMSTemplate(ctx, actor, edit(def)); err != nil {
		return err
	}
	a.sms.planner.SetCatalogue(next)
	delete(a.sms.edited, key)
	return nil
}

// editedKeys returns the keys of the templates an administrator edited.
func (p *smsParts) editedKeys() map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]bool, len(p.edited))
	for k := range p.edited {
		out[k] = true
	}
	return out
}

// loadEdits puts the administrators' stored template edits in force over
// the configured templates. An edit that no longer passes the checks (the
// configuration changed the template's variables, say) is skipped with a
// warning: the configured template is used and the start-up goes on.
func (p *smsParts) loadEdits(ctx context.Context, st grievance.SMSTemplateService) error {
	edits, err := st.SMSTemplateEdits(ctx)
	if err != nil {
		return err
	}
	p.applyEdits(edits)
	return nil
}

// applyEdits puts edits in force over the configured templates, in place
// of those in force: at start-up, and on PostgreSQL whenever a server
// changes them (store.Options.SMSTemplatesChanged).
func (p *smsParts) applyEdits(edits []grievance.SMSTemplateEdit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.edited = map[string]bool{}
	cur := p.catalog
	for _, e := range edits {
		t, ok := cur.Template(e.Event, e.Audience, e.Lang)
		if !ok {
			slog.Warn("stored SMS template edit for no template: ignored", "template", e.Key())
			continue
		}
		t.DLTID, t.Text, t.Vars = e.DLTID, e.Text, e.Vars
		next, err := cur.With(t)
		if err != nil {
			slog.Warn("stored SMS template edit no longer passes the checks: the configured template is used", "template", e.Key(), "err", err)
			continue
		}
		cur = next
		p.edited[e.Key()] = true
	}
	p.planner.SetCatalogue(cur)
	if len(p.edited) > 0 {
		slog.Info("SMS templates edited by administrators in force", "count", len(p.edited))
	}
}
