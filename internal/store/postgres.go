package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"

	"nivaran/internal/grievance"
)

// PostgreSQL.
//
// The same Store runs on PostgreSQL when Options.DatabaseURL is set. The
// queries are the SQLite ones rewritten by the dialect (dialect.go); what
// differs is how writes are made. SQLite has one writer goroutine that
// commits many writes in one transaction; several servers share one
// PostgreSQL, so there each write is its own REPEATABLE READ transaction on
// a pooled connection, retried from the start when PostgreSQL reports a
// serialization failure or a deadlock. A write function therefore may run
// more than once; it only ever sees its own transaction's effects, and the
// store's write functions compute everything from what they read.
//
// Why REPEATABLE READ: every decision a write makes rests on rows it then
// changes (a complaint's status before an action on it, an account's failed
// sign-ins, a one-time code's tries, a message's lease), and PostgreSQL
// refuses to let two concurrent transactions change the same row from
// stale snapshots: the second fails with a serialization failure and is
// run again on fresh data, as it would have run after the first under
// SQLite's single writer. Uniqueness (complaint numbers, logins, message
// keys) is the unique indexes'. SERIALIZABLE would also catch write skew
// between different rows, which these writes do not rely on, at the price
// of predicate locks that make concurrent filings (inserts into the same
// index ranges) fail each other: measured, it cut intake tenfold and ran
// out of its conflict pool under 128 concurrent filings.
//
// Migrations are applied at start-up under an advisory lock, so that
// servers starting together apply each one once.

// pgMigrationLock is the advisory lock key held while migrating ("nivaran").
const pgMigrationLock = 0x6e69766172616e

// pgMaxRetries is how often a write is retried after a serialization
// failure before its error is returned.
const pgMaxRetries = 30

// openPostgres opens the store on the PostgreSQL database at o.DatabaseURL.
func openPostgres(ctx context.Context, o Options) (*Store, error) {
	s := newStore(o)
	if err := s.defaults(); err != nil {
		return nil, err
	}
	s.d = &dialect{pg: true}
	close(s.foldStopped) // the scorecard's daily sums are SQLite's (see score.go)
	s.pgURL = o.DatabaseURL
	sdb, err := sql.Open("pgx", o.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	pool := &db{DB: sdb, d: s.d}
	n := o.MaxConns
	if n <= 0 {
		n = 16
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	s.wdb, s.rdb = pool, pool
	if err := s.migratePG(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	m, err := loadMasters(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s.setMasters(m)
	close(s.stopped) // no writer goroutine, no checkpointer
	close(s.cpStopped)
	lctx, stop := context.WithCancel(context.Background())
	s.stopListen, s.listenStopped = stop, make(chan struct{})
	ready := make(chan error, 1)
	go s.listen(lctx, ready)
	if err := <-ready; err != nil {
		stop()
		<-s.listenStopped
		pool.Close()
		return nil, fmt.Errorf("store: open: listen: %w", err)
	}
	if err := s.indexBacklog(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) closePostgres() error {
	s.stopListen()
	<-s.listenStopped // Publish is not called after Close returns
	if err := s.wdb.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// migratePG applies the PostgreSQL migrations not yet recorded, holding
// the migration lock on one connection meanwhile.
func (s *Store) migratePG(ctx context.Context) error {
	list, err := readMigrations(migrations, "migrations/postgres")
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	conn, err := s.wdb.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(pgMigrationLock)); err != nil {
		return fmt.Errorf("store: migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(pgMigrationLock))
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    BIGINT PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, m := range list {
		if err := s.applyMigrationPG(ctx, conn, m); err != nil {
			return fmt.Errorf("store: migrate %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

func (s *Store) applyMigrationPG(ctx context.Context, conn *sql.Conn, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = $1", m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
		m.version, m.name, ms(s.clock())); err != nil {
		return err
	}
	return tx.Commit()
}

// writePG runs fn in a transaction of its own, retrying it from the start
// on a serialization failure or deadlock.
func (s *Store) writePG(ctx context.Context, fn func(*wtx) error) error {
	for attempt := 0; ; attempt++ {
		select {
		case <-s.quit:
			return errClosed
		default:
		}
		err := s.writeOncePG(ctx, fn)
		if err == nil {
			return nil
		}
		// A connection that died in the pool (the database restarted)
		// fails its first use; when nothing reached the server, a fresh
		// connection may try again, once or twice.
		again := retryable(err) || pgconn.SafeToRetry(err) && attempt < 2
		if !again || attempt >= pgMaxRetries {
			return unavailable(err)
		}
		s.retries.Add(1)
		// Back off with jitter so that the transactions that collided do
		// not collide again.
		d := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// pgWriteTimeout bounds a write once it has begun: a request never hangs on
// a database that stopped answering.
const pgWriteTimeout = 20 * time.Second

func (s *Store) writeOncePG(ctx context.Context, fn func(*wtx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// Once begun, the write runs to its commit or failure regardless of the
	// caller's cancellation, so that its answer is the truth about the
	// database, as with SQLite's writer.
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pgWriteTimeout)
	defer cancel()
	tx, err := s.wdb.DB.BeginTx(tctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return err
	}
	w := &wtx{ctx: tctx, tx: tx, s: s}
	if err := w.run(fn); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.commits.Add(1)
	s.written.Add(1)
	for _, h := range w.after {
		h()
	}
	return nil
}

// retryable reports whether err is PostgreSQL asking for the transaction to
// be tried again. A unique violation of an event's idempotency key
// (events_idem) is one too: another transaction applied the same keyed
// action meanwhile, and the retry, in a new snapshot, finds its key and
// answers as SQLite's single writer does (already applied, or the key
// reused on another complaint).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01" || pe.Code == "23505" && pe.ConstraintName == "events_idem"
	}
	return false
}

// connUnavailable turns a lost or refused connection into EUnavailable, which
// callers answer with 503: the database may come back, the request may be
// tried again. Other errors are returned as they are.
func connUnavailable(err error) error {
	if err == nil {
		return nil
	}
	var ge *grievance.Error
	if errors.As(err, &ge) {
		return err
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, context.DeadlineExceeded), errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), strings.Contains(err.Error(), "conn closed"),
		errors.As(err, &ne), errors.As(err, &ce), pgconn.SafeToRetry(err), pgconn.Timeout(err):
	case errors.As(err, &pe) && (pe.Code[:2] == "08" || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"):
	default:
		return err
	}
	return &grievance.Error{Code: grievance.EUnavailable, Key: "error.unavailable", Err: err}
}
