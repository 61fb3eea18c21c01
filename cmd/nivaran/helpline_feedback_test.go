package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/diago"

	"nivaran/internal/grievance"
)

// TestHelplineFeedbackCallOnResolution: the verification step calls the
// citizen of a resolution left unanswered for a day (the default
// NIVARAN_FEEDBACK_CALL_AFTER), through the trunk, once: a citizen who
// presses 1 has the complaint closed as confirmed, one who presses 2 has
// it reopened one level up, one who presses nothing keeps it resolved (the
// sweep closes it unverified later). No more calls than
// NIVARAN_FEEDBACK_CALL_LINES at once, and none repeated on later sweeps.
func TestHelplineFeedbackCallOnResolution(t *testing.T) {
	keys := map[string]rune{"9800000001": '1', "9800000002": '2', "9800000003": 0}
	var (
		mu           sync.Mutex
		invites      = map[string]int{}
		active, most int
	)
	citizen := newTestPhone(t, func(d *diago.DialogServerSession) {
		number := d.ToUser()
		mu.Lock()
		invites[number]++
		active++
		most = max(most, active)
		mu.Unlock()
		defer func() { mu.Lock(); active--; mu.Unlock() }()
		med, err := d.Answer(diago.AnswerOptions{})
		if err != nil {
			return
		}
		go med.Listen() // the phone's own reader; the test needs nothing from it
		time.Sleep(300 * time.Millisecond)
		if k := keys[number]; k != 0 {
			dw, err := med.AudioWriterDTMF()
			if err != nil {
				t.Error(err)
				return
			}
			dw.WriteDTMF(k)
		}
		// The server thanks and hangs up after a key; without one, the
		// citizen hangs up.
		select {
		case <-d.Context().Done():
		case <-time.After(time.Second):
			d.Hangup(context.Background())
		}
	})
	clock := &testClock{t: time.Now().UTC().Truncate(time.Millisecond)}
	m := mustRunMainAt(t, "", map[string]string{"NIVARAN_SIP_ADDR": "127.0.0.1:0", "NIVARAN_SIP_PROMPTS": shortPrompts(t),
		"NIVARAN_SIP_TRUNK_DIAL": "sip:{n}@" + citizen.conn.LocalAddr().String(), "NIVARAN_SWEEP_SECONDS": "1",
		"NIVARAN_FEEDBACK_CALL_LINES": "2"}, clock.Now)
	ctx := context.Background()
	api := newClient(t, m)
	officer := mustMasters(t, m).OfficerByCode("mun-l1")
	u, err := m.Store.UserByLogin(ctx, "mun-l1")
	if err != nil {
		t.Fatal(err)
	}
	actor := grievance.Actor{UserID: u.ID, Login: u.Login, Roles: u.Roles, Officer: officer}
	complaints := map[string]*grievance.Complaint{}
	for mobile := range keys {
		lang := "hi"
		if mobile == "9800000002" {
			lang = "en"
		}
		number := fileJSON(t, api, map[string]any{"mobile": mobile, "language": lang})["number"].(string)
		c, err := m.Store.Act(ctx, actor, number, grievance.Action{Kind: grievance.ActReport, Note: "cleared",
			Photos: []grievance.Upload{{ContentType: "image/png", Data: pngImage(t)}}, Location: &grievance.Point{Lat: 26.8468, Long: 80.9463}})
		if err != nil {
			t.Fatal(err)
		}
		if c.AssigneeID != officer.ID || c.Status != grievance.StatusResolved {
			t.Fatalf("resolved %s: %+v, want with mun-l1", number, c)
		}
		complaints[mobile] = c
	}
	// Before the day is over no call is placed.
	time.Sleep(2500 * time.Millisecond)
	mu.Lock()
	early := len(invites)
	mu.Unlock()
	if early != 0 {
		t.Fatalf("calls before the delay: %v", invites)
	}

	clock.Set(clock.Now().Add(24*time.Hour + time.Minute))
	deadline := time.Now().Add(60 * time.Second)
	for {
		done := 0
		for _, c := range complaints {
			fs, err := m.Store.FeedbackCalls(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) == 1 && !fs[0].DoneAt.IsZero() {
				done++
			}
		}
		if done == len(complaints) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d feedback calls done; invites %v", done, len(complaints), invites)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // two more sweeps: nothing is called again

	check := func(mobile string, status grievance.Status, answer string, note string) {
		t.Helper()
		c := complaints[mobile]
		got, err := m.Store.Complaint(ctx, grievance.SystemActor, c.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != status {
			t.Errorf("%s (key %q): status %s, want %s", c.Number, keys[mobile], got.Status, status)
		}
		fs, _ := m.Store.FeedbackCalls(ctx, c.ID)
		if len(fs) != 1 || fs[0].Answer != answer {
			t.Errorf("%s: feedback calls %+v, want one with answer %q", c.Number, fs, answer)
		}
		h, err := m.Store.History(ctx, grievance.SystemActor, c.Number)
		if err != nil {
			t.Fatal(err)
		}
		last := h[len(h)-1]
		if note == "" {
			if last.Kind != grievance.ActReport {
				t.Errorf("%s: last event %+v, want the officer's report still", c.Number, last)
			}
			return
		}
		if !strings.Contains(last.Note, note) || !strings.Contains(last.Note, "फ़ोन") {
			t.Errorf("%s: last event note %q, want %q and the Hindi", c.Number, last.Note, note)
		}
	}
	check("9800000001", grievance.StatusClosed, "1", "Confirmed by phone")
	check("9800000002", grievance.StatusReopened, "2", "Said by phone (feedback call, key 2): not solved")
	check("9800000003", grievance.StatusResolved, "", "")
	if got, _ := m.Store.Complaint(ctx, grievance.SystemActor, complaints["9800000002"].Number); got != nil && got.AssigneeID == officer.ID {
		t.Errorf("not solved: still with mun-l1, want one level up")
	}
	mu.Lock()
	defer mu.Unlock()
	for mobile := range keys {
		if invites[mobile] != 1 {
			t.Errorf("%s called %d times, want once", mobile, invites[mobile])
		}
	}
	if most > 2 {
		t.Errorf("%d feedback calls at once, want at most NIVARAN_FEEDBACK_CALL_LINES=2", most)
	}
	calls, _ := m.Store.Calls(ctx, clock.Now().Add(-time.Hour), clock.Now().Add(time.Hour), 10)
	recorded := map[string]string{}
	for _, c := range calls {
		if c.Outcome == "feedback" && c.Direction == "out" && c.RecordingKey != "" {
			recorded[c.Caller] = c.Complaint
		}
	}
	for mobile, c := range complaints {
		if recorded[mobile] != c.Number {
			t.Errorf("call to %s recorded for %q, want an answered, recorded call linked to %s: %+v", mobile, recorded[mobile], c.Number, calls)
		}
	}
}
