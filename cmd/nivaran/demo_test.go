package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/store/pgtest"
)

// TestDemo: the generator makes complaints whose lives progressed: some
// open, some resolved or closed, some returned and sent back, some from
// repeat complainants; the server then starts on that data.
func TestDemo(t *testing.T) {
	data := t.TempDir()
	database := ""
	if os.Getenv("NIVARAN_TEST_E2E_POSTGRES") != "" {
		database = e2eDatabase(t, data) // the one MustRunMain then opens
	}
	checkDemo(t, data, database, nil)
}

// TestDemoPostgres: `nivaran demo --database postgres://…` generates the
// same kind of data into PostgreSQL, and the server starts on it there.
func TestDemoPostgres(t *testing.T) {
	data, database := t.TempDir(), pgtest.MustDatabase(t)
	checkDemo(t, data, database, map[string]string{"NIVARAN_DATABASE_URL": database})
}

func checkDemo(t *testing.T, data, database string, env map[string]string) {
	n, err := GenerateDemo(context.Background(), filepath.Join(data, "nivaran.db"), database, 400, 60, 7, time.Now())
	if err != nil || n != 400 {
		t.Fatalf("generated %d: %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(data, "nivaran.db")); (database == "") != (err == nil) {
		t.Errorf("database %q: SQLite file in the data directory: %v", database, err)
	}
	m := MustRunMain(t, data, env)
	counts := map[grievance.Status]int{}
	channels := map[grievance.Channel]int{}
	cursor := ""
	for {
		p, err := m.Store.Search(context.Background(), grievance.SystemActor, grievance.ComplaintFilter{Limit: 500, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Complaints {
			counts[c.Status]++
			channels[c.Channel]++
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	total := 0
	for _, v := range counts {
		total += v
	}
	if total != 400 {
		t.Fatalf("%d complaints in the store, want 400", total)
	}
	for _, s := range []grievance.Status{grievance.StatusAssigned, grievance.StatusResolved, grievance.StatusClosed} {
		if counts[s] == 0 {
			t.Errorf("no %s complaints: %v", s, counts)
		}
	}
	if len(channels) < 4 {
		t.Errorf("channels %v, want a mix", channels)
	}
	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	if r := admin.get("/control/wall"); r.Status != 200 {
		t.Errorf("wall on demo data: %d", r.Status)
	}
	if r := admin.get("/control/reports/pendency"); r.Status != 200 {
		t.Errorf("pendency on demo data: %d", r.Status)
	}
}
