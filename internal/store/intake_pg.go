package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

// filePG writes a filing on PostgreSQL in one statement: the complaint
// with its search terms and words, its first event (with the deadline and
// area the complaint row has), the webhook deliveries, the live event
// (pg_notify) and the messages, each a part of one WITH query. A
// statement is atomic, so it is sent on its own, without BEGIN and COMMIT:
// one round trip where the general write (writePG) makes seven (BEGIN,
// complaint, event, webhook deliveries, notification, messages, COMMIT).
// The rows written are the same as File's general path writes, in the
// same order; a filing with photos takes the general path. ok is false
// when the complaint number is taken (nothing is written then).
func (s *Store) filePG(ctx context.Context, c *grievance.Complaint, ev grievance.Event, doc string,
	msgs []grievance.Message, now time.Time) (evID int64, ok bool, err error) {
	var b strings.Builder
	lat, lng := pointArgs(c.Location)
	args := []any{c.Number, c.Name, c.Mobile, string(c.Language), string(c.Channel), c.Category, c.Area, c.Address,
		c.Description, lat, lng, string(c.Status), c.Department, idNull(c.AssigneeID), c.Level, ms(c.Due),
		c.DuplicateOf, ms(c.Created), ms(c.Updated), doc, searchWords(doc)}
	b.WriteString(`WITH c AS (INSERT INTO complaints (number, name, mobile, language, channel, category, area, address,
description, lat, lng, status, department, assignee_id, level, due, duplicate_of, created, updated, search)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, array_to_tsvector(string_to_array(?, ' ')))
ON CONFLICT (number) DO NOTHING RETURNING id, due, area),
words AS (INSERT INTO search_words (word) SELECT unnest(CAST(? AS text[])) ON CONFLICT DO NOTHING),
e AS (INSERT INTO events (complaint_id, at, kind, actor_id, actor_name, from_status, to_status, note,
is_public, note_public, assignee_id, department, level, due, area)
SELECT c.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS bigint), ?, ?, c.due, c.area FROM c RETURNING id)`)
	args = append(args, ms(ev.At), string(ev.Kind), ev.ActorID, ev.ActorName, string(ev.From), string(ev.To), ev.Note,
		b2i(ev.Public), b2i(ev.NotePublic), idNull(ev.AssigneeID), ev.Department, ev.Level)
	// Webhook deliveries, as queueHooks: the payload names the event's ID,
	// which the database gives; it is written with ID 0 here and the ID
	// is put in by the statement.
	for i, name := range grievance.HooksOf(ev) {
		p := grievance.HookPayload(name, c, ev)
		const head = `{"id":"0.`
		if !strings.HasPrefix(p, head) {
			return 0, false, errors.New("webhook payload does not begin with its id")
		}
		t := ms(ev.At)
		b.WriteString(",\nh" + string(rune('0'+i)) + ` AS (INSERT INTO webhook_deliveries (webhook_id, event_id, event, number, payload, status, attempts,
next_attempt, lease_until, last_status, last_error, created, updated)
SELECT webhooks.id, e.id, ?, ?, '{"id":"' || e.id || ?, ?, 0, ?, NULL, 0, '', ?, ? FROM webhooks, e WHERE active = 1 AND events LIKE ?
ON CONFLICT (webhook_id, event_id, event) DO NOTHING)`)
		args = append(args, name, c.Number, p[len(head)-1:], grievance.DeliveryPending, t, t, t, "%,"+name+",%")
	}
	if len(msgs) > 0 {
		// As insertMessages, in the planned order.
		n := len(msgs)
		keys, events, aud, to, lang, tmpl, text := make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		cids := make([]int64, n)
		for i, m := range msgs {
			keys[i], cids[i], events[i], aud[i], to[i], lang[i], tmpl[i], text[i] =
				m.Key, m.ComplaintID, m.Event, m.Audience, m.To, string(m.Lang), m.TemplateID, m.Text
		}
		b.WriteString(`,
m AS (INSERT INTO messages (idem_key, complaint_id, event, audience, recipient, lang, template_id, text,
status, attempts, next_attempt, lease_until, gateway_ref, last_error, created, updated)
SELECT x.k, COALESCE(NULLIF(x.cid, 0), c.id), x.ev, x.aud, x.rcpt, x.lang, x.tmpl, x.txt, ?, 0, ?, NULL, '', '', ?, ?
FROM c, unnest(CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]),
CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[])) WITH ORDINALITY AS x(k, cid, ev, aud, rcpt, lang, tmpl, txt, n)
ORDER BY x.n ON CONFLICT (idem_key) DO NOTHING)`)
		args = append(args, string(grievance.MsgQueued), ms(now), ms(now), ms(now), keys, cids, events, aud, to, lang, tmpl, text)
	}
	notify := ""
	if s.publish != nil {
		// Every server hears of it, this one too, through the listener;
		// only when the complaint was written (n reads e).
		payload, err := json.Marshal(grievance.ChangeOf(c, ev))
		if err != nil {
			return 0, false, err
		}
		// Its Seq is the event's ID, which the statement gives.
		b.WriteString(",\nn AS (SELECT pg_notify(?, CAST(jsonb_set(CAST(? AS jsonb), '{Seq}', to_jsonb(e.id)) AS text)) FROM e)")
		args = append(args, pgLiveChannel, string(payload))
		notify = ", (SELECT COUNT(*) FROM n)"
	}
	b.WriteString("\nSELECT c.id, e.id" + notify + " FROM c, e")
	q := b.String()
	err = s.retryPG(ctx, func(ctx context.Context) error {
		var cid int64
		var sent int64
		dest := []any{&cid, &evID}
		if notify != "" {
			dest = append(dest, &sent)
		}
		err := s.wdb.QueryRowContext(ctx, q, args...).Scan(dest...)
		if errors.Is(err, sql.ErrNoRows) {
			ok = false
			return nil
		}
		if err != nil {
			return err
		}
		c.ID, ok = cid, true
		s.commits.Add(1)
		s.written.Add(1)
		return nil
	})
	return evID, ok, err
}
