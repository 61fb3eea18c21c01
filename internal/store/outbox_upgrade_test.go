package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/store/pgtest"
)

// preOutboxKeys are the messages of an installation upgraded to migration
// 0022 (PostgreSQL 0005): a queued one, a delivered one and a failed
// officer's message, each with its old idempotency key.
var preOutboxKeys = []struct {
	id                   int64
	key, audience, state string
}{
	{1, "100:otp:9876543210", "citizen", "queued"},
	{2, "200:N1:file:citizen", "citizen", "delivered"},
	{3, "300:N1:file:officer", "officer", "failed"},
}

// TestOutboxKeysUpgradeSQLite opens a database made by the migrations
// before 0022 with messages in it and checks that the upgrade keeps every
// message, and that the kept keys, the dispatcher's and the attention
// list's queries still work on them.
func TestOutboxKeysUpgradeSQLite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nivaran.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	migrateBefore(t, db, "sqlite", 22)
	insertPreOutboxKeys(t, db, "?")
	db.Close()

	s := MustOpen(t, dir, time.Now)
	checkOutboxKeysUpgrade(t, s)

	// The dispatcher and the attention list read through their partial
	// indexes, whatever the number of delivered messages.
	for q, want := range map[string]string{
		claimMessagesQ:  "SEARCH messages USING INDEX messages_due (next_attempt<?)",
		failedMessagesQ: "SEARCH m USING INDEX messages_failed (audience=? AND updated>?)",
	} {
		plan, err := explain(context.Background(), s.rdb.DB, q, 1, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(plan, want) {
			t.Errorf("query plan %q, want %q in it:\n%s", plan, want, q)
		}
	}
}

// TestOutboxKeysUpgradePostgres is TestOutboxKeysUpgradeSQLite on
// PostgreSQL: migrations up to 0004, messages, then the store's Open.
func TestOutboxKeysUpgradePostgres(t *testing.T) {
	if pgtest.ServerURL() == "" {
		t.Skip("no PostgreSQL: set NIVARAN_TEST_POSTGRES to run")
	}
	url := pgtest.MustDatabase(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	migrateBefore(t, db, "postgres", 5)
	insertPreOutboxKeys(t, db, "$")
	db.Close()

	s := MustOpenPostgres(t, url, time.Now)
	checkOutboxKeysUpgrade(t, s)
}

// migrateBefore applies dialect's migrations older than version to db, as
// an installation made before that migration holds them.
func migrateBefore(t *testing.T, db *sql.DB, dialect string, version int) {
	t.Helper()
	list, err := readMigrations(migrations, "migrations/"+dialect)
	if err != nil {
		t.Fatal(err)
	}
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	versions, record := "INTEGER PRIMARY KEY", "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)"
	if dialect == "postgres" {
		versions, record = "BIGINT PRIMARY KEY", rebind(record)
	}
	mustExec(`CREATE TABLE schema_migrations (version ` + versions + `, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`)
	for _, m := range list {
		if m.version >= version {
			break
		}
		mustExec(m.sql)
		mustExec(record, m.version, m.name)
	}
}

func insertPreOutboxKeys(t *testing.T, db *sql.DB, ph string) {
	t.Helper()
	// In order, without ids: the database numbers them 1, 2, 3 as it did.
	q := `INSERT INTO messages (idem_key, complaint_id, event, audience, recipient, lang, template_id, text, status,
attempts, next_attempt, lease_until, gateway_ref, last_error, created, updated)
VALUES (?, NULL, 'registered', ?, '9876543210', 'hi', 'T1', 'text', ?, 0, 0, NULL, '', '', 0, ?)`
	if ph == "$" {
		q = rebind(q)
	}
	for _, m := range preOutboxKeys {
		if _, err := db.Exec(q, m.key, m.audience, m.state, time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
}

func checkOutboxKeysUpgrade(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	for _, m := range preOutboxKeys {
		got, err := s.Message(ctx, m.id)
		if err != nil {
			t.Fatalf("message %d after the upgrade: %v", m.id, err)
		}
		if got.Key != m.key || string(got.Status) != m.state || got.Audience != m.audience {
			t.Errorf("message %d after the upgrade: key %q status %s audience %s, want %q %s %s",
				m.id, got.Key, got.Status, got.Audience, m.key, m.state, m.audience)
		}
	}
	// An old key still queues nothing a second time; a new one queues.
	again := grievance.Message{Key: preOutboxKeys[0].key, Event: "otp", Audience: "citizen", To: "9876543210",
		Lang: grievance.Hindi, TemplateID: "T1", Text: "again"}
	fresh := again
	fresh.Key = "400:otp:9876543210"
	if err := s.QueueMessages(ctx, []grievance.Message{again, fresh}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Messages(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[0].Key != fresh.Key {
		t.Fatalf("after queuing an old and a new key: %d messages, newest %+v; want 4, the new key newest", len(all), all[0])
	}
	// The dispatcher finds the old queued message and the new one; the
	// attention list the old failed one.
	claimed, err := s.ClaimMessages(ctx, time.Now(), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 2 || claimed[0].ID != 1 || claimed[1].Key != fresh.Key {
		t.Errorf("claimed %+v, want message 1 and the new one", claimed)
	}
	failed, err := s.FailedMessages(ctx, "officer", time.Now().Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].ID != 3 {
		t.Errorf("failed officer messages %+v, want message 3", failed)
	}
}
