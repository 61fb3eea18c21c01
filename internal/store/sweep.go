package store

import (
	"context"
	"time"

	"nivaran/internal/grievance"
)

// The sweep's queries. Each names its partial index (migrations 0003 and
// 0023): the index's condition is repeated in the query, in its words, so what is read is what is
// due. A complaint linked as a duplicate follows its parent: it neither
// escalates nor warns.
const (
	sweepEscalateQ = `SELECT ` + complaintCols + ` FROM complaints INDEXED BY complaints_sweep_escalate
WHERE (status = 'assigned' OR status = 'in_progress' OR status = 'reopened') AND on_hold = 0 AND ladder_end = 0 AND due <= ? AND duplicate_of = ''
ORDER BY due LIMIT ?`
	sweepWarnQ = `SELECT ` + complaintCols + ` FROM complaints INDEXED BY complaints_sweep_warn
WHERE (status = 'assigned' OR status = 'in_progress' OR status = 'reopened') AND on_hold = 0 AND due_warned = 0 AND due > ? AND due <= ? AND duplicate_of = ''
ORDER BY due LIMIT ?`
	sweepVerifyQ = `SELECT ` + complaintCols + ` FROM complaints INDEXED BY complaints_sweep_verify
WHERE status = 'resolved' AND resolved_at <= ? ORDER BY resolved_at LIMIT ?`
)

var _ grievance.Scheduler = (*Store)(nil)

// Sweep does the scheduler's due work at now: it warns officers of
// deadlines within WarnBefore (once per deadline), moves overdue complaints
// to the next level of their department's ladder with that level's time,
// marks those already at the top (the control room sees them as overdue),
// and closes resolutions the citizen left unanswered for VerifyWithin as
// resolved-unverified. Each complaint changes in its own history event and
// queues its messages in the same transaction.
//
// It reads only what is due, through partial indexes whose conditions the
// queries repeat (named with INDEXED BY: without statistics SQLite's
// planner prefers the wider status index and reads what is not due), so a sweep over a million open complaints costs what is
// due, not what is open. With one writer (SQLite) each batch is claimed and
// changed in one transaction; several servers on PostgreSQL will claim
// with FOR UPDATE SKIP LOCKED.
func (s *Store) Sweep(ctx context.Context, now time.Time, o grievance.SweepOptions) (grievance.SweepResult, error) {
	if o.Batch <= 0 {
		o.Batch = 500
	}
	var res grievance.SweepResult
	for {
		n, err := s.sweepBatch(ctx, now, o, &res)
		if err != nil {
			return res, wrap("sweep", err)
		}
		if n < o.Batch {
			return res, nil
		}
	}
}

// sweepBatch handles up to o.Batch due complaints of each kind in one
// transaction and returns the largest number found of any kind.
func (s *Store) sweepBatch(ctx context.Context, now time.Time, o grievance.SweepOptions, res *grievance.SweepResult) (int, error) {
	st := s.state()
	m := st.m
	most := 0
	err := s.write(ctx, func(w *wtx) error {
		most = 0
		t := ms(now)
		// Overdue: up one level.
		due, err := w.complaints(sweepEscalateQ+w.s.d.skipLocked(), t, o.Batch)
		if err != nil {
			return err
		}
		most = max(most, len(due))
		for _, c := range due {
			next := m.NextUp(c)
			if next == nil {
				if _, err := w.exec("UPDATE complaints SET ladder_end = 1 WHERE id = ?", c.ID); err != nil {
					return err
				}
				res.TopOfLadder++
				continue
			}
			prev := c.Due
			span := m.LevelSpan(c.Category, next.Level, grievance.Span{N: s.levelDays})
			ev, err := grievance.Apply(c, grievance.Action{Kind: grievance.ActEscalate, Target: next,
				Due: same(st.cal.Add(now, span))}, grievance.SystemActor, now)
			if err != nil {
				return err
			}
			if err := s.record(w, c, prev, ev, m, now); err != nil {
				return err
			}
			res.Escalated++
		}
		// Near the deadline: warn the officer once.
		if o.WarnBefore > 0 {
			soon, err := w.complaints(sweepWarnQ+w.s.d.skipLocked(), t, ms(now.Add(o.WarnBefore)), o.Batch)
			if err != nil {
				return err
			}
			most = max(most, len(soon))
			for _, c := range soon {
				ev := grievance.Event{ComplaintID: c.ID, At: now, Kind: grievance.ActWarnDue, ActorName: "system",
					From: c.Status, To: c.Status, AssigneeID: c.AssigneeID, Department: c.Department, Level: c.Level}
				if err := insertEvent(w, &ev); err != nil {
					return err
				}
				if _, err := w.exec("UPDATE complaints SET due_warned = 1 WHERE id = ?", c.ID); err != nil {
					return err
				}
				if err := s.queueMessages(w, c, ev, m, now); err != nil {
					return err
				}
				res.Warned++
			}
		}
		// Resolved and not answered: closed as resolved, unverified.
		if o.VerifyWithin > 0 {
			old, err := w.complaints(sweepVerifyQ+w.s.d.skipLocked(), ms(now.Add(-o.VerifyWithin)), o.Batch)
			if err != nil {
				return err
			}
			most = max(most, len(old))
			for _, c := range old {
				prev := c.Due
				ev, err := grievance.Apply(c, grievance.Action{Kind: grievance.ActAutoClose}, grievance.SystemActor, now)
				if err != nil {
					return err
				}
				if err := s.record(w, c, prev, ev, m, now); err != nil {
					return err
				}
				res.Closed++
			}
		}
		return nil
	})
	return most, err
}

// record writes a change made by Apply: the complaint, its event and its
// messages.
func (s *Store) record(w *wtx, c *grievance.Complaint, prevDue time.Time, ev grievance.Event, m *grievance.Masters, now time.Time) error {
	if err := updateComplaint(w, c, prevDue); err != nil {
		return err
	}
	if err := insertEvent(w, &ev); err != nil {
		return err
	}
	if err := s.published(w, c, ev); err != nil {
		return err
	}
	return s.queueMessages(w, c, ev, m, now)
}

// complaints runs a query of complaintCols inside the transaction.
func (w *wtx) complaints(q string, args ...any) ([]*grievance.Complaint, error) {
	var out []*grievance.Complaint
	err := each(w.ctx, w, q, func(r scanner) error {
		c, err := scanComplaint(r)
		if err != nil {
			return err
		}
		out = append(out, c)
		return nil
	}, args...)
	return out, err
}
