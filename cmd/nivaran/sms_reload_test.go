package main

import (
	"net/url"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/notify"
	"nivaran/internal/store/pgtest"
)

// TestSMSTemplateEditOnSeveralServers: with two servers on one PostgreSQL
// database, an SMS template edited on one is used by the other for its
// next message without a restart, and a reset on the other brings the
// registered default back on the first.
func TestSMSTemplateEditOnSeveralServers(t *testing.T) {
	dbURL := pgtest.MustDatabase(t)
	data := t.TempDir()
	env := map[string]string{"NIVARAN_DATABASE_URL": dbURL}
	a := MustRunMain(t, data, env)
	b := MustRunMain(t, data, env)
	const path = "/admin/sms/templates/registered/citizen/en"
	const newText = "Your complaint {#number#} is with {#department#}. Status: {#track#}"
	const dlt = "1107161234567890123"

	admin := newClient(t, a)
	admin.lang = "en"
	tok := admin.login("admin", testAdminPassword)
	if r := admin.postForm(path, url.Values{"csrf": {tok}, "dlt_id": {dlt}, "text": {newText}}); r.Status != 303 {
		t.Fatalf("save on A: %d\n%.800s", r.Status, r.Body)
	}
	waitTemplate(t, b, dlt)
	number := fileJSON(t, newClient(t, b), map[string]any{"mobile": "9811100001", "language": "en"})["number"].(string)
	filed := mustFiled(t, b.Store, number)
	want := "Your complaint " + number + " is with " + notify.Fit(filed.ms.Department(filed.c.Department).Name.En) + ". Status: " + b.Config.SMS.TrackURL
	if m := registeredSMS(t, b, filed); m.Text != want || m.TemplateID != dlt {
		t.Fatalf("SMS of a complaint filed on B after the edit on A: %q (template %s), want %q (%s)", m.Text, m.TemplateID, want, dlt)
	}

	adminB := newClient(t, b)
	adminB.lang = "en"
	tokB := adminB.login("admin", testAdminPassword)
	if r := adminB.postForm(path+"/reset", url.Values{"csrf": {tokB}}); r.Status != 303 {
		t.Fatalf("reset on B: %d\n%.500s", r.Status, r.Body)
	}
	def, _ := a.SMS.catalog.Template(notify.EventRegistered, notify.Citizen, grievance.English)
	waitTemplate(t, a, def.DLTID)
	filed = mustFiled(t, a.Store, fileJSON(t, newClient(t, a), map[string]any{"mobile": "9811100002", "language": "en"})["number"].(string))
	if m := registeredSMS(t, a, filed); m.Text != filed.registeredCitizen(a.Config.SMS.TrackURL) {
		t.Fatalf("SMS of a complaint filed on A after the reset on B: %q, want %q", m.Text, filed.registeredCitizen(a.Config.SMS.TrackURL))
	}
}

// waitTemplate waits until m's English registration SMS to citizens is the
// template with DLT ID dlt (another server's edit arrives by NOTIFY).
func waitTemplate(t *testing.T, m *Main, dlt string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		cur, ok := m.SMS.planner.Catalogue().Template(notify.EventRegistered, notify.Citizen, grievance.English)
		if ok && cur.DLTID == dlt {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10s the server's template is %s, want %s", cur.DLTID, dlt)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// registeredSMS is the citizen's registration SMS of f as queued.
func registeredSMS(t *testing.T, m *Main, f filed) grievance.Message {
	t.Helper()
	for _, g := range complaintSMS(t, m.Store, f.c.ID) {
		if g.Event == notify.EventRegistered && g.Audience == notify.Citizen {
			return g
		}
	}
	t.Fatalf("complaint %s: no registration SMS to the citizen queued", f.c.Number)
	return grievance.Message{}
}
