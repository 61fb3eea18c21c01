package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/store/storetest"
)

// sweepPlan is one statement of Sweep whose query plan must use an index.
// The SELECTs are copied word for word from sweepBatch (sweep.go): if they
// change there, change them here, or the check below checks the wrong text.
type sweepPlan struct {
	name  string
	index string // the index the plan must SEARCH; "" for the primary key
	query string
	args  func(now time.Time) []any
}

var sweepPlans = []sweepPlan{
	{"escalate", "complaints_sweep_escalate", sweepEscalateQ, func(now time.Time) []any { return []any{ms(now), 500} }},
	{"warn", "complaints_sweep_warn", sweepWarnQ, func(now time.Time) []any { return []any{ms(now), ms(now.Add(24 * time.Hour)), 500} }},
	{"verify", "complaints_sweep_verify", sweepVerifyQ, func(now time.Time) []any { return []any{ms(now.Add(-7 * 24 * time.Hour)), 500} }},
	{"mark top of ladder", "", "UPDATE complaints SET ladder_end = 1 WHERE id = ?", func(time.Time) []any { return []any{1} }},
	{"mark warned", "", "UPDATE complaints SET due_warned = 1 WHERE id = ?", func(time.Time) []any { return []any{1} }},
}

// checkSweepPlans runs EXPLAIN QUERY PLAN on each statement of the sweep.
// scan names each statement that reads the whole of complaints (a SCAN,
// of the table or of an index): a sweep that costs what is open. miss names
// each that reads complaints other than through its partial index (or the
// primary key), or sorts what it read: a sweep that costs more than what is
// due. plans is one line per statement, for the report.
func checkSweepPlans(ctx context.Context, db *sql.DB, now time.Time) (plans []string, scan, miss error) {
	var scans, misses []error
	for _, p := range sweepPlans {
		details, err := explain(ctx, db, p.query, p.args(now)...)
		if err != nil {
			return plans, fmt.Errorf("explain sweep %s: %w", p.name, err), nil
		}
		plan := strings.Join(details, "; ")
		plans = append(plans, p.name+": "+plan)
		want := "SEARCH complaints USING INTEGER PRIMARY KEY"
		if p.index != "" {
			want = "SEARCH complaints USING INDEX " + p.index + " ("
		}
		found, sorts := false, false
		for _, d := range details {
			switch {
			case strings.HasPrefix(d, "SCAN complaints"):
				scans = append(scans, fmt.Errorf("sweep %s reads all of complaints: %s", p.name, plan))
			case strings.Contains(d, "TEMP B-TREE"):
				sorts = true
			case strings.HasPrefix(d, want):
				found = true
			}
		}
		switch {
		case !found:
			misses = append(misses, fmt.Errorf("sweep %s does not use %s: %s", p.name, strings.TrimSuffix(want, " ("), plan))
		case sorts:
			misses = append(misses, fmt.Errorf("sweep %s sorts what it reads: %s", p.name, plan))
		}
	}
	return plans, errors.Join(scans...), errors.Join(misses...)
}

// explain returns the detail column of the query plan of q.
func explain(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		details = append(details, detail)
	}
	return details, rows.Err()
}

// TestSweepUsesIndexes checks on a small database what BenchmarkSweep1M
// checks on a large one: no query of the sweep reads the whole of
// complaints, and each reads through its partial index, so that its cost is
// what is due, not what is open. The queries are the sweep's own constants.
func TestSweepUsesIndexes(t *testing.T) {
	ctx := context.Background()
	clock := &storetest.Clock{}
	clock.Set(storetest.Start)
	s := MustOpen(t, t.TempDir(), clock.Now)
	mustFixture(t, s)
	for range 20 {
		if _, err := s.File(ctx, sample()); err != nil {
			t.Fatal(err)
		}
	}
	plans, scan, miss := checkSweepPlans(ctx, s.rdb.DB, storetest.Start.Add(30*24*time.Hour))
	for _, p := range plans {
		t.Log(p)
	}
	if scan != nil {
		t.Fatal(scan)
	}
	if miss != nil {
		t.Fatal(miss)
	}
}

// Shape of the benchmark's database.
const (
	benchOpen       = 1_000_000 // open complaints: assigned, in progress, reopened
	benchOverdue    = 1_000     // past due, not yet escalated (0.1 %)
	benchTopMarked  = 2_000     // past due at the top of the ladder, already marked
	benchHeld       = 20_000    // on hold, due anywhere from 10 days ago to 90 ahead
	benchSoonWarned = 10_000    // due within 24 h, already warned by an earlier sweep
	benchSoon       = 1_000     // due within 24 h, not yet warned
	benchResolved   = 20_000    // resolved, waiting for the citizen (beyond the open ones)
	benchUnanswered = 1_000     // of them, resolved more than 7 days ago
)

// benchNow is the benchmark's sweep time: a Monday morning in June.
var benchNow = time.Date(2026, 6, 15, 11, 0, 0, 0, storetest.IST)

var benchOpts = grievance.SweepOptions{WarnBefore: 24 * time.Hour, VerifyWithin: 7 * 24 * time.Hour}

// dueRow is the sweepable state of a complaint the sweep will change,
// kept to restore it before the next sweep.
type dueRow struct {
	id                                       int64
	status                                   string
	assignee                                 sql.NullInt64
	level, escalations, warned, ladder, held int
	due, updated                             int64
}

// BenchmarkSweep1M times one sweep over a million open complaints, of which
// a few thousand are due (overdue, near their deadline, or resolved and
// unanswered). The database is built once per run, with SQL rather than
// File (which would take minutes); every sweep starts from the same due
// rows, restored outside the timer.
//
//	go test ./internal/store -run '^$' -bench Sweep1M -benchtime 3x -cpu 2
func BenchmarkSweep1M(b *testing.B) {
	ctx := context.Background()
	start := time.Now()
	s := MustOpen(b, b.TempDir(), func() time.Time { return benchNow })
	mustFixture(b, s)
	rows := buildSweepBench(b, s)
	saved, maxEvent, maxMessage := saveDueRows(b, s)
	// A benchmark with sub-benchmarks does not print its own log: what is
	// learnt here is logged by the first run of the sub-benchmark.
	notes := []string{fmt.Sprintf("built %d complaints (%d due at %s) in %v", rows, len(saved),
		benchNow.Format(time.DateTime), time.Since(start).Round(time.Second))}
	plans, scan, miss := checkSweepPlans(ctx, s.rdb.DB, benchNow)
	for _, p := range plans {
		notes = append(notes, "plan "+p)
	}
	if scan != nil {
		b.Fatal(scan)
	}
	if miss != nil {
		b.Fatal(miss)
	}

	b.Run("sweep", func(b *testing.B) {
		for _, n := range notes {
			b.Log(n)
		}
		notes = nil
		var res grievance.SweepResult
		var total time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			restoreDueRows(b, s, saved, maxEvent, maxMessage)
			b.StartTimer()
			t0 := time.Now()
			r, err := s.Sweep(ctx, benchNow, benchOpts)
			total += time.Since(t0)
			if err != nil {
				b.Fatal(err)
			}
			res = r
		}
		b.StopTimer()
		want := grievance.SweepResult{Warned: benchSoon, Escalated: res.Escalated, TopOfLadder: res.TopOfLadder, Closed: benchUnanswered}
		if res != want || res.Escalated+res.TopOfLadder != benchOverdue {
			b.Fatalf("sweep did %+v, want %d warned, %d escalated or at the top, %d closed",
				res, benchSoon, benchOverdue, benchUnanswered)
		}
		touched := res.Warned + res.Escalated + res.TopOfLadder + res.Closed
		if touched != len(saved) {
			b.Fatalf("sweep touched %d complaints, %d were due", touched, len(saved))
		}
		per := total / time.Duration(b.N)
		b.ReportMetric(float64(per.Microseconds())/1000, "ms/sweep")
		b.ReportMetric(float64(touched), "rows/sweep")
		b.Logf("sweep over %d complaints (%d open): %.0f ms, %d rows touched (%d escalated, %d at the top, %d warned, %d closed)",
			rows, benchOpen, float64(per.Microseconds())/1000, touched, res.Escalated, res.TopOfLadder, res.Warned, res.Closed)
	})
}

// buildSweepBench fills the database with benchOpen open and benchResolved
// resolved complaints, each with its filing event and two outbox messages,
// routed to the fixture's officers. It drops the indexes of the three
// tables for the load and creates them again from their SQL, as SQLite
// builds an index faster by sorting than by inserting in random order; it
// returns the complaints written.
func buildSweepBench(b *testing.B, s *Store) int {
	b.Helper()
	ctx := context.Background()
	db := s.wdb // the writer goroutine is idle: nothing is written through it
	m := s.state().m

	// The ladder of each category and area that has an officer.
	type route struct {
		cat, area, dept string
		ladder          []*grievance.Officer
	}
	var routes []route
	for _, c := range m.Categories {
		if !c.Active {
			continue
		}
		for _, a := range m.Areas {
			if !m.Leaf(a.Code) {
				continue
			}
			dept, o := m.Route(c.Code, a.Code)
			if o == nil {
				continue
			}
			r := route{cat: c.Code, area: a.Code, dept: dept}
			for ; o != nil; o = m.FirstOfficer(dept, a.Code, o.Level+1) {
				r.ladder = append(r.ladder, o)
			}
			routes = append(routes, r)
		}
	}

	// The kind of each row, in exact numbers, shuffled so that the due rows
	// lie all over the table as they would.
	const (
		kOpen = iota
		kOverdue
		kTopMarked
		kHeld
		kSoonWarned
		kSoon
		kResolved
		kUnanswered
	)
	n := benchOpen + benchResolved
	kinds := make([]byte, n)
	i := 0
	for _, k := range []struct {
		kind byte
		n    int
	}{{kOverdue, benchOverdue}, {kTopMarked, benchTopMarked}, {kHeld, benchHeld}, {kSoonWarned, benchSoonWarned},
		{kSoon, benchSoon}, {kResolved, benchResolved - benchUnanswered}, {kUnanswered, benchUnanswered}} {
		for j := 0; j < k.n; j++ {
			kinds[i] = k.kind
			i++
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(n, func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })

	// Drop the indexes of the tables loaded; keep their SQL to make them again.
	var idx []string
	q, err := db.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
WHERE type = 'index' AND tbl_name IN ('complaints', 'events', 'messages') AND sql IS NOT NULL`)
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for q.Next() {
		var name, sqlText string
		if err := q.Scan(&name, &sqlText); err != nil {
			b.Fatal(err)
		}
		names, idx = append(names, name), append(idx, sqlText)
	}
	if err := q.Err(); err != nil {
		b.Fatal(err)
	}
	q.Close()
	for _, name := range names {
		if _, err := db.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			b.Fatal(err)
		}
	}

	now := ms(benchNow)
	const hour, day = int64(time.Hour / time.Millisecond), int64(24 * time.Hour / time.Millisecond)
	statuses := []string{"assigned", "assigned", "assigned", "assigned", "assigned",
		"in_progress", "in_progress", "in_progress", "in_progress", "reopened"}
	const chunk = 50_000
	for lo := 0; lo < n; lo += chunk {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		insC, err := tx.PrepareContext(ctx, `INSERT INTO complaints (id, number, name, mobile, language, channel,
category, area, address, description, lat, lng, status, department, assignee_id, level, due, duplicate_of, created,
updated, escalations, on_hold, hold_since, due_warned, ladder_end, resolved_at)
VALUES (?, ?, ?, ?, ?, 'web', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		insE, err := tx.PrepareContext(ctx, `INSERT INTO events (id, complaint_id, at, kind, actor_id, actor_name,
from_status, to_status, note, is_public, note_public, assignee_id, department, level)
VALUES (?, ?, ?, 'file', 0, 'citizen', '', 'assigned', '', 1, 0, ?, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		insM, err := tx.PrepareContext(ctx, `INSERT INTO messages (idem_key, complaint_id, event, audience, recipient,
lang, template_id, text, status, attempts, next_attempt, lease_until, gateway_ref, last_error, created, updated)
VALUES (?, ?, ?, ?, ?, 'hi', ?, ?, 'sent', 1, ?, NULL, ?, '', ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		for i := lo; i < min(lo+chunk, n); i++ {
			id := int64(i + 1)
			r := routes[rng.IntN(len(routes))]
			lvl := 0 // index in the ladder: mostly the first officer, some escalated
			switch p := rng.IntN(100); {
			case p < 3:
				lvl = len(r.ladder) - 1
			case p < 15:
				lvl = min(1, len(r.ladder)-1)
			}
			status := statuses[rng.IntN(len(statuses))]
			created := now - rng.Int64N(30*day)
			due := now + day + rng.Int64N(89*day) // (now + 24 h, now + 90 days]
			var warned, ladder, held, escalations int
			var holdSince, resolvedAt any
			switch kinds[i] {
			case kOverdue:
				due, warned = now-rng.Int64N(48*hour)-1, 1
			case kTopMarked:
				lvl, due, warned, ladder = len(r.ladder)-1, now-rng.Int64N(20*day)-1, 1, 1
			case kHeld:
				due, held, holdSince = now-10*day+rng.Int64N(100*day), 1, now-rng.Int64N(20*day)
			case kSoonWarned:
				due, warned = now+rng.Int64N(day)+1, 1
			case kSoon:
				due = now + rng.Int64N(day) + 1
			case kResolved:
				status, resolvedAt = "resolved", now-rng.Int64N(7*day)+1
			case kUnanswered:
				status, resolvedAt = "resolved", now-7*day-rng.Int64N(3*day)
			}
			if ra, ok := resolvedAt.(int64); ok {
				due = ra + rng.Int64N(5*day) - 2*day
			}
			if lvl > 0 {
				escalations = lvl
				if status != "resolved" {
					status = "assigned"
				}
			}
			o := r.ladder[lvl]
			number := fmt.Sprintf("%s%07d", benchNow.Add(-time.Duration(now-created)*time.Millisecond).Format("0601"), id*7_654_321%10_000_000)
			mobile := fmt.Sprintf("9%09d", rng.IntN(1_000_000_000))
			var lat, lng any
			if rng.IntN(3) == 0 {
				lat, lng = 25+rng.Float64(), 82+rng.Float64()
			}
			updated := max(created, min(now, due-3*day))
			if _, err := insC.ExecContext(ctx, id, number, "Sita Devi", mobile, "hi", r.cat, r.area,
				"House 12, Gali 4, near the primary school", "Deep pothole in front of the school gate, water collects after rain",
				lat, lng, status, r.dept, o.ID, o.Level, due, created, updated, escalations, held, holdSince, warned, ladder,
				resolvedAt); err != nil {
				b.Fatal(err)
			}
			if _, err := insE.ExecContext(ctx, id, id, created, r.ladder[0].ID, r.dept, r.ladder[0].Level); err != nil {
				b.Fatal(err)
			}
			for _, aud := range []string{"citizen", "officer"} {
				to, ev := mobile, "file"
				if aud == "officer" {
					to, ev = r.ladder[0].Mobile, "assigned"
				}
				if _, err := insM.ExecContext(ctx, fmt.Sprintf("%s/file/%d/%s", number, id, aud), id, ev, aud, to,
					"T-"+ev, "Complaint "+number+" registered", created, "gw-"+number, created, created); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range idx {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	return n
}

// saveDueRows keeps the rows a sweep at benchNow changes, and the last IDs
// of events and messages, for restoreDueRows.
func saveDueRows(b *testing.B, s *Store) (saved []dueRow, maxEvent, maxMessage int64) {
	b.Helper()
	ctx := context.Background()
	q, err := s.rdb.QueryContext(ctx, `SELECT id, status, assignee_id, level, escalations, due_warned, ladder_end,
on_hold, due, updated FROM complaints
WHERE status IN ('assigned', 'in_progress', 'reopened') AND on_hold = 0 AND ladder_end = 0 AND due <= ?
UNION ALL SELECT id, status, assignee_id, level, escalations, due_warned, ladder_end, on_hold, due, updated FROM complaints
WHERE status IN ('assigned', 'in_progress', 'reopened') AND on_hold = 0 AND due_warned = 0 AND due > ? AND due <= ?
UNION ALL SELECT id, status, assignee_id, level, escalations, due_warned, ladder_end, on_hold, due, updated FROM complaints
WHERE status = 'resolved' AND resolved_at <= ?`,
		ms(benchNow), ms(benchNow), ms(benchNow.Add(benchOpts.WarnBefore)), ms(benchNow.Add(-benchOpts.VerifyWithin)))
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var r dueRow
		if err := q.Scan(&r.id, &r.status, &r.assignee, &r.level, &r.escalations, &r.warned, &r.ladder, &r.held,
			&r.due, &r.updated); err != nil {
			b.Fatal(err)
		}
		saved = append(saved, r)
	}
	if err := q.Err(); err != nil {
		b.Fatal(err)
	}
	if err := s.rdb.QueryRowContext(ctx, "SELECT MAX(id) FROM events").Scan(&maxEvent); err != nil {
		b.Fatal(err)
	}
	if err := s.rdb.QueryRowContext(ctx, "SELECT MAX(id) FROM messages").Scan(&maxMessage); err != nil {
		b.Fatal(err)
	}
	return saved, maxEvent, maxMessage
}

// restoreDueRows puts back what a sweep changed: the due rows as saved,
// and no events or messages after the saved ones.
func restoreDueRows(b *testing.B, s *Store, saved []dueRow, maxEvent, maxMessage int64) {
	b.Helper()
	err := s.write(context.Background(), func(w *wtx) error {
		if _, err := w.exec("DELETE FROM messages WHERE id > ?", maxMessage); err != nil {
			return err
		}
		if _, err := w.exec("DELETE FROM events WHERE id > ?", maxEvent); err != nil {
			return err
		}
		for _, r := range saved {
			if _, err := w.exec(`UPDATE complaints SET status = ?, assignee_id = ?, level = ?, escalations = ?,
due_warned = ?, ladder_end = ?, on_hold = ?, due = ?, updated = ? WHERE id = ?`,
				r.status, r.assignee, r.level, r.escalations, r.warned, r.ladder, r.held, r.due, r.updated, r.id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
