package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// TestDemo: the generator makes complaints whose lives progressed: some
// open, some resolved or closed, some returned and sent back, some from
// repeat complainants; the server then starts on that data.
func TestDemo(t *testing.T) {
	data := t.TempDir()
	n, err := GenerateDemo(context.Background(), filepath.Join(data, "nivaran.db"), 400, 60, 7, time.Now())
	if err != nil || n != 400 {
		t.Fatalf("generated %d: %v", n, err)
	}
	m := MustRunMain(t, data, nil)
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
