package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"nivaran/internal/bench"
	"nivaran/internal/store/pgtest"
)

// BenchmarkIntakePostgres files b.N complaints through POST
// /api/v1/complaints on PostgreSQL, first on one server, then on two
// servers sharing the database (the clients alternate between them), and
// compares both with the raw insert rate of the same PostgreSQL measured in
// the same run: one complaint-sized INSERT per transaction from as many
// connections as a server's pool (16). The same 2 × 64 clients drive both
// cases. Both servers run in this process, on this machine's cores: the
// second server adds no CPU, only a second pool and HTTP stack.
//
//	NIVARAN_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres \
//	  go test ./cmd/nivaran -run '^$' -bench '^BenchmarkIntakePostgres$' -benchtime 4000x -cpu 2
func BenchmarkIntakePostgres(b *testing.B) {
	dbURL := pgtest.MustDatabase(b)
	data := b.TempDir()
	env := benchEnv(map[string]string{"NIVARAN_DATABASE_URL": dbURL})
	a := MustRunMain(b, data, env)
	bodies := benchBodies(512)
	var raw loadResult
	if b.N >= ceilingMinN {
		raw = rawInsertPostgres(b, dbURL, bodies, b.N, rawInsertLimit)
	}
	hc := newLoadClient()
	defer hc.CloseIdleConnections()
	ta := a.URL() + "/api/v1/complaints"
	warmUp(b, hc, ta, bodies)
	b.ResetTimer()
	one := driveHalves(hc, ta, ta, bodies, b.N)
	b.StopTimer()
	one.mustSucceed(b, "intake, one server")

	second := MustRunMain(b, data, env)
	tb := second.URL() + "/api/v1/complaints"
	warmUp(b, hc, tb, bodies)
	b.StartTimer()
	two := driveHalves(hc, ta, tb, bodies, b.N)
	b.StopTimer()
	two.mustSucceed(b, "intake, two servers")

	b.ReportMetric(float64(a.Store.Retries()+second.Store.Retries()), "retries")
	b.ReportMetric(one.rate(), "one_server/s")
	b.ReportMetric(two.rate(), "two_servers/s")
	one.reportLatency(b, "one_")
	two.reportLatency(b, "two_")
	if raw.N == 0 {
		return
	}
	b.ReportMetric(raw.rate(), "raw_inserts/s")
	b.Logf("PostgreSQL intake: one server %.0f complaints/s (p95 %.1f ms), two servers %.0f/s (p95 %.1f ms); raw insert %.0f/s (16 connections, n=%d) → ×%.2f and ×%.2f",
		one.rate(), one.pct(95), two.rate(), two.pct(95), raw.rate(), raw.N, one.rate()/raw.rate(), two.rate()/raw.rate())
	if testing.Verbose() {
		fmt.Printf("\n%-40s %12s %9s %9s %9s %9s\n", "BenchmarkIntakePostgres (cpu "+fmt.Sprint(gomaxprocs())+")", "per second", "p50 ms", "p95 ms", "p99 ms", "n")
		raw.printRow("raw PostgreSQL insert, 1 row/tx, 16 conn", true)
		one.printRow("one server, 128 clients", true)
		two.printRow("two servers, 128 clients", true)
		fmt.Printf("%-40s %12.2f\n%-40s %12.2f\n\n", "one server / raw insert", one.rate()/raw.rate(), "two servers / raw insert", two.rate()/raw.rate())
	}
}

// driveHalves drives n complaints, half to each target at once (64
// clients each), and pools the results: the rate is n over the longer half.
func driveHalves(cl *http.Client, ta, tb string, bodies [][]byte, n int) loadResult {
	var ra, rb loadResult
	var wg sync.WaitGroup
	wg.Go(func() { ra = drive(cl, ta, bodies, 0, n/2) })
	wg.Go(func() { rb = drive(cl, tb, bodies, len(bodies)/3, n-n/2) })
	wg.Wait()
	elapsed := max(ra.Elapsed, rb.Elapsed)
	ra.add(rb)
	ra.Elapsed = elapsed
	return ra
}

// rawInsertPostgres inserts complaint-sized rows into a table shaped like
// complaints in the same database, one row per transaction (autocommit),
// from 16 connections, until n rows or limit has passed.
func rawInsertPostgres(b *testing.B, dbURL string, bodies [][]byte, n int, limit time.Duration) loadResult {
	b.Helper()
	ctx := context.Background()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const conns = 16
	db.SetMaxOpenConns(conns)
	if _, err := db.ExecContext(ctx, "CREATE TABLE raw_ceiling (LIKE complaints INCLUDING ALL)"); err != nil {
		b.Fatal(err)
	}
	defer db.ExecContext(ctx, "DROP TABLE raw_ceiling")
	rows, err := bench.Complaints(bodies)
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	lat := make([]time.Duration, n)
	start := time.Now()
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	for range conns {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || time.Since(start) > limit {
					return
				}
				r := rows[i%len(rows)]
				now := time.Now().UnixMilli()
				dept, _, _ := strings.Cut(r.Category, "-")
				t0 := time.Now()
				_, err := db.ExecContext(ctx, `INSERT INTO raw_ceiling (number, name, mobile, language, channel, category, area,
address, description, lat, lng, status, department, assignee_id, level, due, duplicate_of, created, updated)
VALUES ($1, $2, $3, $4, 'app', $5, $6, $7, $8, NULL, NULL, 'assigned', $9, NULL, 1, $10, '', $11, $12)`,
					fmt.Sprintf("R%010d", i), r.Name, r.Mobile, r.Language, r.Category, r.Area, r.Address, r.Description, dept, now+3*86400000, now, now)
				if err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		b.Fatal(*p)
	}
	elapsed := time.Since(start)
	done := min(int(next.Load()), n)
	lat = slices.DeleteFunc(lat[:done], func(d time.Duration) bool { return d == 0 })
	slices.Sort(lat)
	return loadResult{bench.Result{N: len(lat), Elapsed: elapsed, Lat: lat}}
}
