package main

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/store/pgtest"
)

// TestSeveralServers: two Nivaran servers on one PostgreSQL database and
// one shared data directory (photos, secret) behave as one. A complaint
// filed on the first appears on the live wall open on the second; a
// session made on one is valid on the other; an escalation that falls due
// while both schedulers (and the test, from both servers at once) sweep is
// performed once, and its SMS sent once; killing one server while citizens
// file on both loses no acknowledged complaint, and the other keeps serving.
func TestSeveralServers(t *testing.T) {
	dbURL := pgtest.MustDatabase(t)
	data := t.TempDir()
	clock := &testClock{t: time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)} // a Monday
	env := map[string]string{"NIVARAN_DATABASE_URL": dbURL, "NIVARAN_SWEEP_SECONDS": "1"}
	a := mustRunMainAt(t, data, env, clock.Now)
	b := mustRunMainAt(t, data, env, clock.Now)
	ctx := context.Background()

	// Live events cross servers; a session made on A works on B.
	_, adminOnB := adminOnBoth(t, a, b)
	if r := adminOnB.get("/control/wall"); r.Status != 200 {
		t.Fatalf("A's session on B's wall: %d", r.Status)
	}
	stream := openSSE(t, adminOnB, "")
	start := time.Now()
	number := fileJSON(t, newClient(t, a), nil)["number"].(string)
	_, _, data1 := stream.next(t, time.Second)
	if !strings.Contains(data1, number) || !strings.Contains(data1, `"kind":"file"`) {
		t.Fatalf("B's wall got %s, want the filing of %s", data1, number)
	}
	t.Logf("filed on A, on B's wall %v after the 201", time.Since(start))
	// The photo-less complaint is readable from B at once.
	if r := newClient(t, b).get("/api/v1/complaints/" + number + "?mobile=9876543210"); r.Status != 200 {
		t.Fatalf("complaint filed on A, read on B: %d", r.Status)
	}

	// An escalation falls due: both schedulers run every second, and the
	// test sweeps from both servers at once besides.
	c, err := a.Store.Complaint(ctx, grievance.SystemActor, number)
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(c.Due.Add(time.Minute))
	var wg sync.WaitGroup
	for _, m := range []*Main{a, b, a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.Store.Sweep(ctx, clock.Now(), grievance.SweepOptions{WarnBefore: 24 * time.Hour, VerifyWithin: 7 * 24 * time.Hour}); err != nil {
				t.Errorf("sweep: %v", err)
			}
		}()
	}
	wg.Wait()
	time.Sleep(2500 * time.Millisecond) // both schedulers sweep twice more
	hist, err := b.Store.History(ctx, grievance.SystemActor, number)
	if err != nil {
		t.Fatal(err)
	}
	escalations := 0
	for _, e := range hist {
		if e.Kind == grievance.ActEscalate {
			escalations++
		}
	}
	c, _ = b.Store.Complaint(ctx, grievance.SystemActor, number)
	if escalations != 1 || c.Level != 2 || c.Escalations != 1 {
		t.Fatalf("after the deadline: %d escalation events, level %d, %d escalations; want exactly one", escalations, c.Level, c.Escalations)
	}
	ms, _ := a.Store.Masters(ctx)
	l2 := ms.OfficerByCode("mun-l2")
	var sent []grievance.Message
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		sent = sent[:0]
		msgs, err := b.Store.Messages(ctx, l2.Mobile, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.Event == "escalated" && strings.Contains(m.Text, number) {
				sent = append(sent, m)
			}
		}
		if len(sent) == 1 && sent[0].Status.Rank() >= grievance.MsgSent.Rank() {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(sent) != 1 || sent[0].Status.Rank() < grievance.MsgSent.Rank() || sent[0].Attempts != 1 {
		t.Fatalf("escalation SMS to mun-l2: %+v; want one, sent in one attempt", sent)
	}

	// Citizens file on both servers; A is killed meanwhile.
	load := startFilers(t, 8, a, b)
	time.Sleep(1500 * time.Millisecond)
	kill(a)
	atKill := len(load.Acked())
	time.Sleep(1500 * time.Millisecond)
	load.Stop()
	acked := load.Acked()
	if atKill == 0 || len(acked) <= atKill {
		t.Fatalf("%d complaints acknowledged before the kill, %d in all: B did not keep serving", atKill, len(acked))
	}
	for _, n := range acked {
		if _, err := b.Store.Complaint(ctx, grievance.SystemActor, n); err != nil {
			t.Errorf("acknowledged complaint %s: %v", n, err)
		}
	}
	if r := newClient(t, b).get("/readyz"); r.Status != 200 {
		t.Errorf("B after A died: readyz %d", r.Status)
	}
	t.Logf("%d complaints acknowledged (%d before A was killed), all present", len(acked), atKill)
}

// kill stops m abruptly: connections are cut mid-request, the background
// jobs stop and the database connections close, without the graceful
// shutdown's wait for requests in flight.
func kill(m *Main) {
	m.HTTP.Close()
	m.Close()
}

// TestWallCatchUpOnAnotherServer: on PostgreSQL the live wall's event IDs
// are the complaints' history event IDs, the same on every server. A wall
// that read up to an event on the first server and reconnects to the
// second (Last-Event-ID) gets there what was filed meanwhile on either, in
// order, and is not told to reload.
func TestWallCatchUpOnAnotherServer(t *testing.T) {
	dbURL := pgtest.MustDatabase(t)
	data := t.TempDir()
	env := map[string]string{"NIVARAN_DATABASE_URL": dbURL}
	a := MustRunMain(t, data, env)
	b := MustRunMain(t, data, env)
	ctx := context.Background()
	admin, adminOnB := adminOnBoth(t, a, b)
	eventOf := func(number string) string {
		t.Helper()
		h, err := a.Store.History(ctx, grievance.SystemActor, number)
		if err != nil || len(h) == 0 {
			t.Fatalf("history of %s: %v %v", number, h, err)
		}
		return strconv.FormatInt(h[0].ID, 10)
	}

	stream := openSSE(t, admin, "")
	first := fileJSON(t, newClient(t, a), nil)["number"].(string)
	id1, _, data1 := stream.next(t, 5*time.Second)
	if !strings.Contains(data1, first) || id1 != eventOf(first) {
		t.Fatalf("A's wall got %s %s, want the filing of %s as event %s", id1, data1, first, eventOf(first))
	}
	stream.res.Body.Close() // the wall loses A

	// Filed while the wall is away, on either server.
	missed := []string{
		fileJSON(t, newClient(t, b), nil)["number"].(string),
		fileJSON(t, newClient(t, a), nil)["number"].(string),
	}
	// B has heard both.
	last, _ := strconv.ParseInt(eventOf(missed[1]), 10, 64)
	for deadline := time.Now().Add(10 * time.Second); b.Bus.Last() != last; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("B's bus is at %d, want %d", b.Bus.Last(), last)
		}
	}

	re := openSSE(t, adminOnB, id1)
	for _, number := range missed {
		id, typ, data := re.next(t, 5*time.Second)
		if typ != "" || !strings.Contains(data, number) || id != eventOf(number) {
			t.Fatalf("B's wall after %s got %q %s %s, want the filing of %s as event %s", id1, typ, id, data, number, eventOf(number))
		}
	}
	// And goes on live.
	next := fileJSON(t, newClient(t, a), nil)["number"].(string)
	if id, _, data := re.next(t, 5*time.Second); !strings.Contains(data, next) || id != eventOf(next) {
		t.Fatalf("B's wall then got %s %s, want %s", id, data, next)
	}
}

// adminOnBoth signs the administrator in on server a and returns a client
// for a and one for b that carries the same session: a session made on one
// server must work on the other.
func adminOnBoth(t *testing.T, a, b *Main) (onA, onB *client) {
	t.Helper()
	onA = newClient(t, a)
	onA.login("admin", testAdminPassword)
	onB = newClient(t, b)
	onB.http.Jar = onA.http.Jar
	onB.http.Jar.SetCookies(mustURL(b.URL()), onA.http.Jar.Cookies(mustURL(a.URL())))
	return onA, onB
}
