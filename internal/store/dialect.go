package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// dialect is what differs between SQLite and PostgreSQL in the SQL the
// store sends. Queries are written once, in SQLite's spelling with ?
// placeholders; on PostgreSQL each is rewritten once (the result is cached
// per query string) by q: placeholders become $1, $2, …, and SQLite's
// planner hints (INDEXED BY) go. The few statements whose meaning differs
// (row locking for claims, full-text search) ask the dialect by name.
type dialect struct {
	pg    bool
	cache sync.Map // query string → rewritten query
}

var sqliteDialect = &dialect{}

// indexedBy matches SQLite's INDEXED BY hint, which PostgreSQL has no use for.
var indexedBy = regexp.MustCompile(`(?i)\s+INDEXED\s+BY\s+[A-Za-z0-9_]+`)

// q returns query in the dialect's spelling.
func (d *dialect) q(query string) string {
	if !d.pg {
		return query
	}
	if v, ok := d.cache.Load(query); ok {
		return v.(string)
	}
	out := rebind(indexedBy.ReplaceAllString(query, ""))
	d.cache.Store(query, out)
	return out
}

// rebind turns ? placeholders into $1, $2, … outside quoted strings and
// identifiers.
func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteByte(c)
		case c == '\'' || c == '"':
			quote = c
			b.WriteByte(c)
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// skipLocked is appended to a SELECT that claims rows for a change (the
// outbox, the sweeps): on PostgreSQL several servers claim at once and
// each row must go to one of them; SQLite's single writer already
// serialises the claims.
func (d *dialect) skipLocked() string {
	if d.pg {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// skipLockedOf is skipLocked for a SELECT that joins other tables: only the
// rows of table (its name or alias in the query) are claimed, so that the
// joined rows (a webhook's subscription) stay free for the other servers.
func (d *dialect) skipLockedOf(table string) string {
	if d.pg {
		return " FOR UPDATE OF " + table + " SKIP LOCKED"
	}
	return ""
}

// db is a connection pool that speaks the dialect.
type db struct {
	*sql.DB
	d *dialect
	// cache keeps the queries' prepared statements (SQLite's reader pool
	// only, see cached); nil prepares every query at every call.
	cache *stmtCache
}

// stmtCache holds statements prepared on a pool, by query. The SQLite
// driver parses and plans a query again at every call unless it is
// prepared, which cost the dispatcher's claim more than reading its rows.
// (pgx caches its statements by itself.)
type stmtCache struct {
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// maxReaderStmts bounds the cache: the store's queries number a few
// hundred; those built for a variable number of values add one per size,
// and past the bound a query is prepared at each call as before.
const maxReaderStmts = 1024

// cached returns q's statement prepared on the pool, preparing it the first
// time; nil when there is no cache, it is full or q fails to prepare (the
// call then reports the error).
func (x *db) cached(ctx context.Context, q string) *sql.Stmt {
	c := x.cache
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st, full := c.stmts[q], len(c.stmts) >= maxReaderStmts
	c.mu.RUnlock()
	if st != nil || full {
		return st
	}
	// Prepared outside the lock: it may wait for a free connection, and
	// the other readers must not wait with it.
	st, err := x.DB.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept := c.stmts[q]; kept != nil || c.stmts == nil || len(c.stmts) >= maxReaderStmts {
		st.Close() // another reader kept one first, the cache is full, or closed
		return kept
	}
	c.stmts[q] = st
	return st
}

// Close closes the cached statements, then the pool.
func (x *db) Close() error {
	var err error
	if c := x.cache; c != nil {
		c.mu.Lock()
		for _, st := range c.stmts {
			err = errors.Join(err, st.Close())
		}
		c.stmts = nil
		c.mu.Unlock()
	}
	return errors.Join(err, x.DB.Close())
}

func (x *db) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := x.cached(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return x.DB.QueryContext(ctx, x.d.q(q), args...)
}

func (x *db) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := x.cached(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return x.DB.QueryRowContext(ctx, x.d.q(q), args...)
}

func (x *db) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return x.DB.ExecContext(ctx, x.d.q(q), args...)
}

func (x *db) BeginTx(ctx context.Context, opts *sql.TxOptions) (*rtx, error) {
	tx, err := x.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &rtx{Tx: tx, d: x.d}, nil
}

// rtx is a transaction that speaks the dialect.
type rtx struct {
	*sql.Tx
	d *dialect
}

func (x *rtx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return x.Tx.QueryContext(ctx, x.d.q(q), args...)
}

func (x *rtx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return x.Tx.QueryRowContext(ctx, x.d.q(q), args...)
}

func (x *rtx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return x.Tx.ExecContext(ctx, x.d.q(q), args...)
}
