package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestHotWritesBuildNoTempTable checks that the statements every filing
// and every sent SMS run in the single writer build no temporary table:
// SQLite builds one, at every execution, for an IN list of more than two
// values, in the statement or in the WHERE of a partial index on the table
// written (migration 0023). Each cost the writer more than a row. (The
// dispatcher's lease builds one by design, once for a batch of messages.)
func TestHotWritesBuildNoTempTable(t *testing.T) {
	s := MustOpen(t, t.TempDir(), time.Now)
	stmts := map[string]string{
		"file: complaint":      insertComplaintQ,
		"file: event":          insertEventQ,
		"file: two messages":   insertOutboxQ(2, false),
		"queue: keyed message": insertOutboxQ(1, true),
	}
	for status, q := range updateMessageQueries {
		stmts["dispatch: update to "+string(status)] = q
	}
	for name, q := range stmts {
		ops, err := opcodes(context.Background(), s, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(ops) == 0 {
			t.Fatalf("%s: no bytecode", name)
		}
		for _, op := range ops {
			if op == "OpenEphemeral" || op == "OpenAutoindex" {
				t.Errorf("%s builds a temporary table (%s):\n%s", name, op, q)
			}
		}
	}
}

// opcodes returns the bytecode's opcodes of q, its parameters unbound.
func opcodes(ctx context.Context, s *Store, q string) ([]string, error) {
	args := make([]any, strings.Count(q, "?"))
	rows, err := s.rdb.QueryContext(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		op, _ := vals[1].(string)
		out = append(out, op)
	}
	return out, rows.Err()
}
