package main

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// parseCSV checks that an export is a UTF-8 CSV with a byte-order mark and
// returns its records.
func parseCSV(t *testing.T, r response) [][]string {
	t.Helper()
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: status %d, type %q\n%.500s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	if !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("export is not an attachment: %q", r.Header.Get("Content-Disposition"))
	}
	body, ok := strings.CutPrefix(r.Body, "\ufeff")
	if !ok {
		t.Fatal("export lacks the UTF-8 byte-order mark (Excel would garble Hindi)")
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, body)
	}
	return recs
}

// TestReportsDefaultersAndScorecard: through the server, an officer
// resolves one complaint in time (the citizen confirms it) and lets another
// pass its deadline. The control room then sees the officer among the
// defaulters and in the month's scorecard, in Hindi and English, and exports
// both as CSV; an officer may not see either.
func TestReportsDefaultersAndScorecard(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 12, 7, 5, 30, 0, 0, time.UTC)} // Monday 11:00 IST
	// One sweep at start, then none during the test: the overdue complaint
	// stays with its officer instead of climbing the ladder.
	m := mustRunMainAt(t, "", map[string]string{"NIVARAN_SWEEP_SECONDS": "3600"}, clock.Now)
	ctx := context.Background()

	// A designation that a spreadsheet would run as a formula: the export
	// must neutralise it.
	crafted := craftDesignation(t, m)

	citizen := newClient(t, m)
	a := fileJSON(t, citizen, nil)
	b := fileJSON(t, citizen, nil)
	numA, numB := a["number"].(string), b["number"].(string)

	// Two hours later the officer reports A, with the proof the category needs.
	clock.Set(clock.Now().Add(2 * time.Hour))
	officer := newClient(t, m)
	otok := officer.login("mun-l1", testDemoPassword)
	if r := officer.postMultipart("/officer/complaints/"+numA+"/report", url.Values{
		"csrf": {otok}, "note": {"कूड़ा उठवा दिया गया"}, "lat": {"26.8468"}, "long": {"80.9463"},
	}, file{"photo", "saaf.png", pngImage(t)}); r.Status != http.StatusSeeOther {
		t.Fatalf("report: %d\n%.800s", r.Status, r.Body)
	}
	// The citizen confirms it on the public page.
	page := citizen.get(a["track_url"].(string))
	confirm := regexp.MustCompile(`action="(/c/\d+/confirm\?t=[0-9a-f]+)"`).FindStringSubmatch(page.Body)
	if confirm == nil {
		t.Fatalf("no confirm form:\n%.1500s", page.Body)
	}
	if r := citizen.postForm(confirm[1], url.Values{"csrf": {csrf(t, page.Body)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", r.Status)
	}

	// B passes its deadline with the officer.
	cb, err := m.Store.Complaint(ctx, grievance.SystemActor, numB)
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(cb.Due.Add(time.Hour))

	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	ctl := admin.get("/control")
	if !strings.Contains(ctl.Body, `href="/control/defaulters"`) || !strings.Contains(ctl.Body, `href="/control/scorecard"`) {
		t.Error("the control room does not link the reports")
	}

	d := admin.get("/control/defaulters")
	if d.Status != http.StatusOK {
		t.Fatalf("defaulters: %d\n%.800s", d.Status, d.Body)
	}
	for _, want := range []string{"<caption>", `<th scope="col">अधिकारी</th>`, `<th scope="row">=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)`, "<td>1</td>", "नगर निगम"} {
		if !strings.Contains(d.Body, want) {
			t.Errorf("defaulters page lacks %q", want)
		}
	}
	recs := parseCSV(t, admin.get("/control/defaulters?format=csv"))
	if len(recs) != 2 {
		t.Fatalf("defaulters export: %d records, want header and one officer: %q", len(recs), recs)
	}
	if got := strings.Join(recs[0], "|"); got != "अधिकारी|विभाग|स्तर|समय-सीमा पार शिकायतें|सबसे पुरानी समय-सीमा" {
		t.Errorf("defaulters header = %q", got)
	}
	row := recs[1]
	if !strings.HasPrefix(row[0], "'"+crafted) || row[3] != "1" || row[4] != cb.Due.In(m.Config.Location).Format("2006-01-02 15:04") {
		t.Errorf("defaulters row = %q, want the neutralised designation, 1 overdue, due %v", row, cb.Due)
	}

	sc := admin.get("/control/scorecard?by=officer&month=2026-12")
	if sc.Status != http.StatusOK || !strings.Contains(sc.Body, "<caption>") || !strings.Contains(sc.Body, `<th scope="col">प्राप्त</th>`) {
		t.Fatalf("scorecard: %d\n%.1500s", sc.Status, sc.Body)
	}
	// Received 2, resolved 1 within the deadline and confirmed, nothing
	// reopened, escalated or returned, resolved two hours after filing.
	recs = parseCSV(t, admin.get("/control/scorecard?by=officer&month=2026-12&format=csv"))
	if len(recs) != 2 {
		t.Fatalf("scorecard export: %q, want header and one officer", recs)
	}
	if recs[0][0] != "अधिकारी" || recs[0][1] != "प्राप्त" || len(recs[0]) != 12 {
		t.Errorf("scorecard header = %q", recs[0])
	}
	want := []string{"2", "1", "1", "100%", "1", "100%", "0", "0%", "0", "0", "2.0"}
	if got := recs[1][1:]; strings.Join(got, ",") != strings.Join(want, ",") || !strings.HasPrefix(recs[1][0], "'=") {
		t.Errorf("scorecard row = %q, want %q after the neutralised designation", recs[1], want)
	}
	// By department, in English.
	admin.lang = "en"
	recs = parseCSV(t, admin.get("/control/scorecard?by=department&month=2026-12&format=csv"))
	if len(recs) != 2 || recs[0][0] != "Department" || recs[0][1] != "Received" || recs[1][1] != "2" || recs[1][2] != "1" {
		t.Errorf("scorecard by department in English: %q", recs)
	}
	// Another month has nothing; a malformed month or unit is refused.
	if recs := parseCSV(t, admin.get("/control/scorecard?by=area&month=2026-11&format=csv")); len(recs) != 1 {
		t.Errorf("November: %q, want only the header", recs)
	}
	for _, q := range []string{"month=2026-13", "by=ward"} {
		if r := admin.get("/control/scorecard?" + q); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("scorecard?%s: %d, want 422", q, r.Status)
		}
	}

	// An officer may not see the reports (signed in again: days have passed).
	officer.login("mun-l1", testDemoPassword)
	for _, p := range []string{"/control/defaulters", "/control/scorecard", "/control/scorecard?format=csv"} {
		if r := officer.get(p); r.Status != http.StatusForbidden {
			t.Errorf("officer GET %s: %d, want 403", p, r.Status)
		}
	}
}
