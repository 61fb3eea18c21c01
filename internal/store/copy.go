package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyTables are the tables an installation's data lives in, parents
// before the tables that refer to them. The search index is not copied: the
// target builds its own from the complaints.
var copyTables = []string{
	"settings", "departments", "categories", "areas", "officers", "routing_rules", "holidays",
	"complaints", "events", "attachments", "users", "sessions", "messages", "otp_codes", "audit",
	"score_days", "score_folded", "sms_templates", "api_tokens", "open311_keys",
	"sip_agents", "agent_transitions", "calls", "call_legs", "callback_requests", "recording_plays", "feedback_calls",
	"webhooks", "webhook_deliveries",
}

// identityTables are the tables whose id PostgreSQL numbers.
var identityTables = []string{"officers", "routing_rules", "complaints", "events", "attachments", "users", "messages", "audit",
	"api_tokens", "open311_keys", "agent_transitions", "calls", "callback_requests", "recording_plays", "webhooks", "webhook_deliveries"}

// TableCopy is what CopyTo found for one table: its rows and a checksum of
// their values (independent of row order), in the source and the target.
type TableCopy struct {
	Table            string
	Rows, TargetRows int64
	Sum, TargetSum   uint64
}

// CopyTo copies every row of s (SQLite) into dst (PostgreSQL, freshly
// migrated) in one transaction of dst, then checks row counts and
// checksums of every table in that transaction before committing: the
// target has all of it or none. It refuses a target that holds any row
// (EConflict) and a source with a table it does not know (so that nothing
// is left behind silently). s is read in one snapshot; stop the servers
// writing to it first.
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]TableCopy, error) {
	if s.d.pg || !dst.d.pg {
		return nil, errors.New("store: copy: from SQLite to PostgreSQL only")
	}
	if err := s.knownTables(ctx); err != nil {
		return nil, err
	}
	for _, t := range copyTables {
		var any bool
		if err := dst.rdb.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+t+")").Scan(&any); err != nil {
			return nil, fmt.Errorf("store: copy: %s: %w", t, err)
		}
		if any {
			return nil, fmt.Errorf("store: copy: the target database is not empty (table %s has rows): %w", t,
				errNotEmpty)
		}
	}
	src, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	defer src.Rollback()
	conn, err := dst.wdb.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	defer conn.Close()
	var out []TableCopy
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		for _, t := range copyTables {
			tc, err := copyTable(ctx, src, tx, t)
			if err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			out = append(out, tc)
			if tc.Rows != tc.TargetRows || tc.Sum != tc.TargetSum {
				return fmt.Errorf("%s: %d rows (checksum %016x) copied as %d rows (checksum %016x)",
					t, tc.Rows, tc.Sum, tc.TargetRows, tc.TargetSum)
			}
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return out, fmt.Errorf("store: copy: %w", err)
	}
	// The target's own caches and search index.
	m, err := loadMasters(ctx, dst.rdb)
	if err != nil {
		return out, fmt.Errorf("store: copy: %w", err)
	}
	dst.setMasters(m)
	if err := dst.indexBacklog(ctx); err != nil {
		return out, err
	}
	return out, nil
}

// errNotEmpty is the refusal of a target that holds data.
var errNotEmpty = errors.New("refusing to copy into a database that holds data")

// ErrTargetNotEmpty reports whether err is CopyTo's refusal of a target
// that holds data.
func ErrTargetNotEmpty(err error) bool { return errors.Is(err, errNotEmpty) }

// knownTables fails when the source has a table CopyTo would not copy.
func (s *Store) knownTables(ctx context.Context) error {
	var unknown []string
	err := each(ctx, s.rdb, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", func(r scanner) error {
		var name string
		if err := r.Scan(&name); err != nil {
			return err
		}
		if !slices.Contains(copyTables, name) && name != "schema_migrations" && !strings.HasPrefix(name, "sqlite_") &&
			!strings.HasPrefix(name, "complaints_fts") {
			unknown = append(unknown, name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: copy: %w", err)
	}
	if len(unknown) > 0 {
		return fmt.Errorf("store: copy: the source has tables this version does not know how to copy: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// copyTable copies table t from src into tx with COPY and returns the
// counts and checksums of both sides, the target's read back in tx.
func copyTable(ctx context.Context, src *rtx, tx pgx.Tx, t string) (TableCopy, error) {
	tc := TableCopy{Table: t}
	rows, err := src.QueryContext(ctx, "SELECT * FROM "+t)
	if err != nil {
		return tc, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return tc, err
	}
	var values [][]any
	for rows.Next() {
		v, err := scanValues(rows, len(cols))
		if err != nil {
			return tc, err
		}
		tc.Rows++
		tc.Sum += rowSum(v)
		values = append(values, v)
		if len(values) == 10000 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t}, cols, pgx.CopyFromRows(values)); err != nil {
				return tc, err
			}
			values = values[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return tc, err
	}
	if len(values) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t}, cols, pgx.CopyFromRows(values)); err != nil {
			return tc, err
		}
	}
	if slices.Contains(identityTables, t) {
		// New rows continue after the copied ones.
		if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), COALESCE((SELECT MAX(id) FROM "+t+"), 0) + 1, false)"); err != nil {
			return tc, err
		}
	}
	back, err := tx.Query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+t)
	if err != nil {
		return tc, err
	}
	defer back.Close()
	for back.Next() {
		v, err := back.Values()
		if err != nil {
			return tc, err
		}
		tc.TargetRows++
		tc.TargetSum += rowSum(v)
	}
	return tc, back.Err()
}

// rowSum is a row's checksum: the first 8 bytes of the SHA-256 of its
// values, each written with its kind, so that 1 and '1' differ. Integers
// are written alike whatever their width, floats by their bits.
func rowSum(v []any) uint64 {
	h := sha256.New()
	var b []byte
	for _, x := range v {
		switch x := x.(type) {
		case nil:
			b = append(b, 'n')
		case int64:
			b = strconv.AppendInt(append(b, 'i'), x, 10)
		case int32:
			b = strconv.AppendInt(append(b, 'i'), int64(x), 10)
		case int:
			b = strconv.AppendInt(append(b, 'i'), int64(x), 10)
		case float64:
			b = binary.BigEndian.AppendUint64(append(b, 'f'), math.Float64bits(x))
		case string:
			b = append(strconv.AppendInt(append(b, 's'), int64(len(x)), 10), x...)
		case []byte:
			b = append(strconv.AppendInt(append(b, 's'), int64(len(x)), 10), x...)
		default:
			b = fmt.Appendf(append(b, '?'), "%T:%v", x, x)
		}
		b = append(b, 0)
	}
	h.Write(b)
	return binary.BigEndian.Uint64(h.Sum(nil))
}
