package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

var _ grievance.WallService = (*Store)(nil)

// openStatuses is the SQL list of statuses that still need work.
const openStatuses = `('registered', 'assigned', 'in_progress', 'reopened', 'returned')`

// Wall computes the live wall's figures in one read transaction, so they
// agree with each other.
func (s *Store) Wall(ctx context.Context, now, day time.Time) (grievance.WallStats, error) {
	w := grievance.WallStats{At: now, Today: map[grievance.Channel]int{}, Open: map[grievance.Status]int{}, AreasToday: map[string]int{}}
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return w, wrap("wall", err)
	}
	defer tx.Rollback()
	t, d := ms(now), ms(day)
	depts := map[string]*grievance.Pendency{}
	steps := []struct {
		q    string
		args []any
		scan func(r scanner) error
	}{
		{`SELECT channel, COUNT(*) FROM complaints WHERE created >= ? GROUP BY channel`, []any{d}, func(r scanner) error {
			var c grievance.Channel
			var n int
			err := r.Scan(&c, &n)
			w.Today[c] = n
			return err
		}},
		{`SELECT COUNT(*) FROM complaints WHERE created >= ?`, []any{ms(now.Add(-time.Hour))}, func(r scanner) error {
			return r.Scan(&w.LastHour)
		}},
		// Every figure about open complaints in one pass over the covering
		// index (status, department, created, due, on_hold, escalations),
		// in its order: grouped by status and department only, with the
		// age buckets and flags as sums, so that no temporary B-tree sorts
		// the open complaints (a quarter of the time at a million).
		{`SELECT status, department, SUM(CASE WHEN created > ? THEN 1 ELSE 0 END), SUM(CASE WHEN created > ? THEN 1 ELSE 0 END),
SUM(CASE WHEN created > ? THEN 1 ELSE 0 END), SUM(CASE WHEN escalations > 0 THEN 1 ELSE 0 END),
SUM(CASE WHEN on_hold = 0 AND due < ? THEN 1 ELSE 0 END), COUNT(*)
FROM complaints WHERE status IN ` + openStatuses + ` GROUP BY status, department`,
			[]any{ms(now.AddDate(0, 0, -8)), ms(now.AddDate(0, 0, -16)), ms(now.AddDate(0, 0, -31)), t},
			func(r scanner) error {
				var st grievance.Status
				var dept string
				var in8, in16, in31, escalated, late, n int
				if err := r.Scan(&st, &dept, &in8, &in16, &in31, &escalated, &late, &n); err != nil {
					return err
				}
				w.Open[st] += n
				w.Ages[0] += in8
				w.Ages[1] += in16 - in8
				w.Ages[2] += in31 - in16
				w.Ages[3] += n - in31
				w.Escalated += escalated
				p := depts[dept]
				if p == nil {
					p = &grievance.Pendency{Department: dept}
					depts[dept] = p
				}
				p.Open += n
				p.Overdue += late
				if st == grievance.StatusAssigned || st == grievance.StatusInProgress || st == grievance.StatusReopened {
					w.Overdue += late
				}
				return nil
			}},
		// Today's complaints by area, for the heat grid: a range of the
		// period index, which holds the area.
		{`SELECT area, COUNT(*) FROM complaints WHERE created >= ? GROUP BY area`, []any{d}, func(r scanner) error {
			var area string
			var n int
			err := r.Scan(&area, &n)
			w.AreasToday[area] = n
			return err
		}},
		// The latest of today's located complaints, for the map.
		{`SELECT lat, lng FROM complaints WHERE created >= ? AND lat IS NOT NULL ORDER BY created DESC LIMIT 1000`, []any{d},
			func(r scanner) error {
				var lat, lng sql.NullFloat64
				if err := r.Scan(&lat, &lng); err != nil {
					return err
				}
				if p := point(lat, lng); p != nil {
					w.PointsToday = append(w.PointsToday, *p)
				}
				return nil
			}},
		{`SELECT e.kind, e.from_status, e.to_status, e.at, c.number, c.channel, c.category, c.area, c.department, c.level
FROM events e JOIN complaints c ON c.id = e.complaint_id WHERE e.kind NOT IN ('note', 'warn_due') ORDER BY e.id DESC LIMIT 25`, nil,
			func(r scanner) error {
				var ch grievance.Change
				var at int64
				err := r.Scan(&ch.Kind, &ch.From, &ch.Status, &at, &ch.Number, &ch.Channel, &ch.Category, &ch.Area, &ch.Department, &ch.Level)
				ch.At = fromMs(at)
				w.Recent = append(w.Recent, ch)
				return err
			}},
	}
	for _, st := range steps {
		if err := each(ctx, tx, st.q, st.scan, st.args...); err != nil {
			return w, wrap("wall", err)
		}
	}
	for _, p := range depts {
		w.Departments = append(w.Departments, *p)
	}
	slices.SortFunc(w.Departments, func(a, b grievance.Pendency) int {
		if a.Open != b.Open {
			return b.Open - a.Open
		}
		return strings.Compare(a.Department, b.Department)
	})
	return w, nil
}
