package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

// RawInsertCeiling measures the database's raw durable insert rate, the
// ceiling that intake is compared with: it creates a new database at path
// with the store's schema, then inserts complaint rows (from rows,
// cyclically) one per transaction from one connection with the writer's
// pragmas (WAL, synchronous=FULL, immediate transactions), until n rows or
// limit has passed. It returns each insert's latency and the time taken.
// Only benchmarks call it.
func RawInsertCeiling(ctx context.Context, path string, rows []grievance.NewComplaint, n int, limit time.Duration) ([]time.Duration, time.Duration, error) {
	if len(rows) == 0 {
		return nil, 0, fmt.Errorf("store: raw insert ceiling: no rows")
	}
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		return nil, 0, err
	}
	if err := s.Close(); err != nil {
		return nil, 0, err
	}
	v := s.connParams(false)
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(FULL)")
	v.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+v.Encode())
	if err != nil {
		return nil, 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var mode string
	var sync int
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		return nil, 0, fmt.Errorf("store: raw insert ceiling: journal mode %q (%v), want wal", mode, err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		return nil, 0, fmt.Errorf("store: raw insert ceiling: synchronous %d (%v), want 2 (FULL)", sync, err)
	}
	stmt, err := db.PrepareContext(ctx, `INSERT INTO complaints (number, name, mobile, language, channel, category, area,
address, description, lat, lng, status, department, assignee_id, level, due, duplicate_of, created, updated)
VALUES (?, ?, ?, ?, 'app', ?, ?, ?, ?, NULL, NULL, 'assigned', ?, NULL, 1, ?, '', ?, ?)`)
	if err != nil {
		return nil, 0, err
	}
	defer stmt.Close()
	lat := make([]time.Duration, 0, min(n, 1<<20))
	start := time.Now()
	for i := 0; i < n && time.Since(start) < limit && ctx.Err() == nil; i++ {
		t0 := time.Now()
		r := rows[i%len(rows)]
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, 0, err
		}
		now := time.Now().UnixMilli()
		dept, _, _ := strings.Cut(r.Category, "-")
		if _, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, fmt.Sprintf("R%010d", i), r.Name, r.Mobile, string(r.Language),
			r.Category, r.Area, r.Address, r.Description, dept, now+3*86400000, now, now); err != nil {
			tx.Rollback()
			return nil, 0, err
		}
		if err := tx.Commit(); err != nil {
			return nil, 0, err
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, time.Since(start), nil
}
