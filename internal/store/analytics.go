package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

var _ grievance.AnalyticsService = (*Store)(nil)

// disposedEvent is the condition of events that disposed of a complaint
// (see grievance.FlowDay), in the words of the partial index events_disposed_at (SQLite uses an
// index only for a query that states its condition; migration 0023 says
// why it is not an IN list).
const disposedEvent = `(e.to_status = 'resolved' OR e.to_status = 'closed' OR e.to_status = 'rejected')`

// dayMs is a day in ms; the queries spell it out as 86400000.
const dayMs = 24 * 60 * 60 * 1000

// reportWhere turns the filter's department, area, category and channel
// into SQL conditions on the complaints table aliased c (with a leading
// " AND "), and their arguments. An area selects itself and the areas
// under it, as an IN list that the (department, area, status) index serves.
func reportWhere(m *grievance.Masters, f grievance.ReportFilter) (string, []any) {
	var b strings.Builder
	var args []any
	if f.Department != "" {
		b.WriteString(" AND c.department = ?")
		args = append(args, f.Department)
	}
	if f.Area != "" {
		codes := []string{f.Area}
		for _, l := range m.Leaves(f.Area) {
			if l != f.Area {
				codes = append(codes, l)
			}
		}
		b.WriteString(" AND c.area IN (?" + strings.Repeat(", ?", len(codes)-1) + ")")
		for _, c := range codes {
			args = append(args, c)
		}
	}
	if f.Category != "" {
		b.WriteString(" AND c.category = ?")
		args = append(args, f.Category)
	}
	if f.Channel != "" {
		b.WriteString(" AND c.channel = ?")
		args = append(args, string(f.Channel))
	}
	return b.String(), args
}

// periodWhere adds the filing period to reportWhere's conditions.
func periodWhere(m *grievance.Masters, f grievance.ReportFilter) (string, []any) {
	where, args := reportWhere(m, f)
	var b strings.Builder
	var pre []any
	if !f.From.IsZero() {
		b.WriteString(" AND c.created >= ?")
		pre = append(pre, ms(f.From))
	}
	if !f.To.IsZero() {
		b.WriteString(" AND c.created < ?")
		pre = append(pre, ms(f.To))
	}
	return b.String() + where, append(pre, args...)
}

// roTx runs fn in a read-only transaction on the reader pool, so that a
// report's queries see one snapshot.
func (s *Store) roTx(ctx context.Context, fn func(*rtx) error) error {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// Pendency counts open complaints by department, officer and age: see
// grievance.AnalyticsService. One grouped scan of the open complaints
// (the status index), ages counted by SQL against the thresholds.
func (s *Store) Pendency(ctx context.Context, f grievance.ReportFilter, now time.Time) ([]grievance.PendencyRow, error) {
	m := s.state().m
	if err := f.Check(m, false); err != nil {
		return nil, wrap("pendency", err)
	}
	where, args := periodWhere(m, f)
	d8, d16, d31 := ms(now.Add(-8*24*time.Hour)), ms(now.Add(-16*24*time.Hour)), ms(now.Add(-31*24*time.Hour))
	q := `SELECT c.department, COALESCE(c.assignee_id, 0),
COALESCE(SUM(CASE WHEN c.created > ? THEN 1 ELSE 0 END), 0),
COALESCE(SUM(CASE WHEN c.created <= ? AND c.created > ? THEN 1 ELSE 0 END), 0),
COALESCE(SUM(CASE WHEN c.created <= ? AND c.created > ? THEN 1 ELSE 0 END), 0),
COALESCE(SUM(CASE WHEN c.created <= ? THEN 1 ELSE 0 END), 0)
FROM complaints c WHERE c.status IN ` + openStatuses + where + `
GROUP BY c.department, COALESCE(c.assignee_id, 0) ORDER BY c.department, COALESCE(c.assignee_id, 0)`
	all := append([]any{d8, d8, d16, d16, d31, d31}, args...)
	var out []grievance.PendencyRow
	err := s.roTx(ctx, func(tx *rtx) error {
		return each(ctx, tx, q, func(r scanner) error {
			var p grievance.PendencyRow
			if err := r.Scan(&p.Department, &p.OfficerID, &p.Ages[0], &p.Ages[1], &p.Ages[2], &p.Ages[3]); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		}, all...)
	})
	if err != nil {
		return nil, wrap("pendency", err)
	}
	return out, nil
}

// dayOffset is the district's UTC offset in ms at t: days are counted in
// SQL as (ms + offset) / day, exact for a zone without daylight saving
// (India's), and the offset at the period's start otherwise.
func (s *Store) dayOffset(t time.Time) int64 {
	_, off := t.In(s.loc).Zone()
	return int64(off) * 1000
}

// Flow counts filings and disposals per local day: see
// grievance.AnalyticsService. Filings are a range of the created index,
// disposals a range of the events' time index, each grouped by day in SQL.
func (s *Store) Flow(ctx context.Context, f grievance.ReportFilter) ([]grievance.FlowDay, error) {
	m := s.state().m
	if err := f.Check(m, true); err != nil {
		return nil, wrap("flow", err)
	}
	off := s.dayOffset(f.From)
	where, args := reportWhere(m, f)
	received, disposed := map[int64]int{}, map[int64]int{}
	count := func(into map[int64]int) func(scanner) error {
		return func(r scanner) error {
			var day int64
			var n int
			if err := r.Scan(&day, &n); err != nil {
				return err
			}
			into[day] = n
			return nil
		}
	}
	err := s.roTx(ctx, func(tx *rtx) error {
		err := each(ctx, tx, `SELECT (c.created + ?) / 86400000, COUNT(*) FROM complaints c
WHERE c.created >= ? AND c.created < ?`+where+` GROUP BY 1`, count(received),
			append([]any{off, ms(f.From), ms(f.To)}, args...)...)
		if err != nil {
			return err
		}
		// Without filters on the complaint the events' own partial index
		// answers alone; the join is paid only when a filter needs it.
		from := "events e JOIN complaints c ON c.id = e.complaint_id"
		if where == "" {
			from = "events e"
		}
		return each(ctx, tx, `SELECT (e.at + ?) / 86400000, COUNT(*) FROM `+from+`
WHERE e.at >= ? AND e.at < ? AND e.from_status IN `+openStatuses+` AND `+disposedEvent+where+` GROUP BY 1`,
			count(disposed), append([]any{off, ms(f.From), ms(f.To)}, args...)...)
	})
	if err != nil {
		return nil, wrap("flow", err)
	}
	var out []grievance.FlowDay
	from := f.From.In(s.loc)
	for d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, s.loc); d.Before(f.To); d = d.AddDate(0, 0, 1) {
		k := (ms(d) + off) / dayMs
		out = append(out, grievance.FlowDay{Day: d, Received: received[k], Disposed: disposed[k]})
	}
	return out, nil
}

// Resolution gives the percentiles of the time to the first report per
// category: see grievance.AnalyticsService. Each complaint keeps the time of
// its first report (written with the report event), so the complaints
// first resolved in the period are one range of a partial index that holds
// everything the report reads. The percentiles are computed in Go from every
// duration, exactly.
func (s *Store) Resolution(ctx context.Context, f grievance.ReportFilter) ([]grievance.ResolutionRow, error) {
	m := s.state().m
	if err := f.Check(m, true); err != nil {
		return nil, wrap("resolution", err)
	}
	where, args := reportWhere(m, f)
	by := map[string][]time.Duration{}
	err := s.roTx(ctx, func(tx *rtx) error {
		return each(ctx, tx, `SELECT c.category, c.created, c.first_report_at FROM complaints c
WHERE c.first_report_at IS NOT NULL AND c.first_report_at >= ? AND c.first_report_at < ?`+where,
			func(r scanner) error {
				var cat string
				var created, at int64
				if err := r.Scan(&cat, &created, &at); err != nil {
					return err
				}
				by[cat] = append(by[cat], time.Duration(at-created)*time.Millisecond)
				return nil
			}, append([]any{ms(f.From), ms(f.To)}, args...)...)
	})
	if err != nil {
		return nil, wrap("resolution", err)
	}
	return grievance.Resolutions(by), nil
}

// Channels counts the period's complaints by channel: see
// grievance.AnalyticsService.
func (s *Store) Channels(ctx context.Context, f grievance.ReportFilter) ([]grievance.ChannelCount, error) {
	m := s.state().m
	if err := f.Check(m, true); err != nil {
		return nil, wrap("channels", err)
	}
	where, args := periodWhere(m, f)
	var out []grievance.ChannelCount
	err := s.roTx(ctx, func(tx *rtx) error {
		return each(ctx, tx, `SELECT c.channel, COUNT(*) FROM complaints c WHERE 1 = 1`+where+`
GROUP BY c.channel ORDER BY COUNT(*) DESC, c.channel`, func(r scanner) error {
			var cc grievance.ChannelCount
			if err := r.Scan(&cc.Channel, &cc.Count); err != nil {
				return err
			}
			out = append(out, cc)
			return nil
		}, args...)
	})
	if err != nil {
		return nil, wrap("channels", err)
	}
	return out, nil
}

// Repeat finds the period's repeat complainants: see
// grievance.AnalyticsService. Numbers are masked here, so that no caller
// can show them by mistake.
func (s *Store) Repeat(ctx context.Context, f grievance.ReportFilter, limit int) (grievance.RepeatReport, error) {
	var rep grievance.RepeatReport
	m := s.state().m
	if err := f.Check(m, true); err != nil {
		return rep, wrap("repeat", err)
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	where, args := periodWhere(m, f)
	// One pass over the period's complaints grouped by number: the counts
	// and the top come from the same rows (two queries cost two passes).
	var all []grievance.RepeatComplainant
	err := s.roTx(ctx, func(tx *rtx) error {
		return each(ctx, tx, `SELECT c.mobile, COUNT(*), MIN(c.created), MAX(c.created) FROM complaints c WHERE 1 = 1`+where+`
GROUP BY c.mobile HAVING COUNT(*) >= 2`, func(r scanner) error {
			var rc grievance.RepeatComplainant
			var first, last int64
			if err := r.Scan(&rc.Mobile, &rc.Complaints, &first, &last); err != nil {
				return err
			}
			rc.First, rc.Last = fromMs(first), fromMs(last)
			rep.Mobiles++
			rep.Complaints += rc.Complaints
			all = append(all, rc)
			return nil
		}, args...)
	})
	slices.SortFunc(all, func(a, b grievance.RepeatComplainant) int {
		return cmp.Or(cmp.Compare(b.Complaints, a.Complaints), b.Last.Compare(a.Last), cmp.Compare(a.Mobile, b.Mobile))
	})
	for _, rc := range all[:min(limit, len(all))] {
		rc.Mobile = grievance.MaskMobile(rc.Mobile)
		rep.Top = append(rep.Top, rc)
	}
	if err != nil {
		return rep, wrap("repeat", err)
	}
	return rep, nil
}
