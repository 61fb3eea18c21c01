package store

import (
	"context"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/store/storetest"
)

// TestWallFigures checks the wall's figures against the complaints
// themselves, counted one by one: open by status, ages, overdue, escalated
// and each department's pendency.
func TestWallFigures(t *testing.T) {
	ctx := context.Background()
	clock := &storetest.Clock{}
	clock.Set(storetest.Start)
	s := MustOpen(t, t.TempDir(), clock.Now)
	mustFixture(t, s)
	var numbers []string
	for i := range 24 {
		clock.Set(storetest.Start.Add(time.Duration(i) * 3 * 24 * time.Hour)) // filed over 69 days
		in := sample()
		if i%3 == 0 {
			in.Category = "hospital"
			in.Area = "w1"
		}
		c, err := s.File(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, c.Number)
	}
	control := grievance.Actor{UserID: 1, Roles: []grievance.Role{grievance.RoleSupervisor}}
	if _, err := s.Act(ctx, control, numbers[0], grievance.Action{Kind: grievance.ActReject, Note: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Act(ctx, control, numbers[1], grievance.Action{Kind: grievance.ActHold, Note: "court"}); err != nil {
		t.Fatal(err)
	}
	now := clock.Now().Add(time.Hour)
	if _, err := s.Sweep(ctx, now, grievance.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(10 * 24 * time.Hour) // the fresh deadlines pass too
	w, err := s.Wall(ctx, now, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	open := map[grievance.Status]int{}
	var ages [4]int
	overdue, escalated := 0, 0
	depts := map[string][2]int{}
	for _, n := range numbers {
		c, err := s.Complaint(ctx, grievance.SystemActor, n)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Status.Open() {
			continue
		}
		open[c.Status]++
		days := now.Sub(c.Created)
		switch {
		case days < 8*24*time.Hour:
			ages[0]++
		case days < 16*24*time.Hour:
			ages[1]++
		case days < 31*24*time.Hour:
			ages[2]++
		default:
			ages[3]++
		}
		if c.Overdue(now) {
			overdue++
		}
		if c.Escalations > 0 {
			escalated++
		}
		d := depts[c.Department]
		d[0]++
		if !c.OnHold && now.After(c.Due) {
			d[1]++
		}
		depts[c.Department] = d
	}
	for st, n := range open {
		if w.Open[st] != n {
			t.Errorf("open %s: wall %d, counted %d", st, w.Open[st], n)
		}
	}
	if w.Ages != ages || w.Overdue != overdue || w.Escalated != escalated {
		t.Errorf("ages %v overdue %d escalated %d; counted %v %d %d", w.Ages, w.Overdue, w.Escalated, ages, overdue, escalated)
	}
	if len(w.Departments) != len(depts) {
		t.Fatalf("departments %+v, counted %v", w.Departments, depts)
	}
	for i, p := range w.Departments {
		if want := depts[p.Department]; p.Open != want[0] || p.Overdue != want[1] {
			t.Errorf("%s: %d open %d overdue, counted %v", p.Department, p.Open, p.Overdue, want)
		}
		if i > 0 && w.Departments[i-1].Open < p.Open {
			t.Error("departments not ordered by pendency")
		}
	}
	if escalated == 0 || overdue == 0 || ages[3] == 0 {
		t.Errorf("the scenario misses a case: escalated %d overdue %d old %d", escalated, overdue, ages[3])
	}
}
