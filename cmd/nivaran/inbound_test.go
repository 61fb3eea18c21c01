package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// inboundSMS delivers a text message from mobile to the server as the
// gateway's webhook would.
func inboundSMS(t *testing.T, c *client, m *Main, from, text string) response {
	t.Helper()
	q := url.Values{"t": {m.SMS.signer.Token("log", "inbound")}, "from": {from}, "text": {text}}
	return c.get("/sms/inbound/log?" + q.Encode())
}

// waitMessages waits until mobile has at least n messages and returns them,
// newest first.
func waitMessages(t *testing.T, m *Main, mobile string, n int) []grievance.Message {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		msgs, err := m.Store.Messages(context.Background(), mobile, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) >= n || time.Now().After(deadline) {
			return msgs
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestInboundSMS: a citizen without a smartphone files by text message
// and asks for the status by text message; each answer comes as an SMS.
func TestInboundSMS(t *testing.T) {
	m := MustRunMain(t, "", nil)
	c := newClient(t, m)
	const mobile = "9866666666"
	if r := inboundSMS(t, c, m, "+91"+mobile, "SHIKAYAT गली 4 में तीन दिन से पानी नहीं आया"); r.Status != 200 {
		t.Fatalf("inbound complaint: %d %s", r.Status, r.Body)
	}
	page, err := m.Store.Search(context.Background(), grievance.SystemActor, grievance.ComplaintFilter{Mobile: mobile})
	if err != nil || len(page.Complaints) != 1 {
		t.Fatalf("complaints of %s: %d %v", mobile, len(page.Complaints), err)
	}
	cpl := page.Complaints[0]
	if cpl.Channel != grievance.ChannelSMS || cpl.Status != grievance.StatusRegistered || cpl.Department != "" ||
		!strings.Contains(cpl.Description, "पानी नहीं आया") {
		t.Errorf("SMS complaint: %+v", cpl)
	}
	msgs := waitMessages(t, m, mobile, 1)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, cpl.Number) || msgs[0].Lang != grievance.Hindi {
		t.Fatalf("acknowledgement: %+v", msgs)
	}
	// The control room sees it in its queue and places it.
	admin := newClient(t, m)
	tok := admin.login("admin", testAdminPassword)
	if r := admin.get("/control?status=registered"); !strings.Contains(r.Body, cpl.Number) {
		t.Error("SMS complaint not in the control room's queue")
	}
	ms, _ := m.Store.Masters(context.Background())
	r := admin.postForm("/officer/complaints/"+cpl.Number+"/reassign", url.Values{"csrf": {tok}, "department": {"jalkal"},
		"category": {"jal-no-supply"}, "area": {"w-z1-aminabad"}, "officer": {itoa(ms.OfficerByCode("jalkal-l1").ID)}})
	if r.Status != 303 {
		t.Fatalf("triage: %d\n%.1500s", r.Status, r.Body)
	}
	// Status by SMS: only to the number that filed it.
	if r := inboundSMS(t, c, m, mobile, "status "+cpl.Number); r.Status != 200 {
		t.Fatalf("status: %d", r.Status)
	}
	msgs = waitMessages(t, m, mobile, 2)
	if msgs[0].Event != "status" || !strings.Contains(msgs[0].Text, "अधिकारी को सौंपी गई") {
		t.Errorf("status reply: %+v", msgs[0])
	}
	const stranger = "9877777777"
	inboundSMS(t, c, m, stranger, "STATUS "+cpl.Number)
	if got := waitMessages(t, m, stranger, 1); len(got) != 1 || got[0].Event != "unknown" || strings.Contains(got[0].Text, "सौंपी") {
		t.Errorf("stranger's status reply: %+v", got)
	}
	// Anything else gets help.
	inboundSMS(t, c, m, "9888888888", "hello?")
	if got := waitMessages(t, m, "9888888888", 1); len(got) != 1 || got[0].Event != "help" {
		t.Errorf("help reply: %+v", got)
	}
	// Bad token, bad sender.
	if r := c.get("/sms/inbound/log?t=forged&from=" + mobile + "&text=SHIKAYAT+x"); r.Status != 403 {
		t.Errorf("forged token: %d", r.Status)
	}
	q := url.Values{"t": {m.SMS.signer.Token("log", "inbound")}, "from": {"12345"}, "text": {"SHIKAYAT x"}}
	if r := c.get("/sms/inbound/log?" + q.Encode()); r.Status != 400 {
		t.Errorf("bad sender: %d", r.Status)
	}
	// A flood from one number: after 10 an hour, no more complaints or replies.
	const flood = "9899999999"
	for range 15 {
		inboundSMS(t, c, m, flood, "SHIKAYAT बार बार")
	}
	page, _ = m.Store.Search(context.Background(), grievance.SystemActor, grievance.ComplaintFilter{Mobile: flood})
	if len(page.Complaints) != 10 {
		t.Errorf("flood made %d complaints, want 10", len(page.Complaints))
	}
}
