package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

const messageCols = `id, idem_key, complaint_id, event, audience, recipient, lang, template_id, text, status, attempts,
next_attempt, gateway_ref, last_error, created, updated`

// scanMessage scans messageCols, then any extra columns into extra.
func scanMessage(r scanner, extra ...any) (grievance.Message, error) {
	var m grievance.Message
	var key sql.NullString
	var complaint sql.NullInt64
	var next, created, updated int64
	dest := []any{&m.ID, &key, &complaint, &m.Event, &m.Audience, &m.To, &m.Lang, &m.TemplateID, &m.Text,
		&m.Status, &m.Attempts, &next, &m.GatewayRef, &m.LastError, &created, &updated}
	err := r.Scan(append(dest, extra...)...)
	m.Key, m.ComplaintID = key.String, complaint.Int64
	m.NextAttempt, m.Created, m.Updated = fromMs(next), fromMs(created), fromMs(updated)
	return m, err
}

// scanMessages runs query (of messageCols) and returns its messages.
func scanMessages(ctx context.Context, q querier, query string, args ...any) ([]grievance.Message, error) {
	var out []grievance.Message
	err := each(ctx, q, query, func(r scanner) error {
		m, err := scanMessage(r)
		if err != nil {
			return err
		}
		out = append(out, m)
		return nil
	}, args...)
	return out, err
}

// insertMessages queues the messages of a complaint change (id
// complaintID): on SQLite with those of the other changes in the writer's
// batch, in a few statements before it commits (flushOutbox); on
// PostgreSQL in one statement at once. They are written
// without their idempotency key: the change's event, written in the same
// transaction and only once, makes them unique, so an index of keys would
// only cost every filing a write to it (migration 0022). A message planned
// twice for the same change is queued once.
func insertMessages(w *wtx, complaintID int64, msgs []grievance.Message, now time.Time) error {
	return insertOutbox(w, complaintID, uniqueKeys(msgs), now, false)
}

// insertKeyed queues messages that belong to no change (a one-time code, a
// test message, a reply to an inbound SMS), each once per idempotency key.
func insertKeyed(w *wtx, msgs []grievance.Message, now time.Time) error {
	for _, m := range msgs {
		if m.Key == "" {
			return grievance.Internal(fmt.Errorf("message %s to %s without an idempotency key", m.Event, m.Audience))
		}
	}
	return insertOutbox(w, 0, msgs, now, true)
}

// uniqueKeys drops the messages whose key an earlier one of msgs has.
func uniqueKeys(msgs []grievance.Message) []grievance.Message {
	for i := range msgs {
		if slices.ContainsFunc(msgs[:i], func(o grievance.Message) bool { return o.Key == msgs[i].Key }) {
			out := slices.Clone(msgs[:i])
			for _, m := range msgs[i+1:] {
				if !slices.ContainsFunc(out, func(o grievance.Message) bool { return o.Key == m.Key }) {
					out = append(out, m)
				}
			}
			return out
		}
	}
	return msgs
}

func insertOutbox(w *wtx, complaintID int64, msgs []grievance.Message, now time.Time, keyed bool) error {
	if len(msgs) == 0 {
		return nil
	}
	args := make([]any, 0, outboxArgs*len(msgs))
	for _, msg := range msgs {
		id := msg.ComplaintID
		if id == 0 {
			id = complaintID
		}
		var key any
		if keyed {
			key = msg.Key
		}
		args = append(args, key, idNull(id), msg.Event, msg.Audience, msg.To, string(msg.Lang), msg.TemplateID, msg.Text,
			ms(now), ms(now), ms(now))
	}
	if !keyed && w.outbox != nil {
		*w.outbox = append(*w.outbox, args...)
		return nil
	}
	_, err := w.exec(insertOutboxQ(len(msgs), keyed), args...)
	return err
}

// outboxArgs is the number of arguments of a message in insertOutboxQ.
const outboxArgs = 11

// flushOutbox inserts the messages that a batch's successful ops queued
// with their changes (args, outboxArgs per message), in a few statements
// of up to maxOutboxRows rows, after the last op's savepoint: one
// statement for many messages costs SQLite's single writer much less than
// one per change, and rows written outside a savepoint need no copy of
// their pages in its journal. A failure fails the whole batch, so a change
// never commits without its messages.
func flushOutbox(w *wtx, args []any) error {
	for len(args) > 0 {
		n := min(len(args)/outboxArgs, maxOutboxRows)
		for n&(n-1) != 0 {
			n &= n - 1 // a power of two: few distinct statements to keep prepared
		}
		if _, err := w.exec(insertOutboxQ(n, false), args[:n*outboxArgs]...); err != nil {
			return err
		}
		args = args[n*outboxArgs:]
	}
	return nil
}

// maxOutboxRows bounds the rows of one flushOutbox statement (a power of
// two, well within SQLite's 32,766 arguments).
const maxOutboxRows = 256

// insertOutboxQ is the statement queuing n messages, of 11 arguments each;
// keyed skips a message whose key is queued already.
func insertOutboxQ(n int, keyed bool) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO messages (idem_key, complaint_id, event, audience, recipient, lang, template_id, text,
status, attempts, next_attempt, lease_until, gateway_ref, last_error, created, updated) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, NULL, '', '', ?, ?)")
	}
	if keyed {
		b.WriteString(" ON CONFLICT (idem_key) WHERE idem_key IS NOT NULL DO NOTHING")
	}
	return b.String()
}

// The dispatcher's and the attention list's queries name the statuses as
// literals so that SQLite reads them through the partial indexes
// messages_due and messages_failed (a bound status would not match the
// indexes' WHERE).
var (
	claimMessagesQ = "SELECT " + messageCols + ` FROM messages
WHERE status = 'queued' AND next_attempt <= ? AND (lease_until IS NULL OR lease_until <= ?)
ORDER BY next_attempt, id LIMIT ?`
	failedMessagesQ = "SELECT " + prefixed("m.", messageCols) + `, COALESCE(c.number, '') FROM messages m
LEFT JOIN complaints c ON c.id = m.complaint_id
WHERE (m.status = 'failed' OR m.status = 'undelivered' OR m.status = 'expired') AND m.audience = ? AND m.updated >= ? ORDER BY m.id DESC LIMIT ?`
)

// ClaimMessages returns up to limit queued messages due at now and not
// leased, oldest due first, and leases them until now+lease. PostgreSQL
// reads and leases them in one transaction (FOR UPDATE SKIP LOCKED); SQLite
// see claimSQLite.
func (s *Store) ClaimMessages(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]grievance.Message, error) {
	if limit <= 0 {
		return nil, nil
	}
	if !s.d.pg {
		out, err := s.claimSQLite(ctx, now, limit, lease)
		return out, wrap("claim messages", err)
	}
	var out []grievance.Message
	err := s.write(ctx, func(w *wtx) error {
		t := ms(now)
		var err error
		out, err = scanMessages(w.ctx, w, claimMessagesQ+w.s.d.skipLocked(), t, t, limit)
		if err != nil || len(out) == 0 {
			return err
		}
		args := make([]any, 0, 1+len(out))
		args = append(args, ms(now.Add(lease)))
		for _, m := range out {
			args = append(args, m.ID)
		}
		_, err = w.exec("UPDATE messages SET lease_until = ? WHERE id IN (?"+strings.Repeat(", ?", len(out)-1)+")", args...)
		return err
	})
	if err != nil {
		return nil, wrap("claim messages", err)
	}
	return out, nil
}

// claimSQLite reads the due messages on a reader, off the single writer
// that files complaints (reading them there, texts and all, cost it more
// than the lease), then leases in the writer, in one statement, those still
// queued, due, unleased and at the same attempt there: a message that
// changed or was claimed in between is left out, so no message is ever
// claimed twice.
func (s *Store) claimSQLite(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]grievance.Message, error) {
	t := ms(now)
	due, err := scanMessages(ctx, s.rdb, claimMessagesQ, t, t, limit)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	if len(due) > maxClaim {
		due = due[:maxClaim] // the lease names each message: two arguments each
	}
	args := make([]any, 0, 3+2*len(due))
	args = append(args, ms(now.Add(lease)), t, t)
	for _, m := range due {
		args = append(args, m.ID, m.Attempts)
	}
	q := leaseMessagesQ(len(due))
	var out []grievance.Message
	err = s.write(ctx, func(w *wtx) error {
		out = out[:0]
		leased := make(map[int64]bool, len(due))
		err := each(w.ctx, w, q, func(r scanner) error {
			var id int64
			err := r.Scan(&id)
			leased[id] = true
			return err
		}, args...)
		for _, m := range due {
			if leased[m.ID] {
				out = append(out, m)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// maxClaim bounds the messages one SQLite claim leases (a larger limit
// gets this many): the lease statement takes two arguments per message,
// within SQLite's 32,766.
const maxClaim = 4096

// leaseMessagesQ leases n messages, each named by its ID and attempts, if
// still queued, due and unleased; it returns the IDs leased.
func leaseMessagesQ(n int) string {
	return `UPDATE messages SET lease_until = ? WHERE status = 'queued' AND next_attempt <= ?
AND (lease_until IS NULL OR lease_until <= ?) AND (id, attempts) IN (VALUES (?, ?)` + strings.Repeat(", (?, ?)", n-1) + ") RETURNING id"
}

// UpdateMessage records the outcome of a send attempt or a delivery report.
// A status of lower rank than the current one is ignored (a late report
// never moves a message back); the same rank is recorded (a retry stays
// queued with new attempts, next attempt and error). Any recorded update
// ends the lease. Attempts never decrease and an empty gateway reference
// keeps the known one. ENotFound for an unknown message; EInvalid for an
// unknown status.
func (s *Store) UpdateMessage(ctx context.Context, u grievance.MessageUpdate) error {
	errs, err := s.UpdateMessages(ctx, []grievance.MessageUpdate{u})
	if err != nil {
		return err
	}
	return wrap("update message", errs[0])
}

// UpdateMessages records several updates, each as UpdateMessage would, in
// one write: the dispatcher records the outcomes of the sends that ended
// while its last write was waiting for the writer together, so a message
// costs the writer one statement instead of an operation of its own. It
// returns each update's error (nil, ENotFound, EInvalid), or err when the
// write failed and none was recorded.
func (s *Store) UpdateMessages(ctx context.Context, us []grievance.MessageUpdate) ([]error, error) {
	errs := make([]error, len(us))
	now := ms(s.clock())
	err := s.write(ctx, func(w *wtx) error {
		for i, u := range us {
			errs[i] = nil
			if u.Status.Rank() < 0 {
				errs[i] = grievance.Errorf(grievance.EInvalid, "error.message_status")
				continue
			}
			var next, ref any // NULL keeps the known value
			if !u.NextAttempt.IsZero() {
				next = ms(u.NextAttempt)
			}
			if u.GatewayRef != "" {
				ref = u.GatewayRef
			}
			// One statement, not a read and a write: the dispatcher records
			// two messages per complaint in the writer that files complaints.
			res, err := w.exec(updateMessageQ(u.Status), string(u.Status), u.Attempts, u.Attempts, next, ref, u.Error, now, u.ID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				continue
			}
			// Nothing changed: a late or repeated report (ignored), or no
			// such message.
			var one int
			if err := noRows(w.QueryRowContext(w.ctx, "SELECT 1 FROM messages WHERE id = ?", u.ID).Scan(&one)); err != nil {
				if grievance.ErrorCode(err) != grievance.ENotFound {
					return err
				}
				errs[i] = err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("update messages", err)
	}
	return errs, nil
}

// updateMessageQueries are UpdateMessage's statements by new status: each
// changes a message only from a status it may leave for that one (not
// final, of no higher rank), named as literals.
var updateMessageQueries = func() map[grievance.MessageStatus]string {
	all := []grievance.MessageStatus{grievance.MsgQueued, grievance.MsgSent, grievance.MsgAccepted, grievance.MsgDelivered,
		grievance.MsgUndelivered, grievance.MsgFailed, grievance.MsgExpired}
	out := map[grievance.MessageStatus]string{}
	for _, to := range all {
		var from []string
		for _, cur := range all {
			if !cur.Final() && cur.Rank() <= to.Rank() {
				from = append(from, "status = '"+string(cur)+"'")
			}
		}
		// Equalities joined by OR, not an IN list: SQLite builds a
		// temporary table for every IN list of more than two values, at
		// every execution.
		out[to] = `UPDATE messages SET status = ?, attempts = CASE WHEN attempts > ? THEN attempts ELSE ? END,
next_attempt = COALESCE(?, next_attempt), lease_until = NULL, gateway_ref = COALESCE(?, gateway_ref), last_error = ?,
updated = ? WHERE id = ? AND (` + strings.Join(from, " OR ") + ")"
	}
	return out
}()

func updateMessageQ(to grievance.MessageStatus) string { return updateMessageQueries[to] }

// QueueMessages queues messages that belong to no complaint change (an
// escalation warning, a test message from the administrator), each once
// per idempotency key.
func (s *Store) QueueMessages(ctx context.Context, msgs []grievance.Message) error {
	now := s.clock()
	err := s.write(ctx, func(w *wtx) error {
		return insertKeyed(w, msgs, now)
	})
	return wrap("queue messages", err)
}

// FailedMessages lists final failures to audience since since, newest
// first, with the complaint's number.
func (s *Store) FailedMessages(ctx context.Context, audience string, since time.Time, limit int) ([]grievance.Message, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []grievance.Message
	var number string
	err := each(ctx, s.rdb, failedMessagesQ, func(r scanner) error {
		m, err := scanMessage(r, &number)
		m.Number = number
		if err != nil {
			return err
		}
		out = append(out, m)
		return nil
	}, audience, ms(since), limit)
	if err != nil {
		return nil, wrap("failed messages", err)
	}
	return out, nil
}

// prefixed qualifies every column of a column list with prefix.
func prefixed(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// Message returns the message with id; ENotFound.
func (s *Store) Message(ctx context.Context, id int64) (*grievance.Message, error) {
	m, err := scanMessage(s.rdb.QueryRowContext(ctx, "SELECT "+messageCols+" FROM messages WHERE id = ?", id))
	if err != nil {
		return nil, wrap("message", noRows(err))
	}
	return &m, nil
}

// Messages lists the newest messages first, only those to mobile to when
// it is not empty. limit defaults to 50, at most 500.
func (s *Store) Messages(ctx context.Context, to string, limit int) ([]grievance.Message, error) {
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		limit = 500
	}
	q, args := "SELECT "+messageCols+" FROM messages ORDER BY id DESC LIMIT ?", []any{limit}
	if to != "" {
		q, args = "SELECT "+messageCols+" FROM messages WHERE recipient = ? ORDER BY id DESC LIMIT ?",
			[]any{grievance.NormalizeMobile(to), limit}
	}
	out, err := scanMessages(ctx, s.rdb, q, args...)
	if err != nil {
		return nil, wrap("messages", err)
	}
	return out, nil
}
