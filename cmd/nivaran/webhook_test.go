package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"nivaran/internal/webhook"
)

// TestWebhooksEndToEnd: the administrator adds a webhook on its page (the
// secret is shown once, the change is audited); filing through the API
// and the officer's acceptance reach a real receiver, signed with that
// secret, once each; the delivery log shows them; an officer cannot open
// the page.
func TestWebhooksEndToEnd(t *testing.T) {
	m := MustRunMain(t, "", nil)
	var mu sync.Mutex
	got := map[string]int{}
	var secret string
	bad := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if webhook.Verify(secret, r.Header.Get("X-Nivaran-Signature"), r.Header.Get("X-Nivaran-Timestamp"), body, time.Now(), 5*time.Minute) != nil {
			bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p struct {
			Event     string
			Complaint struct{ Number, Status string }
		}
		json.Unmarshal(body, &p)
		got[p.Event+" "+p.Complaint.Number+" "+p.Complaint.Status]++
	}))
	defer rcv.Close()

	admin := newClient(t, m)
	admin.lang = "en"
	tok := admin.login("admin", testAdminPassword)
	page := admin.get("/admin/webhooks")
	if page.Status != 200 || !strings.Contains(page.Body, "No webhooks yet.") {
		t.Fatalf("webhooks page: %d\n%.600s", page.Status, page.Body)
	}
	r := admin.postForm("/admin/webhooks", url.Values{"csrf": {tok}, "url": {"not a url"}, "events": {"complaint.registered"}})
	if r.Status != 422 || !strings.Contains(r.Body, "Enter a full address") {
		t.Fatalf("bad URL: %d", r.Status)
	}
	if n := auditCount(t, m, "webhook"); n != 0 {
		t.Fatalf("a refused webhook was audited (%d)", n)
	}
	r = admin.postForm("/admin/webhooks", url.Values{"csrf": {tok}, "url": {rcv.URL + "/hook"},
		"events": {"complaint.registered", "complaint.status_changed"}})
	if r.Status != 200 {
		t.Fatalf("add webhook: %d\n%.600s", r.Status, r.Body)
	}
	sm := regexp.MustCompile(`<code id="webhook-secret">([0-9a-f]{64})</code>`).FindStringSubmatch(r.Body)
	if sm == nil {
		t.Fatalf("the new webhook's secret is not shown:\n%.1500s", r.Body)
	}
	mu.Lock()
	secret = sm[1]
	mu.Unlock()
	if again := admin.get("/admin/webhooks"); strings.Contains(again.Body, secret) {
		t.Fatal("the secret is shown a second time")
	}
	if n := auditCount(t, m, "webhook"); n != 1 {
		t.Fatalf("audit entries for webhooks = %d, want 1", n)
	}

	number := fileJSON(t, newClient(t, m), nil)["number"].(string)
	officer := newClient(t, m)
	otok := officer.login("mun-l1", testDemoPassword)
	if r := officer.postForm("/officer/complaints/"+number+"/accept", url.Values{"csrf": {otok}}); r.Status != 303 {
		t.Fatalf("accept: %d", r.Status)
	}
	want := []string{"complaint.registered " + number + " assigned", "complaint.status_changed " + number + " in_progress"}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := got[want[0]] + got[want[1]]
		mu.Unlock()
		if n >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // a duplicate, if any, would come within a poll
	mu.Lock()
	for _, w := range want {
		if got[w] != 1 {
			t.Errorf("%q received %d times, want once (all: %v)", w, got[w], got)
		}
	}
	if len(got) != 2 || bad != 0 {
		t.Errorf("received %v with %d bad signatures; want exactly the two events", got, bad)
	}
	mu.Unlock()
	logPage := admin.get("/admin/webhooks")
	if c := strings.Count(logPage.Body, "Delivered"); c < 2 || !strings.Contains(logPage.Body, number) {
		t.Errorf("the delivery log shows %d delivered, or lacks %s", c, number)
	}

	if r := officer.get("/admin/webhooks"); r.Status != 403 {
		t.Errorf("officer at /admin/webhooks: %d, want 403", r.Status)
	}
	if r := officer.postForm("/admin/webhooks", url.Values{"csrf": {otok}, "url": {"https://x.example"}, "events": {"complaint.registered"}}); r.Status != 403 {
		t.Errorf("officer adding a webhook: %d, want 403", r.Status)
	}
	id := regexp.MustCompile(`action="/admin/webhooks/(\d+)/delete"`).FindStringSubmatch(logPage.Body)
	if id == nil {
		t.Fatal("no remove button")
	}
	if r := officer.postForm("/admin/webhooks/"+id[1]+"/delete", url.Values{"csrf": {otok}}); r.Status != 403 {
		t.Errorf("officer removing a webhook: %d, want 403", r.Status)
	}
	if r := admin.postForm("/admin/webhooks/"+id[1]+"/delete", url.Values{"csrf": {tok}}); r.Status != 303 {
		t.Fatalf("remove: %d", r.Status)
	}
	if r := admin.postForm("/admin/webhooks/"+id[1]+"/delete", url.Values{"csrf": {tok}}); r.Status != 404 {
		t.Errorf("remove twice: %d, want 404", r.Status)
	}
	if r := admin.postForm("/admin/webhooks/x/delete", url.Values{"csrf": {tok}}); r.Status != 404 {
		t.Errorf("remove x: %d, want 404", r.Status)
	}
	if n := auditCount(t, m, "webhook"); n != 2 {
		t.Errorf("audit entries for webhooks = %d, want 2", n)
	}
}
