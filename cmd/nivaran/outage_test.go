package main

import (
	"net/http"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/store/pgtest"
)

// TestDatabaseOutage: PostgreSQL (a private server: the shared one is never
// stopped) crashes while citizens file complaints. While it is down the
// server says it is not ready and answers 503 at once instead of hanging;
// when it is back the server recovers by itself, and every complaint that
// was acknowledged is there.
func TestDatabaseOutage(t *testing.T) {
	pg := pgtest.StartPrivate(t)
	m := MustRunMain(t, "", map[string]string{"NIVARAN_DATABASE_URL": pg.URL()})

	load := startFilers(t, 4, m)
	ready := func() int { return newClient(t, m).get("/readyz").Status }
	waitReady := func(want int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for ready() != want {
			if time.Now().After(deadline) {
				t.Fatalf("/readyz not %d within %v", want, within)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	time.Sleep(time.Second)
	pg.Kill()
	waitReady(http.StatusServiceUnavailable, 10*time.Second)
	before := load.Code(http.StatusServiceUnavailable)
	time.Sleep(1500 * time.Millisecond) // filings meet the dead database
	during := load.Code(http.StatusServiceUnavailable) - before
	pg.Start()
	waitReady(http.StatusOK, 30*time.Second)
	recovered := len(load.Acked())
	time.Sleep(1500 * time.Millisecond)
	load.Stop()

	if during == 0 {
		t.Errorf("no 503 while the database was down: %v", load.codes)
	}
	if len(load.failed) > 0 {
		t.Errorf("%d requests got no answer (first: %v)", len(load.failed), load.failed[0])
	}
	for code, n := range load.codes {
		if code != http.StatusCreated && code != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d", n, code)
		}
	}
	acked := load.Acked()
	if len(acked) <= recovered {
		t.Errorf("no complaint filed after the database came back (%d before)", recovered)
	}
	for _, n := range acked {
		if _, err := m.Store.Complaint(t.Context(), grievance.SystemActor, n); err != nil {
			t.Errorf("acknowledged complaint %s: %v", n, err)
		}
	}
	t.Logf("answers: %v; %d acknowledged, all present", load.codes, len(acked))
}
