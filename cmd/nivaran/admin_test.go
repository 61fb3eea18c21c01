package main

import (
	"context"
	"net/url"
	"nivaran/internal/grievance"
	"strings"
	"testing"
	"time"
)

// TestAdminSMSPage: the administrator sees the templates with their DLT IDs
// and the messages that went out (with the log gateway: what would have been
// sent), and can send a test message; an officer cannot open the page.
func TestAdminSMSPage(t *testing.T) {
	m := MustRunMain(t, "", nil)
	number := fileJSON(t, newClient(t, m), nil)["number"].(string)
	admin := newClient(t, m)
	admin.lang = "en"
	admin.login("admin", testAdminPassword)
	deadline := time.Now().Add(10 * time.Second)
	var page response
	for time.Now().Before(deadline) {
		page = admin.get("/admin/sms")
		if strings.Contains(page.Body, number) && strings.Contains(page.Body, "delivered") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{"log", "DLT template ID", number, "delivered", "xxxxxx3210"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("SMS page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "9876543210") {
		t.Error("SMS page shows a full mobile number")
	}
	tok := csrf(t, page.Body)
	if r := admin.postForm("/admin/sms/test", url.Values{"csrf": {tok}, "mobile": {"12"}, "template": {"0"}}); r.Status != 422 || !strings.Contains(r.Body, "10-digit") {
		t.Errorf("bad mobile: %d", r.Status)
	}
	if r := admin.postForm("/admin/sms/test", url.Values{"csrf": {tok}, "mobile": {"9855555555"}, "template": {"0"}}); r.Status != 303 {
		t.Fatalf("test message: %d\n%.800s", r.Status, r.Body)
	}
	msgs, err := m.Store.Messages(context.Background(), "9855555555", 5)
	if err != nil || len(msgs) != 1 || !strings.HasPrefix(msgs[0].Event, "test:") || msgs[0].TemplateID == "" {
		t.Fatalf("test message not queued: %+v %v", msgs, err)
	}
	officer := newClient(t, m)
	officer.login("mun-l1", testDemoPassword)
	if r := officer.get("/admin/sms"); r.Status != 403 {
		t.Errorf("officer at /admin/sms: %d, want 403", r.Status)
	}
}

// TestControlRoomSeesFailedOfficerSMS: when an officer's SMS fails for
// good, the control room's page says so, one click from the complaint.
func TestControlRoomSeesFailedOfficerSMS(t *testing.T) {
	m := MustRunMain(t, "", map[string]string{"NIVARAN_SMS_GATEWAY": "off"})
	number := fileJSON(t, newClient(t, m), nil)["number"].(string)
	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	if r := admin.get("/control"); strings.Contains(r.Body, `class="attention"`) {
		t.Fatal("attention list shown with nothing failed")
	}
	c, err := m.Store.Complaint(context.Background(), grievance.SystemActor, number)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Store.QueueMessages(context.Background(), []grievance.Message{{Key: "x", ComplaintID: c.ID, Event: "registered",
		Audience: "officer", To: "9000000001", Lang: "hi", TemplateID: "1", Text: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := m.Store.Messages(context.Background(), "9000000001", 1)
	m.Store.UpdateMessage(context.Background(), grievance.MessageUpdate{ID: msgs[0].ID, Status: grievance.MsgUndelivered, Error: "dlt_631"})
	r := admin.get("/control")
	if !strings.Contains(r.Body, `class="attention"`) || !strings.Contains(r.Body, `href="/officer/complaints/`+number+`"`) || !strings.Contains(r.Body, "dlt_631") {
		t.Errorf("attention list lacks the failed SMS of %s", number)
	}
}
