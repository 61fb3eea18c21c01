package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

// queueHooks writes the webhook deliveries of event ev on c in the change's
// own transaction: one row per subscribed active webhook and event name, so
// that a change is never reported without being made, nor made without
// being reported. With no webhook it costs one small indexed statement.
func queueHooks(w *wtx, c *grievance.Complaint, ev grievance.Event) error {
	if !w.s.d.pg && w.s.activeHooks.Load() == 0 {
		// No webhook to tell (SQLite has one server, which knows): a
		// filing costs no statement for integrations nobody set up.
		return nil
	}
	for _, name := range grievance.HooksOf(ev) {
		now := ms(ev.At)
		_, err := w.exec(`INSERT INTO webhook_deliveries (webhook_id, event_id, event, number, payload, status, attempts,
next_attempt, lease_until, last_status, last_error, created, updated)
SELECT id, ?, ?, ?, ?, ?, 0, ?, NULL, 0, '', ?, ? FROM webhooks WHERE active = 1 AND events LIKE ?
ON CONFLICT (webhook_id, event_id, event) DO NOTHING`,
			ev.ID, name, c.Number, grievance.HookPayload(name, c, ev), grievance.DeliveryPending, now, now, now, "%,"+name+",%")
		if err != nil {
			return err
		}
	}
	return nil
}

// countHooks counts the active webhooks in w's transaction and keeps the
// count for queueHooks once it commits.
func (s *Store) countHooks(w *wtx) error {
	var n int64
	if err := w.QueryRowContext(w.ctx, "SELECT COUNT(*) FROM webhooks WHERE active = 1").Scan(&n); err != nil {
		return err
	}
	w.afterCommit(func() { s.activeHooks.Store(n) })
	return nil
}

// auditWebhook is a webhook as the audit log records it: never its secret.
func auditWebhook(h *grievance.Webhook) any {
	return struct {
		ID     int64
		URL    string
		Events []string
	}{h.ID, h.URL, h.Events}
}

// AdminAddWebhook subscribes a URL: see grievance.WebhookService.
func (s *Store) AdminAddWebhook(ctx context.Context, actor grievance.Actor, rawURL string, events []string) (*grievance.Webhook, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, wrap("admin add webhook", err)
	}
	u, evs, err := grievance.CheckWebhook(rawURL, events)
	if err != nil {
		return nil, wrap("admin add webhook", err)
	}
	b := make([]byte, 32)
	rand.Read(b)
	h := &grievance.Webhook{URL: u, Events: evs, Secret: hex.EncodeToString(b), Active: true,
		Created: s.clock(), CreatedBy: actor.Login}
	err = s.write(ctx, func(w *wtx) error {
		// RETURNING, not LastInsertId: PostgreSQL's driver has none.
		err := w.QueryRowContext(w.ctx, `INSERT INTO webhooks (url, events, secret, active, created, created_by)
VALUES (?, ?, ?, 1, ?, ?) RETURNING id`,
			h.URL, ","+strings.Join(h.Events, ",")+",", h.Secret, ms(h.Created), h.CreatedBy).Scan(&h.ID)
		if err != nil {
			return err
		}
		if err := s.countHooks(w); err != nil {
			return err
		}
		return s.insertAudit(w, actor, grievance.AuditWebhook, h.URL, grievance.AuditCreate, nil, auditWebhook(h))
	})
	if err != nil {
		return nil, wrap("admin add webhook", err)
	}
	return h, nil
}

// AdminDeleteWebhook ends a webhook: see grievance.WebhookService.
func (s *Store) AdminDeleteWebhook(ctx context.Context, actor grievance.Actor, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return wrap("admin delete webhook", err)
	}
	err := s.write(ctx, func(w *wtx) error {
		h, err := scanWebhook(w.QueryRowContext(w.ctx, "SELECT "+webhookCols+" FROM webhooks WHERE id = ? AND active = 1", id))
		if err != nil {
			return noRows(err)
		}
		if _, err := w.exec("UPDATE webhooks SET active = 0 WHERE id = ?", id); err != nil {
			return err
		}
		if _, err := w.exec("UPDATE webhook_deliveries SET status = ?, lease_until = NULL, updated = ? WHERE webhook_id = ? AND status = ?",
			grievance.DeliveryCancelled, ms(s.clock()), id, grievance.DeliveryPending); err != nil {
			return err
		}
		if err := s.countHooks(w); err != nil {
			return err
		}
		return s.insertAudit(w, actor, grievance.AuditWebhook, h.URL, grievance.AuditDelete, auditWebhook(h), nil)
	})
	return wrap("admin delete webhook", err)
}

const webhookCols = "id, url, events, active, created, created_by"

func scanWebhook(r scanner) (*grievance.Webhook, error) {
	var h grievance.Webhook
	var events string
	var created int64
	if err := r.Scan(&h.ID, &h.URL, &events, &h.Active, &created, &h.CreatedBy); err != nil {
		return nil, err
	}
	h.Events = strings.Split(strings.Trim(events, ","), ",")
	h.Created = fromMs(created)
	return &h, nil
}

// Webhooks lists the active webhooks without secrets.
func (s *Store) Webhooks(ctx context.Context) ([]grievance.Webhook, error) {
	var out []grievance.Webhook
	err := each(ctx, s.rdb, "SELECT "+webhookCols+" FROM webhooks WHERE active = 1 ORDER BY id", func(r scanner) error {
		h, err := scanWebhook(r)
		if err != nil {
			return err
		}
		out = append(out, *h)
		return nil
	})
	if err != nil {
		return nil, wrap("webhooks", err)
	}
	return out, nil
}

const deliveryCols = `d.id, d.webhook_id, d.event_id, d.event, d.number, d.payload, d.status, d.attempts, d.next_attempt,
d.last_status, d.last_error, d.created, d.updated, h.url`

func scanDelivery(r scanner, extra ...any) (grievance.WebhookDelivery, error) {
	var d grievance.WebhookDelivery
	var next, created, updated int64
	dest := []any{&d.ID, &d.WebhookID, &d.EventID, &d.Event, &d.Number, &d.Payload, &d.Status, &d.Attempts, &next,
		&d.LastStatus, &d.LastError, &created, &updated, &d.URL}
	err := r.Scan(append(dest, extra...)...)
	d.NextAttempt, d.Created, d.Updated = fromMs(next), fromMs(created), fromMs(updated)
	return d, err
}

// WebhookDeliveries returns the latest deliveries, newest first.
func (s *Store) WebhookDeliveries(ctx context.Context, limit int) ([]grievance.WebhookDelivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	var out []grievance.WebhookDelivery
	err := each(ctx, s.rdb, "SELECT "+deliveryCols+` FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id
ORDER BY d.created DESC, d.id DESC LIMIT ?`, func(r scanner) error {
		d, err := scanDelivery(r)
		if err != nil {
			return err
		}
		out = append(out, d)
		return nil
	}, limit)
	if err != nil {
		return nil, wrap("webhook deliveries", err)
	}
	return out, nil
}

// ClaimWebhookDeliveries leases due deliveries: see grievance.WebhookService.
// The single writer makes claim-and-lease atomic (PostgreSQL: FOR UPDATE
// SKIP LOCKED).
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]grievance.WebhookDelivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []grievance.WebhookDelivery
	err := s.write(ctx, func(w *wtx) error {
		out = out[:0]
		t := ms(now)
		err := each(w.ctx, w, "SELECT "+deliveryCols+`, h.secret FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id
WHERE d.status = ? AND d.next_attempt <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)
ORDER BY d.next_attempt, d.id LIMIT ?`+w.s.d.skipLockedOf("d"), func(r scanner) error {
			var secret string
			d, err := scanDelivery(r, &secret)
			if err != nil {
				return err
			}
			d.Secret = secret
			out = append(out, d)
			return nil
		}, grievance.DeliveryPending, t, t, limit)
		if err != nil {
			return err
		}
		until := ms(now.Add(lease))
		for _, d := range out {
			if _, err := w.exec("UPDATE webhook_deliveries SET lease_until = ? WHERE id = ?", until, d.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("claim webhook deliveries", err)
	}
	return out, nil
}

// RecordWebhookDelivery records an attempt: see grievance.WebhookService.
func (s *Store) RecordWebhookDelivery(ctx context.Context, o grievance.WebhookOutcome) error {
	switch o.Status {
	case grievance.DeliveryDelivered, grievance.DeliveryPending, grievance.DeliveryFailed:
	default:
		return wrap("record webhook delivery", grievance.Errorf(grievance.EInvalid, "webhook.error.status"))
	}
	if len(o.Error) > 500 {
		o.Error = o.Error[:500]
	}
	now := s.clock()
	err := s.write(ctx, func(w *wtx) error {
		var cur string
		var next int64
		err := w.QueryRowContext(w.ctx, "SELECT status, next_attempt FROM webhook_deliveries WHERE id = ?", o.ID).Scan(&cur, &next)
		if err != nil {
			return noRows(err)
		}
		if cur != grievance.DeliveryPending {
			return nil // delivered, failed or cancelled stays so
		}
		if o.Status == grievance.DeliveryPending {
			next = ms(o.NextAttempt)
		}
		_, err = w.exec(`UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt = ?, lease_until = NULL,
last_status = ?, last_error = ?, updated = ? WHERE id = ?`, o.Status, next, o.HTTPStatus, o.Error, ms(now), o.ID)
		return err
	})
	return wrap("record webhook delivery", err)
}
