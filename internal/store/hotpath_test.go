package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"nivaran/internal/grievance"
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
		vals, err := scanValues(rows, len(cols))
		if err != nil {
			return nil, err
		}
		op, _ := vals[1].(string)
		out = append(out, op)
	}
	return out, rows.Err()
}

// TestBatchOutbox checks the messages that a batch's ops queue with their
// changes and that SQLite's writer inserts together before it commits: an
// op that fails leaves none of its messages, its batch-mates keep all of
// theirs, and more messages than one statement takes (and of an odd
// number) lose none.
func TestBatchOutbox(t *testing.T) {
	s, c := storeWithComplaint(t)
	ctx := context.Background()
	msg := func(op, i int) grievance.Message { return testMessage(fmt.Sprintf("op %d message %d", op, i)) }
	const ops = 120 // each queues op%5 messages: 236 from the ops that succeed
	c0 := s.commits.Load()
	errs := writeAtOnce(s, ops, func(op int, w *wtx) error {
		var msgs []grievance.Message
		for i := range op % 5 {
			msgs = append(msgs, msg(op, i))
		}
		if err := insertOutbox(w, c.ID, msgs, time.Now(), false); err != nil {
			return err
		}
		if op%3 == 0 {
			return grievance.Errorf(grievance.EConflict, "error.conflict")
		}
		return nil
	})
	want := map[string]bool{}
	for op := range ops {
		if op%3 == 0 {
			if grievance.ErrorCode(errs[op]) != grievance.EConflict {
				t.Fatalf("op %d: %v, want its own conflict", op, errs[op])
			}
			continue
		}
		if errs[op] != nil {
			t.Fatalf("op %d: %v", op, errs[op])
		}
		for i := range op % 5 {
			want[msg(op, i).Text] = true
		}
	}
	if n := s.commits.Load() - c0; n >= ops {
		t.Fatalf("%d ops in %d commits: no batch to test", ops, n)
	}
	got := map[string]int{}
	err := each(ctx, s.rdb, "SELECT text, complaint_id, status FROM messages WHERE text LIKE 'op %'", func(r scanner) error {
		var text, status string
		var id int64
		if err := r.Scan(&text, &id, &status); err != nil {
			return err
		}
		if id != c.ID || status != string(grievance.MsgQueued) {
			return fmt.Errorf("message %q: complaint %d, status %s", text, id, status)
		}
		got[text]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for text, n := range got {
		if !want[text] || n != 1 {
			t.Errorf("message %q queued %d times, want %d", text, n, map[bool]int{true: 1}[want[text]])
		}
	}
	for text := range want {
		if got[text] == 0 {
			t.Errorf("message %q lost", text)
		}
	}
}

// TestReaderStatementCache: the reader pool prepares a query once and
// reuses it; past the bound, queries still answer, unprepared; after Close
// nothing is kept.
func TestReaderStatementCache(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, dir, time.Now)
	ctx := context.Background()
	c := s.rdb.cache
	size := func() int {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return len(c.stmts)
	}
	n0 := size()
	for range 3 {
		var one int
		if err := s.rdb.QueryRowContext(ctx, "SELECT 1 + ?", 0).Scan(&one); err != nil || one != 1 {
			t.Fatalf("SELECT 1 + 0 = %d, %v", one, err)
		}
	}
	if got := size() - n0; got != 1 {
		t.Fatalf("one query asked three times: %d statements kept, want 1", got)
	}
	for i := size(); i < maxReaderStmts+10; i++ {
		var got int
		if err := s.rdb.QueryRowContext(ctx, fmt.Sprintf("SELECT %d + ?", i), 1).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("query %d: %d, %v", i, got, err)
		}
	}
	if got := size(); got != maxReaderStmts {
		t.Fatalf("%d statements kept, want the bound %d", got, maxReaderStmts)
	}
	if err := s.rdb.QueryRowContext(ctx, "SELECT nonsense FROM nowhere").Scan(new(int)); err == nil {
		t.Fatal("a query that cannot be prepared answered")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if c.stmts != nil {
		t.Fatalf("%d statements kept after Close", len(c.stmts))
	}
}

// TestBatchOutboxFlushFails: when the batch's messages cannot be inserted,
// no op of the batch commits, neither its change nor its messages, and
// each hears of it; the ops of other batches are untouched.
func TestBatchOutboxFlushFails(t *testing.T) {
	s, c := storeWithComplaint(t)
	ctx := context.Background()
	// One op queues 3,001 messages, alone: a dozen statements of
	// maxOutboxRows and the smaller powers of two.
	const big = 3001
	err := s.write(ctx, func(w *wtx) error {
		msgs := make([]grievance.Message, big)
		for i := range msgs {
			msgs[i] = testMessage(fmt.Sprintf("big message %d", i))
		}
		return insertOutbox(w, c.ID, msgs, time.Now(), false)
	})
	var n int
	if err == nil {
		err = s.rdb.QueryRowContext(ctx, "SELECT COUNT(DISTINCT text) FROM messages WHERE text LIKE 'big message %'").Scan(&n)
	}
	if err != nil || n != big {
		t.Fatalf("one write of %d messages: %d queued, %v", big, n, err)
	}

	// Then concurrent ops, one of which queues a message for a complaint
	// that does not exist: the foreign key fails the flush.
	const ops, bad = 60, 17
	errs := writeAtOnce(s, ops, func(op int, w *wtx) error {
		if _, err := w.exec("INSERT INTO settings (key, value) VALUES (?, 'x')", fmt.Sprintf("test.op.%d", op)); err != nil {
			return err
		}
		id := c.ID
		if op == bad {
			id = c.ID + 1000
		}
		msgs := []grievance.Message{testMessage(fmt.Sprintf("op %d message 0", op)), testMessage(fmt.Sprintf("op %d message 1", op))}
		return insertOutbox(w, id, msgs, time.Now(), false)
	})
	if errs[bad] == nil {
		t.Fatal("the batch with a message that cannot be inserted committed")
	}
	failed := 0
	for op := range ops {
		var kept, msgs int
		if err := s.rdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM settings WHERE key = ?", fmt.Sprintf("test.op.%d", op)).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if err := s.rdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages WHERE text LIKE ?", fmt.Sprintf("op %d message %%", op)).Scan(&msgs); err != nil {
			t.Fatal(err)
		}
		want := 2
		switch {
		case errs[op] != nil && (kept != 0 || msgs != 0):
			t.Errorf("op %d failed (%v) but left its change (%d) or messages (%d)", op, errs[op], kept, msgs)
		case errs[op] == nil && (kept != 1 || msgs != want):
			t.Errorf("op %d succeeded with %d changes and %d messages, want 1 and %d", op, kept, msgs, want)
		}
		if errs[op] != nil {
			failed++
		}
	}
	t.Logf("%d of %d ops shared the failed batch", failed, ops)
}

// storeWithComplaint opens a SQLite store with the fixture's masters and
// one complaint, for messages to belong to.
func storeWithComplaint(t *testing.T) (*Store, *grievance.Complaint) {
	t.Helper()
	s := MustOpen(t, t.TempDir(), time.Now)
	mustFixture(t, s)
	in := sample()
	in.Photos = nil
	c, err := s.File(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// testMessage is a change's message to a citizen with text.
func testMessage(text string) grievance.Message {
	return grievance.Message{Event: "registered", Audience: "citizen", To: "919876543210", Lang: grievance.Hindi,
		TemplateID: "1007000000000000001", Text: text}
}

// writeAtOnce starts n writes of fn together, so that the writer takes
// them in few batches, and returns each one's error.
func writeAtOnce(s *Store, n int, fn func(op int, w *wtx) error) []error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for op := range n {
		wg.Go(func() {
			<-start
			errs[op] = s.write(context.Background(), func(w *wtx) error { return fn(op, w) })
		})
	}
	close(start)
	wg.Wait()
	return errs
}
