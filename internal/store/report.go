package store

import (
	"context"
	"database/sql"
	"time"

	"nivaran/internal/grievance"
)

var _ grievance.ReportService = (*Store)(nil)

// Defaulters lists the officers with overdue complaints at now: see
// grievance.ReportService. An officer's department and level are the
// post's in the current masters (officers are never deleted); the
// complaints' own are the fallback.
func (s *Store) Defaulters(ctx context.Context, now time.Time) ([]grievance.Defaulter, error) {
	m := s.state().m
	var out []grievance.Defaulter
	err := each(ctx, s.rdb, `SELECT assignee_id, MIN(department), MIN(level), COUNT(*), MIN(due) FROM complaints
WHERE status IN `+openStatuses+` AND on_hold = 0 AND due < ? AND assignee_id IS NOT NULL
GROUP BY assignee_id`, func(r scanner) error {
		var d grievance.Defaulter
		var oldest int64
		if err := r.Scan(&d.OfficerID, &d.Department, &d.Level, &d.Overdue, &oldest); err != nil {
			return err
		}
		d.OldestDue = fromMs(oldest)
		if o := m.Officer(d.OfficerID); o != nil {
			d.Department, d.Level = o.Department, o.Level
		}
		out = append(out, d)
		return nil
	}, ms(now))
	if err != nil {
		return nil, wrap("defaulters", err)
	}
	grievance.SortDefaulters(out)
	return out, nil
}

// Scorecard counts the facts of grievance.ScoreRow for the period: see
// grievance.ReportService. It reads, in one snapshot, the whole history of
// every complaint with an event in the period (a verdict or a reassignment
// may come later than the event it answers; an arrival earlier than the
// report it times) and counts them with grievance.Tally, so that every
// storage counts by the same definitions.
func (s *Store) Scorecard(ctx context.Context, by grievance.ScoreBy, from, to time.Time) ([]grievance.ScoreRow, error) {
	if err := grievance.CheckScorecard(by, from, to); err != nil {
		return nil, wrap("scorecard", err)
	}
	t := grievance.NewTally(by, from, to)
	err := s.readTx(ctx, func(tx *rtx) error {
		var (
			cur     int64 = -1
			area    string
			history []grievance.ScoreEvent
		)
		err := each(ctx, tx, `SELECT e.complaint_id, c.area, e.at, e.kind, e.assignee_id, e.department, e.due
FROM events e JOIN complaints c ON c.id = e.complaint_id
WHERE e.complaint_id IN (SELECT complaint_id FROM events WHERE at >= ? AND at < ?)
AND e.kind NOT IN ('note', 'warn_due')
ORDER BY e.complaint_id, e.id`, func(r scanner) error {
			var (
				id, at   int64
				a        string
				ev       grievance.ScoreEvent
				assignee sql.NullInt64
				due      sql.NullInt64
			)
			if err := r.Scan(&id, &a, &at, &ev.Kind, &assignee, &ev.Department, &due); err != nil {
				return err
			}
			if id != cur {
				if len(history) > 0 {
					t.Add(area, history)
				}
				cur, area, history = id, a, history[:0]
			}
			ev.At, ev.AssigneeID, ev.Due = fromMs(at), assignee.Int64, fromMsNull(due)
			history = append(history, ev)
			return nil
		}, ms(from), ms(to))
		if err != nil {
			return err
		}
		if len(history) > 0 {
			t.Add(area, history)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("scorecard", err)
	}
	return t.Rows(), nil
}
