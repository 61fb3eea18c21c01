package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/store/pgtest"
)

// TestBackupWhileServing: `nivaran backup` copies the SQLite database while
// citizens keep filing; the copy, put in a new data directory with the
// photos and the secret, serves every complaint acknowledged before the
// backup began and passes the integrity check.
func TestBackupWhileServing(t *testing.T) {
	data := t.TempDir()
	m := MustRunMain(t, data, map[string]string{"NIVARAN_DATABASE_URL": ""})
	load := startFilers(t, 4, m)
	time.Sleep(time.Second)
	before := load.Acked()
	file := filepath.Join(t.TempDir(), "backup.db")
	var out bytes.Buffer
	if err := backupCmd(context.Background(), []string{"--data", data, file}, &out); err != nil {
		t.Fatalf("backup: %v", err)
	}
	load.Stop()
	if len(before) == 0 || len(load.Acked()) == len(before) {
		t.Fatalf("%d complaints before the backup, %d in all: the server did not serve during it", len(before), len(load.Acked()))
	}
	if err := backupCmd(context.Background(), []string{"--data", data, file}, &out); err == nil {
		t.Error("a backup over an existing file was written")
	}

	restored := t.TempDir()
	copyFile(t, file, filepath.Join(restored, "nivaran.db"))
	copyFile(t, filepath.Join(data, "secret.key"), filepath.Join(restored, "secret.key"))
	r := MustRunMain(t, restored, map[string]string{"NIVARAN_DATABASE_URL": ""})
	for _, n := range before {
		if _, err := r.Store.Complaint(context.Background(), grievance.SystemActor, n); err != nil {
			t.Errorf("complaint %s acknowledged before the backup: %v", n, err)
		}
	}
	if err := r.Store.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestPostgresBackupRestore: pg_dump while citizens keep filing, then
// pg_restore into a new database; a server on it has every complaint
// acknowledged before the dump began and goes on numbering after them.
func TestPostgresBackupRestore(t *testing.T) {
	dump, restore := pgTool(t, "pg_dump"), pgTool(t, "pg_restore")
	src := pgtest.MustDatabase(t)
	data := t.TempDir()
	m := MustRunMain(t, data, map[string]string{"NIVARAN_DATABASE_URL": src})
	load := startFilers(t, 4, m)
	time.Sleep(time.Second)
	before := load.Acked()
	file := filepath.Join(t.TempDir(), "nivaran.dump")
	if out, err := exec.Command(dump, "--format=custom", "--file="+file, "--dbname="+src).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	load.Stop()
	if len(before) == 0 || len(load.Acked()) == len(before) {
		t.Fatalf("%d complaints before the dump, %d in all: the server did not serve during it", len(before), len(load.Acked()))
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	dst := pgtest.MustDatabase(t)
	if out, err := exec.Command(restore, "--no-owner", "--exit-on-error", "--dbname="+dst, file).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	r := MustRunMain(t, data, map[string]string{"NIVARAN_DATABASE_URL": dst})
	ctx := context.Background()
	var last int64
	for _, n := range before {
		c, err := r.Store.Complaint(ctx, grievance.SystemActor, n)
		if err != nil {
			t.Errorf("complaint %s acknowledged before the dump: %v", n, err)
			continue
		}
		last = max(last, c.ID)
	}
	n := fileJSON(t, newClient(t, r), nil)["number"].(string)
	if c, err := r.Store.Complaint(ctx, grievance.SystemActor, n); err != nil || c.ID <= last {
		t.Errorf("complaint filed after the restore: %v, want an ID after %d", err, last)
	}
	p, err := r.Store.Search(ctx, grievance.SystemActor, grievance.ComplaintFilter{Text: before[0]})
	if err != nil || len(p.Complaints) != 1 {
		t.Errorf("search after the restore: %d (%v)", len(p.Complaints), err)
	}
}

// pgTool finds a PostgreSQL client program: beside the server programs, or
// on PATH. Without it the test skips (outside CI).
func pgTool(t *testing.T, name string) string {
	t.Helper()
	if bin := pgtest.Binaries(); bin != "" {
		if p := filepath.Join(bin, name); fileExists(p) {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found: install postgresql-client", name)
	}
	t.Skipf("%s not found: install postgresql-client to run this test", name)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
