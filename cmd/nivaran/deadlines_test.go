package main

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// TestEscalationBySchedulerInServer: with the server's clock moved past a
// deadline, the server's own scheduler moves the complaint to the next
// level, whose officer finds it in the inbox marked escalated and gets an
// SMS; the citizen sees it in the history.
func TestEscalationBySchedulerInServer(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)} // a Monday
	m := mustRunMainAt(t, "", map[string]string{"NIVARAN_SWEEP_SECONDS": "1"}, clock.Now)
	number := fileJSON(t, newClient(t, m), nil)["number"].(string)
	c, err := m.Store.Complaint(context.Background(), grievance.SystemActor, number)
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(c.Due.Add(time.Minute))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, _ = m.Store.Complaint(context.Background(), grievance.SystemActor, number); c.Level == 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	ms, _ := m.Store.Masters(context.Background())
	l2 := ms.OfficerByCode("mun-l2")
	if c.Level != 2 || c.AssigneeID != l2.ID || c.Escalations != 1 {
		t.Fatalf("after the deadline: level %d assignee %d, want mun-l2", c.Level, c.AssigneeID)
	}
	o := newClient(t, m)
	o.login("mun-l2", testDemoPassword)
	inbox := o.get("/officer")
	if !strings.Contains(inbox.Body, number) || !strings.Contains(inbox.Body, "1 बार ऊपर भेजी गई") {
		t.Error("the level-2 officer's inbox lacks the escalated complaint")
	}
	msgs := waitMessages(t, m, l2.Mobile, 1)
	if len(msgs) == 0 || msgs[0].Event != "escalated" || !strings.Contains(msgs[0].Text, number) {
		t.Errorf("escalation SMS to the officer: %+v", msgs)
	}
	// The officer it left is told too.
	l1 := ms.OfficerByCode("mun-l1")
	told := false
	for _, msg := range waitMessages(t, m, l1.Mobile, 2) {
		told = told || msg.Event == "escalated_away" && strings.Contains(msg.Text, number)
	}
	if !told {
		t.Error("the level-1 officer was not told that the complaint went up")
	}
	r := newClient(t, m).get("/api/v1/complaints/" + number + "?mobile=9876543210")
	if !strings.Contains(r.Body, `"action":"escalate"`) {
		t.Errorf("the citizen's history lacks the escalation: %s", r.Body)
	}
}

// TestCitizenVerifies: the citizen rejects a resolution on the public page
// (it reopens one level up), then confirms the next one (it closes).
func TestCitizenVerifies(t *testing.T) {
	m := MustRunMain(t, "", nil)
	number := fileJSON(t, newClient(t, m), nil)["number"].(string)
	report := func(login string) {
		o := newClient(t, m)
		tok := o.login(login, testDemoPassword)
		r := o.postMultipart("/officer/complaints/"+number+"/report", url.Values{"csrf": {tok}, "note": {"साफ़ कर दिया"},
			"lat": {"26.85"}, "long": {"80.95"}}, file{"photo", "saaf.png", pngImage(t)})
		if r.Status != 303 {
			t.Fatalf("%s report: %d\n%.800s", login, r.Status, r.Body)
		}
	}
	report("mun-l1")
	c := newClient(t, m)
	tr := c.get("/track")
	r := c.postForm("/track", url.Values{"csrf": {csrf(t, tr.Body)}, "number": {number}, "mobile": {"9876543210"}})
	page := c.get(r.Location)
	if !strings.Contains(page.Body, "क्या आपकी समस्या हल हो गई?") {
		t.Fatal("no verification question on a resolved complaint")
	}
	action := regexp.MustCompile(`action="(/c/\d+/reject\?t=[0-9a-f]+)"`).FindStringSubmatch(page.Body)
	if action == nil {
		t.Fatal("no reject form")
	}
	target := strings.ReplaceAll(action[1], "&amp;", "&")
	if r := c.postForm(target, url.Values{"csrf": {csrf(t, page.Body)}, "note": {" "}}); r.Status != 422 {
		t.Errorf("reject without a reason: %d", r.Status)
	}
	if r := c.postForm(target, url.Values{"csrf": {csrf(t, page.Body)}, "note": {"कूड़ा फिर पड़ा है"}}); r.Status != 303 {
		t.Fatalf("reject: %d\n%.800s", r.Status, r.Body)
	}
	got, _ := m.Store.Complaint(context.Background(), grievance.SystemActor, number)
	ms, _ := m.Store.Masters(context.Background())
	if got.Status != grievance.StatusReopened || got.AssigneeID != ms.OfficerByCode("mun-l2").ID {
		t.Fatalf("after rejection: %s with %d, want reopened with mun-l2", got.Status, got.AssigneeID)
	}
	// A forged token cannot answer for the citizen.
	if r := c.postForm("/c/"+number+"/confirm?t=00", url.Values{"csrf": {csrf(t, page.Body)}}); r.Status != 404 {
		t.Errorf("forged token: %d", r.Status)
	}
	report("mun-l2")
	page = c.get(strings.Replace(target, "/reject?", "?", 1))
	confirm := regexp.MustCompile(`action="(/c/\d+/confirm\?t=[0-9a-f]+)"`).FindStringSubmatch(page.Body)
	if confirm == nil {
		t.Fatalf("no confirm form:\n%.1500s", page.Body)
	}
	if r := c.postForm(confirm[1], url.Values{"csrf": {csrf(t, page.Body)}}); r.Status != 303 {
		t.Fatalf("confirm: %d", r.Status)
	}
	if got, _ := m.Store.Complaint(context.Background(), grievance.SystemActor, number); got.Status != grievance.StatusClosed {
		t.Errorf("after confirmation: %s, want closed", got.Status)
	}
}
