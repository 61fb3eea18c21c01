package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"nivaran/internal/blob"
	"nivaran/internal/grievance"
	"nivaran/internal/store/storetest"
)

// MustOpen opens a store in dir with the suite's messenger and a blob
// directory, closing it at the end of the test.
func MustOpen(t testing.TB, dir string, now func() time.Time) *Store {
	t.Helper()
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Options{
		Path: filepath.Join(dir, "nivaran.db"), Now: now, Blobs: blobs, Messenger: storetest.Messenger{},
		ScoreFoldEvery: -1, // tests that count writes must not see a background fold; the suite folds by hand
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) storetest.Harness {
		return MustOpen(t, t.TempDir(), now)
	})
}

func mustFixture(t testing.TB, s *Store) {
	t.Helper()
	if err := s.ReplaceMasters(context.Background(), storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
}

func sample() grievance.NewComplaint {
	return grievance.NewComplaint{
		Name: "Sita Devi", Mobile: "9876543210", Language: grievance.Hindi, Channel: grievance.ChannelWeb,
		Category: "road", Area: "w1", Address: "Gali 2", Description: "Broken road",
		Photos: []grievance.Upload{{ContentType: "image/jpeg", Data: []byte("pothole")}},
	}
}

func TestPersistence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := MustOpen(t, dir, time.Now)
	mustFixture(t, s)
	c, err := s.File(ctx, sample())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.File(ctx, sample()); grievance.ErrorCode(err) != grievance.EUnavailable {
		t.Fatalf("File after Close: %v, want unavailable", err)
	}

	s2 := MustOpen(t, dir, time.Now)
	got, err := s2.Complaint(ctx, grievance.SystemActor, c.Number)
	if err != nil {
		t.Fatalf("complaint lost on reopen: %v", err)
	}
	if got.ID != c.ID || got.AssigneeID != c.AssigneeID || !got.Due.Equal(c.Due) || len(got.Attachments) != 1 {
		t.Fatalf("reopened %+v, want %+v", got, c)
	}
	f, err := s2.blob.Open(ctx, got.Attachments[0].Key)
	if err != nil {
		t.Fatalf("photo lost: %v", err)
	}
	f.Close()
	m, _ := s2.Masters(ctx)
	if m.OfficerByCode("pwd-je-w1") == nil || m.Category("road") == nil {
		t.Fatal("masters not loaded on reopen")
	}
	var n int
	files, _ := fs.Glob(migrations, "migrations/sqlite/*.sql")
	if err := s2.rdb.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n != len(files) {
		t.Fatalf("schema_migrations has %d rows (%v), want one per migration (%d): none applied twice", n, err, len(files))
	}
	var mode string
	if err := s2.wdb.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q (%v), want wal", mode, err)
	}
	var sync int
	if err := s2.wdb.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Fatalf("synchronous %d (%v), want 2 (FULL)", sync, err)
	}
	if _, err := s2.rdb.Exec("DELETE FROM complaints"); err == nil {
		t.Fatal("reader pool accepted a write")
	}
}

func TestBackupAndIntegrity(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := MustOpen(t, dir, time.Now)
	mustFixture(t, s)
	c, err := s.File(ctx, sample())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	bdir := t.TempDir()
	if err := s.Backup(ctx, filepath.Join(bdir, "nivaran.db")); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, filepath.Join(bdir, "nivaran.db")); err == nil {
		t.Fatal("Backup over an existing file succeeded")
	}
	b := MustOpen(t, bdir, time.Now)
	if _, err := b.Complaint(ctx, grievance.SystemActor, c.Number); err != nil {
		t.Fatalf("complaint missing from the backup: %v", err)
	}
	if err := b.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommit checks that concurrent writes share transactions.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, t.TempDir(), time.Now)
	mustFixture(t, s)
	c0, w0 := s.commits.Load(), s.written.Load()
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := s.File(ctx, sample()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	commits, written := s.commits.Load()-c0, s.written.Load()-w0
	if written != 640 {
		t.Fatalf("%d writes, want 640", written)
	}
	if commits >= written {
		t.Fatalf("%d commits for %d writes: no batching", commits, written)
	}
	t.Logf("%d writes in %d commits (%.1f per commit)", written, commits, float64(written)/float64(commits))
}

// TestBatchIsolation runs one batch directly: a failing write is rolled
// back alone, a cancelled one never runs, the others commit together.
func TestBatchIsolation(t *testing.T) {
	s := MustOpen(t, t.TempDir(), time.Now)
	insert := func(k string, fail bool) func(*wtx) error {
		return func(w *wtx) error {
			if _, err := w.exec("INSERT INTO settings (key, value) VALUES (?, ?)", k, "v"); err != nil {
				return err
			}
			if fail {
				return errors.New("op failed")
			}
			return nil
		}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	bg := context.Background()
	batch := []*op{
		{ctx: bg, fn: insert("a", false), done: make(chan error, 1)},
		{ctx: bg, fn: insert("b", true), done: make(chan error, 1)},
		{ctx: cancelled, fn: func(*wtx) error { ran = true; return nil }, done: make(chan error, 1)},
		{ctx: bg, fn: func(*wtx) error { panic("bug") }, done: make(chan error, 1)},
		{ctx: bg, fn: insert("a", false), done: make(chan error, 1)}, // duplicate key: SQL error
		{ctx: bg, fn: insert("c", false), done: make(chan error, 1)},
	}
	// The writer goroutine is idle (nothing is written): calling runBatch
	// here is what it would do with this batch.
	c0 := s.commits.Load()
	s.runBatch(batch)
	if got := s.commits.Load() - c0; got != 1 {
		t.Fatalf("%d commits, want 1", got)
	}
	want := []string{"", "op failed", context.Canceled.Error(), "internal: error.internal: panic in write: bug", "constraint", ""}
	for i, o := range batch {
		err := <-o.done
		switch {
		case want[i] == "" && err != nil:
			t.Errorf("op %d: %v, want success", i, err)
		case want[i] != "" && (err == nil || !contains(err.Error(), want[i])):
			t.Errorf("op %d: %v, want error %q", i, err, want[i])
		}
	}
	if ran {
		t.Error("an op whose context was cancelled ran")
	}
	var keys []string
	rows, err := s.rdb.Query("SELECT key FROM settings WHERE key IN ('a', 'b', 'c') ORDER BY key")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		rows.Scan(&k)
		keys = append(keys, k)
	}
	if fmt.Sprint(keys) != "[a c]" {
		t.Fatalf("committed keys %v, want [a c]", keys)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestWriteCancelledBeforeQueue(t *testing.T) {
	s := MustOpen(t, t.TempDir(), time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.write(ctx, func(*wtx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("write with a cancelled context: %v, ran %v", err, ran)
	}
}

// BenchmarkFile files complaints from many goroutines through the store:
// group commit, synchronous=FULL, two outbox messages each.
func BenchmarkFile(b *testing.B) {
	ctx := context.Background()
	s := MustOpen(b, b.TempDir(), time.Now)
	mustFixture(b, s)
	in := sample()
	in.Photos = nil
	b.SetParallelism(32) // 32 × GOMAXPROCS clients; 64 on two cores
	b.ResetTimer()
	start := time.Now()
	c0 := s.commits.Load()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.File(ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	el := time.Since(start)
	b.ReportMetric(float64(b.N)/el.Seconds(), "complaints/s")
	if n := s.commits.Load() - c0; n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "writes/commit")
	}
}

// BenchmarkRawInsert is the baseline without group commit: one INSERT of a
// complaint per transaction, same pragmas, one writer.
func BenchmarkRawInsert(b *testing.B) {
	ctx := context.Background()
	s := MustOpen(b, b.TempDir(), time.Now)
	db := s.wdb // the writer goroutine is idle: nothing is written through it
	st, err := db.PrepareContext(ctx, `INSERT INTO complaints (number, name, mobile, language, channel, category, area,
address, description, lat, lng, status, department, assignee_id, level, due, duplicate_of, created, updated)
VALUES (?, 'Sita Devi', '9876543210', 'hi', 'web', 'road', 'w1', 'Gali 2', 'Broken road', NULL, NULL, 'registered',
'pwd', NULL, 0, ?, '', ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now().UnixMilli()
		if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, fmt.Sprintf("%011d", i), now, now, now); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "complaints/s")
}

func TestHelplineConformance(t *testing.T) {
	storetest.RunHelpline(t, func(t *testing.T, now func() time.Time) storetest.HelplineHarness {
		return MustOpen(t, t.TempDir(), now)
	})
}
