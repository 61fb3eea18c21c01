package store

import (
	"context"
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
