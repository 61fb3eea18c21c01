package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// deliveriesOf returns the deliveries of webhook id, oldest first.
func (e *env) deliveriesOf(t *testing.T, id int64) []grievance.WebhookDelivery {
	t.Helper()
	all, err := e.h.WebhookDeliveries(e.ctx, 500)
	if err != nil {
		t.Fatalf("WebhookDeliveries: %v", err)
	}
	var out []grievance.WebhookDelivery
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].WebhookID == id {
			out = append(out, all[i])
		}
	}
	return out
}

func deliverySummary(ds []grievance.WebhookDelivery) string {
	var b []string
	for _, d := range ds {
		b = append(b, d.Event+" "+d.Number+" "+d.Status)
	}
	return strings.Join(b, "; ")
}

// testWebhooks: subscriptions are the administrator's and audited; each
// change queues one delivery per subscribed webhook and event in its own
// transaction; claims lease, outcomes are recorded, a final outcome stays.
func testWebhooks(t *testing.T, e *env) {
	je1 := e.officer("pwd-je-w1")
	if _, err := e.h.AdminAddWebhook(e.ctx, control, "https://crm.example.in/hook", grievance.HookEvents); grievance.ErrorCode(err) != grievance.EForbidden {
		t.Fatalf("a supervisor added a webhook: %v", err)
	}
	_, err := e.h.AdminAddWebhook(e.ctx, admin, "ftp://crm.example.in/hook", nil)
	wantField(t, err, "url", "webhook.error.url")
	wantField(t, err, "events", "webhook.error.events")
	_, err = e.h.AdminAddWebhook(e.ctx, admin, "https://crm.example.in/hook", []string{"complaint.deleted"})
	wantField(t, err, "events", "webhook.error.events")
	if hs, _ := e.h.Webhooks(e.ctx); len(hs) != 0 {
		t.Fatalf("refused webhooks stored: %+v", hs)
	}

	a, err := e.h.AdminAddWebhook(e.ctx, admin, " https://crm.example.in/hook ", []string{grievance.HookStatusChanged, grievance.HookRegistered})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Secret) < 32 || a.URL != "https://crm.example.in/hook" {
		t.Fatalf("webhook A = %+v: want a trimmed URL and its own long secret", a)
	}
	entry := e.wantOneAudit(0, grievance.AuditWebhook, "https://crm.example.in/hook", grievance.AuditCreate)
	if strings.Contains(entry.After, a.Secret) {
		t.Fatal("the audit log holds the webhook's secret")
	}
	b, err := e.h.AdminAddWebhook(e.ctx, admin, "http://127.0.0.1:9/escalations", []string{grievance.HookEscalated})
	if err != nil {
		t.Fatal(err)
	}
	if a.Secret == b.Secret {
		t.Fatal("two webhooks share a secret")
	}
	hs, err := e.h.Webhooks(e.ctx)
	if err != nil || len(hs) != 2 || hs[0].Secret != "" || len(hs[0].Events) != 2 {
		t.Fatalf("Webhooks = %+v, %v; want two, without secrets", hs, err)
	}

	// Filing: A hears of it, B (escalations only) does not.
	c := e.MustFile(newComplaint("road", "w1"))
	da := e.deliveriesOf(t, a.ID)
	if len(da) != 1 || da[0].Event != grievance.HookRegistered || da[0].Number != c.Number || da[0].Status != grievance.DeliveryPending {
		t.Fatalf("A after filing: %s; want one pending registration", deliverySummary(da))
	}
	var body struct {
		ID        string
		Event     string
		Complaint map[string]any
	}
	if err := json.Unmarshal([]byte(da[0].Payload), &body); err != nil {
		t.Fatalf("payload %s: %v", da[0].Payload, err)
	}
	if body.Event != grievance.HookRegistered || body.Complaint["number"] != c.Number || body.Complaint["status"] != string(c.Status) || body.ID == "" {
		t.Fatalf("payload %s: want the registration of %s", da[0].Payload, c.Number)
	}
	// Its id names the filing's event in the complaint's history.
	if want := fmt.Sprintf("%d.%s", da[0].EventID, grievance.HookRegistered); body.ID != want || da[0].EventID == 0 {
		t.Fatalf("payload id %q (event %d), want %q", body.ID, da[0].EventID, want)
	}
	if hist, err := e.h.History(e.ctx, grievance.SystemActor, c.Number); err != nil || len(hist) == 0 || hist[0].ID != da[0].EventID {
		t.Fatalf("the delivery's event %d is not the filing's (%v, %v)", da[0].EventID, hist, err)
	}
	if strings.Contains(da[0].Payload, mobileA) || strings.Contains(da[0].Payload, "Ram Kumar") {
		t.Fatalf("payload carries the citizen's personal data: %s", da[0].Payload)
	}
	// A note changes no status: nothing. A report does.
	e.act(t, je1, c, grievance.Action{Kind: grievance.ActNote, Note: "visit"})
	e.act(t, je1, c, grievance.Action{Kind: grievance.ActReport, Note: "done"})
	da = e.deliveriesOf(t, a.ID)
	if len(da) != 2 || da[1].Event != grievance.HookStatusChanged || !strings.Contains(da[1].Payload, `"previous_status":"assigned"`) {
		t.Fatalf("A after a note and a report: %s; want the registration and one status change from assigned", deliverySummary(da))
	}
	if db := e.deliveriesOf(t, b.ID); len(db) != 0 {
		t.Fatalf("B (escalations only) got %s", deliverySummary(db))
	}

	// Claims lease; outcomes are recorded; a final outcome stays.
	now := e.clock.Now()
	got, err := e.h.ClaimWebhookDeliveries(e.ctx, now, 10, time.Minute)
	if err != nil || len(got) != 2 || got[0].Secret != a.Secret || got[0].URL != a.URL {
		t.Fatalf("claim = %d deliveries (%v); want both of A's with its URL and secret", len(got), err)
	}
	if again, _ := e.h.ClaimWebhookDeliveries(e.ctx, now, 10, time.Minute); len(again) != 0 {
		t.Fatalf("a second claim within the lease got %d", len(again))
	}
	if err := e.h.RecordWebhookDelivery(e.ctx, grievance.WebhookOutcome{ID: got[0].ID, Status: grievance.DeliveryDelivered, HTTPStatus: 204}); err != nil {
		t.Fatal(err)
	}
	retryAt := now.Add(10 * time.Second)
	if err := e.h.RecordWebhookDelivery(e.ctx, grievance.WebhookOutcome{ID: got[1].ID, Status: grievance.DeliveryPending,
		HTTPStatus: 503, Error: "HTTP 503", NextAttempt: retryAt}); err != nil {
		t.Fatal(err)
	}
	if early, _ := e.h.ClaimWebhookDeliveries(e.ctx, retryAt.Add(-time.Second), 10, time.Minute); len(early) != 0 {
		t.Fatalf("claimed before its retry time: %d", len(early))
	}
	late, err := e.h.ClaimWebhookDeliveries(e.ctx, retryAt, 10, time.Minute)
	if err != nil || len(late) != 1 || late[0].ID != got[1].ID || late[0].Attempts != 1 || late[0].LastStatus != 503 {
		t.Fatalf("claim at the retry time = %+v, %v; want the retried delivery after one attempt", late, err)
	}
	// A late "retry" of the delivered one changes nothing.
	if err := e.h.RecordWebhookDelivery(e.ctx, grievance.WebhookOutcome{ID: got[0].ID, Status: grievance.DeliveryPending, NextAttempt: now}); err != nil {
		t.Fatal(err)
	}
	if da := e.deliveriesOf(t, a.ID); da[0].Status != grievance.DeliveryDelivered || da[0].Attempts != 1 {
		t.Fatalf("delivered delivery became %s after %d attempts", da[0].Status, da[0].Attempts)
	}
	err = e.h.RecordWebhookDelivery(e.ctx, grievance.WebhookOutcome{ID: 999999, Status: grievance.DeliveryDelivered})
	wantCode(t, err, grievance.ENotFound, "")

	// Escalation reaches B once.
	d := e.MustFile(newComplaint("road", "w1"))
	e.clock.Set(d.Due.Add(time.Minute))
	if r := e.sweep(t); r.Escalated != 1 {
		t.Fatalf("sweep: %+v, want one escalation", r)
	}
	db := e.deliveriesOf(t, b.ID)
	if len(db) != 1 || db[0].Event != grievance.HookEscalated || db[0].Number != d.Number {
		t.Fatalf("B after an escalation: %s; want one escalation of %s", deliverySummary(db), d.Number)
	}

	// Removing A cancels what it had pending and queues nothing more.
	if err := e.h.AdminDeleteWebhook(e.ctx, je1, a.ID); grievance.ErrorCode(err) != grievance.EForbidden {
		t.Fatalf("an officer removed a webhook: %v", err)
	}
	if err := e.h.AdminDeleteWebhook(e.ctx, admin, a.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.h.AdminDeleteWebhook(e.ctx, admin, a.ID), grievance.ENotFound, "")
	if last := e.audit()[0]; last.Entity != grievance.AuditWebhook || last.Action != grievance.AuditDelete || last.EntityKey != a.URL || last.After != "" {
		t.Fatalf("last audit entry %+v, want the webhook's removal", last)
	}
	n := len(e.deliveriesOf(t, a.ID))
	e.MustFile(newComplaint("road", "w1"))
	da = e.deliveriesOf(t, a.ID)
	if len(da) != n {
		t.Fatalf("a removed webhook got %d new deliveries", len(da)-n)
	}
	for _, x := range da {
		if x.Status == grievance.DeliveryPending {
			t.Fatalf("a removed webhook's delivery is still pending: %s", deliverySummary(da))
		}
	}
}

// testWebhookClaimsOnce: claims made at once (the dispatchers of several
// servers) share the due deliveries out: each is claimed by one of them,
// none is left behind.
func testWebhookClaimsOnce(t *testing.T, e *env) {
	h, err := e.h.AdminAddWebhook(e.ctx, admin, "https://crm.example.in/hook", []string{grievance.HookRegistered})
	if err != nil {
		t.Fatal(err)
	}
	const filed = 12
	for range filed {
		e.fileAt("road", "w1", mobileA, nil)
	}
	now := e.clock.Now()
	claimed := map[int64]int{}
	for _, d := range claimConcurrently(t, 4, func() ([]grievance.WebhookDelivery, error) {
		return e.h.ClaimWebhookDeliveries(e.ctx, now, 2, time.Minute)
	}) {
		claimed[d.ID]++
	}
	if len(claimed) != filed {
		t.Fatalf("%d deliveries claimed, want %d (%d made)", len(claimed), filed, len(e.deliveriesOf(t, h.ID)))
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("delivery %d claimed %d times", id, n)
		}
	}
}
