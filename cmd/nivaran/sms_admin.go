package main

import (
	"context"
	"strconv"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/notify"
	"nivaran/internal/web"
)

// smsAdmin gives the admin SMS page the templates and test messages.
type smsAdmin struct {
	gateway string
	catalog *notify.Catalogue
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
	}
	if lang == grievance.Hindi {
		v[notify.VarDepartment], v[notify.VarCategory], v[notify.VarArea] = "नगर निगम", "कूड़ा नहीं उठा", "अमीनाबाद"
	}
	return v
}

func (a *smsAdmin) Templates() []web.SMSTemplate {
	var out []web.SMSTemplate
	for _, t := range a.catalog.Templates() {
		st := web.SMSTemplate{Event: t.Event, Audience: t.Audience, Lang: string(t.Lang), DLTID: t.DLTID, Text: t.Text, Placeholder: t.Placeholder()}
		if _, text, err := a.catalog.Render(t.Event, t.Audience, t.Lang, a.sample(t.Lang)); err == nil {
			st.Units, st.Parts = notify.UTF16Units(text), notify.Parts(text)
		}
		out = append(out, st)
	}
	return out
}

// SendTest queues template i with sample values to mobile, through the
// same outbox and dispatcher as every other message.
func (a *smsAdmin) SendTest(ctx context.Context, mobile string, i int) error {
	list := a.catalog.Templates()
	if i < 0 || i >= len(list) {
		return (grievance.FieldErrors{"template": "error.template"}).Err()
	}
	t, text, err := a.catalog.Render(list[i].Event, list[i].Audience, list[i].Lang, a.sample(list[i].Lang))
	if err != nil {
		return grievance.Internal(err)
	}
	now := a.now()
	return a.outbox.QueueMessages(ctx, []grievance.Message{{
		Key: "test:" + mobile + ":" + strconv.FormatInt(now.UnixNano(), 10), Event: "test:" + t.Event, Audience: t.Audience,
		To: mobile, Lang: t.Lang, TemplateID: t.DLTID, Text: text,
	}})
}
