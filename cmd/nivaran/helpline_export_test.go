package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
)

// TestCallReportExport: the control room downloads the day's call report
// as CSV (the calls, the agents, the calls per hour) and as one XLSX
// workbook; both hold what the page shows, in Hindi, numbers as numbers,
// the callers' numbers masked, and a cell a spreadsheet would run as a
// formula (a number dialled as +91…) neutralised. Bad requests get a
// message, not a file; an agent gets 403.
func TestCallReportExport(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)} // 14:30 IST
	m := mustRunMainAt(t, "", map[string]string{"NIVARAN_SWEEP_SECONDS": "3600"}, clock.Now)
	ctx := context.Background()
	cat := i18n.MustLoad()
	agentUser := &grievance.User{Login: "agent5", Name: "एजेंट पाँच", Roles: []grievance.Role{grievance.RoleAgent},
		PasswordHash: auth.HashPassword("agent-password-5", auth.DefaultParams)}
	if err := m.Store.CreateUser(ctx, agentUser); err != nil {
		t.Fatal(err)
	}
	if err := m.Store.SetSIPAgent(ctx, grievance.SIPAgent{UserID: agentUser.ID, SIPUser: "agent5", HA1: "h",
		Languages: []grievance.Lang{grievance.Hindi}, Helplines: []string{"district"}}); err != nil {
		t.Fatal(err)
	}
	ist := time.FixedZone("IST", 5*3600+1800)
	t0 := time.Date(2026, 12, 7, 10, 15, 0, 0, ist)
	for _, tr := range []grievance.AgentTransition{
		{UserID: agentUser.ID, From: grievance.AgentOffline, To: grievance.AgentAvailable, At: t0.Add(-time.Hour)},
		{UserID: agentUser.ID, From: grievance.AgentAvailable, To: grievance.AgentOnCall, At: t0.Add(12 * time.Second)},
		{UserID: agentUser.ID, From: grievance.AgentOnCall, To: grievance.AgentAvailable, At: t0.Add(2 * time.Minute)},
	} {
		if err := m.Store.AgentTransitioned(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	calls := []*grievance.CallRecord{
		{Direction: "in", Helpline: "district", DID: "1076", Caller: "9812345678", Language: grievance.Hindi, Arrived: t0,
			Queued: t0.Add(5 * time.Second), Answered: t0.Add(12 * time.Second), Ended: t0.Add(2 * time.Minute), HungUpBy: "caller",
			Outcome: "answered", AgentID: agentUser.ID, Complaint: "26120000001"},
		{Direction: "in", Helpline: "district", DID: "+915224076", Caller: "+919811112222", Language: grievance.English,
			Arrived: t0.Add(10 * time.Minute), Queued: t0.Add(10*time.Minute + 4*time.Second), Ended: t0.Add(11 * time.Minute),
			HungUpBy: "caller", Outcome: "abandoned"},
		{Direction: "out", Helpline: "district", Caller: "9800000003", Language: grievance.Hindi, Arrived: t0.Add(3 * time.Hour),
			Ended: t0.Add(3*time.Hour + 30*time.Second), Outcome: "no_answer", Complaint: "26120000002"},
	}
	for _, c := range calls {
		if err := m.Store.SaveCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	admin := newClient(t, m) // Hindi
	admin.login("admin", testAdminPassword)
	const base = "/control/calls?day=2026-12-07"
	page := admin.get(base)
	for _, link := range []string{"format=csv\"", "format=csv&amp;table=agents", "format=csv&amp;table=hours", "format=xlsx"} {
		if !strings.Contains(page.Body, link) {
			t.Errorf("calls page: no export link %q", link)
		}
	}
	hi := func(key string) string { return cat.T("hi", key) }

	rows := parseCSV(t, admin.get(base+"&format=csv"))
	want := [][]string{
		{hi("calls.arrived"), hi("calls.direction"), hi("calls.caller"), hi("calls.helpline"), "DID", hi("calls.language"), hi("calls.outcome"),
			hi("helpline.agent"), hi("calls.wait_s"), hi("calls.talk_s"), hi("calls.complaint")},
		{"2026-12-07 10:15:00", "आने वाली", "xxxxxx5678", "district", "1076", "हिन्दी", hi("calls.outcome.answered"), "agent5", "7", "108", "26120000001"},
		{"2026-12-07 10:25:00", "आने वाली", "xxxxxxxxx2222", "district", "'+915224076", "अंग्रेज़ी", hi("calls.outcome.abandoned"), "", "56", "0", ""},
		{"2026-12-07 13:15:00", "जाने वाली", "xxxxxx0003", "district", "", "हिन्दी", "उत्तर नहीं मिला", "", "0", "0", "26120000002"},
	}
	// The page lists the newest first; the export keeps the page's order.
	slices.SortFunc(rows[1:], func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("calls CSV:\n got %q\nwant %q", rows, want)
	}
	agents := parseCSV(t, admin.get(base+"&format=csv&table=agents"))
	if len(agents) != 2 || agents[1][0] != "agent5" || agents[1][1] != "1" || agents[1][2] != "108" ||
		!slices.Contains(agents[0], hi("agent.status.on_call")+" (s)") {
		t.Errorf("agents CSV: %q", agents)
	}
	oncall := slices.Index(agents[0], hi("agent.status.on_call")+" (s)")
	if oncall < 0 || agents[1][oncall] != "108" {
		t.Errorf("agents CSV: time on call %q, want 108 s", agents)
	}
	hours := parseCSV(t, admin.get(base+"&format=csv&table=hours"))
	if len(hours) != 25 || hours[11][0] != "10:00" || hours[11][1] != "2" || hours[14][1] != "0" {
		t.Errorf("hours CSV: %q, want two incoming calls at 10:00 (the outgoing one is not counted)", hours)
	}

	x := openXLSX(t, admin.get(base+"&format=xlsx"))
	if got := x.GetSheetList(); !slices.Equal(got, []string{"calls", "agents", "hours"}) {
		t.Fatalf("sheets %q", got)
	}
	for sheet, csvRows := range map[string][][]string{"calls": rows, "agents": agents, "hours": hours} {
		got, err := x.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if sheet == "calls" {
			slices.SortFunc(got[1:], func(a, b []string) int { return strings.Compare(a[0], b[0]) })
		}
		for i := range got { // excelize drops trailing empty cells
			for len(got[i]) < len(csvRows[i]) {
				got[i] = append(got[i], "")
			}
		}
		if !slices.EqualFunc(got, csvRows, slices.Equal) {
			t.Errorf("sheet %s:\n got %q\nwant %q", sheet, got, csvRows)
		}
	}
	if typ, _ := x.GetCellType("calls", "I2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("wait is stored as text (%v), want a number", typ)
	}

	// Bad requests: a message in Hindi, no file; other roles: 403.
	for _, q := range []string{"&format=pdf", "&format=csv&table=everything"} {
		r := admin.get(base + q)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "निर्यात") || strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("GET %s: %d, want 422 with the Hindi message\n%.300s", q, r.Status, r.Body)
		}
	}
	agent := newClient(t, m)
	agent.login("agent5", "agent-password-5")
	if r := agent.get(base + "&format=csv"); r.Status != http.StatusForbidden || strings.Contains(r.Body, "xxxxxx5678") {
		t.Errorf("agent exports the call report: %d, want 403", r.Status)
	}
}
