package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"nivaran/internal/grievance"
)

// TestAnalyticsReports: three complaints are filed on one day (two through
// the API from one mobile, one by phone from another), an officer of each
// department resolves one. The control room then reads the five reports
// with the numbers worked out by hand, and downloads them as CSV and XLSX
// with Hindi intact and formulas neutralised; an officer may not; bad
// filters get a translated 422.
func TestAnalyticsReports(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 12, 7, 5, 30, 0, 0, time.UTC)} // Monday 11:00 IST
	m := mustRunMainAt(t, "", map[string]string{"NIVARAN_SWEEP_SECONDS": "3600"}, clock.Now)
	ctx := context.Background()

	crafted := craftDesignation(t, m)

	citizen := newClient(t, m)
	a := fileJSON(t, citizen, nil) // mun-garbage → mun-l1, by the app
	b := fileJSON(t, citizen, map[string]any{"category": "jal-no-supply", "description": "दो दिन से पानी नहीं आया।"})
	c, err := m.Store.File(ctx, grievance.NewComplaint{Name: "सीता देवी", Mobile: "9123456789", Language: grievance.Hindi,
		Channel: grievance.ChannelPhone, Category: "mun-garbage", Area: "w-z1-aminabad", Address: "लालबाग, गली 2",
		Description: "कूड़ाघर भरा हुआ है।"})
	if err != nil {
		t.Fatal(err)
	}

	// Two hours later mun-l1 reports A; an hour after that jalkal-l1 reports B.
	clock.Set(clock.Now().Add(2 * time.Hour))
	officer := newClient(t, m)
	otok := officer.login("mun-l1", testDemoPassword)
	if r := officer.postMultipart("/officer/complaints/"+a["number"].(string)+"/report", url.Values{
		"csrf": {otok}, "note": {"कूड़ा उठवा दिया गया"}, "lat": {"26.8468"}, "long": {"80.9463"},
	}, file{"photo", "saaf.png", pngImage(t)}); r.Status != http.StatusSeeOther {
		t.Fatalf("report A: %d\n%.800s", r.Status, r.Body)
	}
	clock.Set(clock.Now().Add(time.Hour))
	water := newClient(t, m)
	wtok := water.login("jalkal-l1", testDemoPassword)
	if r := water.postMultipart("/officer/complaints/"+b["number"].(string)+"/report", url.Values{
		"csrf": {wtok}, "note": {"पाइप ठीक कर दिया"},
	}); r.Status != http.StatusSeeOther {
		t.Fatalf("report B: %d\n%.800s", r.Status, r.Body)
	}

	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	const day = "from=2026-12-07&to=2026-12-07"

	idx := admin.get("/control/reports")
	if idx.Status != http.StatusOK {
		t.Fatalf("index: %d\n%.800s", idx.Status, idx.Body)
	}
	for _, want := range []string{`href="/control/reports"`, `href="/control/reports/pendency"`, `href="/control/reports/flow"`,
		`href="/control/reports/resolution"`, `href="/control/reports/channels"`, `href="/control/reports/repeat"`,
		`name="from" type="date"`, `<select id="department" name="department">`, `<select id="channel" name="channel">`} {
		if !strings.Contains(idx.Body, want) {
			t.Errorf("index lacks %q", want)
		}
	}

	pages := []struct {
		path string
		want []string
	}{
		// C is open with mun-l1, 0-7 days old.
		{"/control/reports/pendency", []string{"<caption>", `<th scope="col">0-7 दिन</th>`, "नगर निगम लखनऊ",
			`<th scope="row">=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)`, "<td>1</td><td>0</td><td>0</td><td>0</td><td>1</td>", `role="img"`}},
		// Three received, two disposed on the day.
		{"/control/reports/flow?" + day, []string{`<th scope="col">प्राप्त</th>`, "<td>3</td><td>2</td>", "<polyline", "प्राप्त 3, निस्तारित 2"}},
		// A after 2 hours, B after 3.
		{"/control/reports/resolution?" + day, []string{"कूड़ा नहीं उठाया गया</th><td>1</td><td>2.0</td><td>2.0</td>",
			"पानी की आपूर्ति नहीं</th><td>1</td><td>3.0</td><td>3.0</td>", `role="img"`}},
		{"/control/reports/channels?" + day, []string{"मोबाइल ऐप</th><td>2</td><td>66.7</td>", "हेल्पलाइन फ़ोन</th><td>1</td><td>33.3</td>", "<rect"}},
		// Without dates: the last 30 days, today included.
		{"/control/reports/repeat", []string{"xxxxxx3210</th><td>2</td>", "1 मोबाइल नंबरों से अवधि में 2 शिकायतें"}},
	}
	for _, pg := range pages {
		r := admin.get(pg.path)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d\n%.1500s", pg.path, r.Status, r.Body)
		}
		for _, want := range pg.want {
			if !strings.Contains(r.Body, want) {
				t.Errorf("%s lacks %q", pg.path, want)
			}
		}
		if strings.Contains(r.Body, "9876543210") || strings.Contains(r.Body, "9123456789") {
			t.Errorf("%s shows a mobile number unmasked", pg.path)
		}
	}
	if c.Number == "" {
		t.Fatal("C has no number")
	}

	// CSV: byte-order mark, translated header, the numbers; the crafted
	// designation neutralised.
	recs := parseCSV(t, admin.get("/control/reports/flow?"+day+"&format=csv"))
	if len(recs) != 2 || strings.Join(recs[0], "|") != "दिन|प्राप्त|निस्तारित" || strings.Join(recs[1], "|") != "2026-12-07|3|2" {
		t.Errorf("flow CSV = %q", recs)
	}
	recs = parseCSV(t, admin.get("/control/reports/pendency?format=csv"))
	if len(recs) != 2 || recs[0][0] != "अधिकारी" || !strings.HasPrefix(recs[1][0], "'"+crafted) || recs[1][2] != "1" || recs[1][6] != "1" {
		t.Errorf("pendency CSV = %q", recs)
	}
	recs = parseCSV(t, admin.get("/control/reports/repeat?"+day+"&format=csv"))
	if len(recs) != 2 || recs[1][0] != "xxxxxx3210" || recs[1][1] != "2" || recs[1][2] != "2026-12-07" {
		t.Errorf("repeat CSV = %q", recs)
	}
	admin.lang = "en"
	recs = parseCSV(t, admin.get("/control/reports/channels?"+day+"&format=csv"))
	if len(recs) != 3 || strings.Join(recs[0], "|") != "Channel|Complaints|Share %" || strings.Join(recs[1], "|") != "Mobile app|2|66.7" {
		t.Errorf("channels CSV in English = %q", recs)
	}
	admin.lang = "hi"

	// XLSX: one sheet, Hindi header and names, numbers as numbers, the
	// crafted designation as text with an apostrophe.
	x := openXLSX(t, admin.get("/control/reports/channels?"+day+"&format=xlsx"))
	sheet := x.GetSheetName(0)
	if n := x.SheetCount; n != 1 {
		t.Errorf("workbook has %d sheets, want 1", n)
	}
	cell := func(ref string) string {
		t.Helper()
		v, err := x.GetCellValue(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := cell("A1"); got != "माध्यम" {
		t.Errorf("A1 = %q, want the Hindi header", got)
	}
	if got := cell("A2"); got != "मोबाइल ऐप" {
		t.Errorf("A2 = %q, want मोबाइल ऐप", got)
	}
	if got, _ := x.GetCellType(sheet, "B2"); cell("B2") != "2" || got == excelize.CellTypeSharedString || got == excelize.CellTypeInlineString {
		t.Errorf("B2 = %q of type %v, want the number 2", cell("B2"), got)
	}
	if st, _ := x.GetCellStyle(sheet, "A1"); st == 0 {
		t.Error("the header row is not styled (bold)")
	} else if s, err := x.GetStyle(st); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header style = %+v (%v), want bold", s, err)
	}
	x = openXLSX(t, admin.get("/control/reports/pendency?format=xlsx"))
	sheet = x.GetSheetName(0)
	if got := cell("A2"); got != "'"+crafted {
		t.Errorf("pendency A2 = %q, want the designation neutralised", got)
	}
	if got := cell("B2"); got != "नगर निगम लखनऊ" {
		t.Errorf("pendency B2 = %q", got)
	}

	// An officer may not see the reports.
	for _, p := range []string{"/control/reports", "/control/reports/flow", "/control/reports/repeat?format=xlsx", "/control/reports/pendency?format=csv"} {
		if r := officer.get(p); r.Status != http.StatusForbidden {
			t.Errorf("officer GET %s: %d, want 403", p, r.Status)
		}
	}

	// Bad filters: 422 with a translated message, never a 5xx.
	for _, tt := range []struct{ q, want string }{
		{"/control/reports/flow?from=2026-13-01", "तिथि YYYY-MM-DD रूप में लिखें"},
		{"/control/reports/flow?to=yesterday", "तिथि YYYY-MM-DD रूप में लिखें"},
		{"/control/reports/flow?from=2026-12-08&to=2026-12-01", "सही अवधि चुनें"},
		{"/control/reports/flow?from=2024-01-01&to=2026-12-07", "अधिकतम एक वर्ष"},
		{"/control/reports/pendency?department=fire", "सूची से विभाग चुनें"},
		{"/control/reports/channels?area=nowhere", "सूची से क्षेत्र चुनें"},
		{"/control/reports/resolution?category=snow&format=xlsx", "सूची से श्रेणी चुनें"},
		{"/control/reports/repeat?channel=fax&format=csv", "सूची से माध्यम चुनें"},
	} {
		r := admin.get(tt.q)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tt.want) {
			t.Errorf("GET %s: %d, want 422 with %q\n%.300s", tt.q, r.Status, tt.want, r.Body)
		}
	}
	for _, p := range []string{"/control/reports/nothing", "/control/reports/flow?format=pdf"} {
		if r := admin.get(p); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.Status)
		}
	}
}

// openXLSX checks that an export is an XLSX attachment and opens it.
func openXLSX(t *testing.T, r response) *excelize.File {
	t.Helper()
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx export: status %d, type %q\n%.300s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, ".xlsx") {
		t.Errorf("xlsx export disposition = %q", cd)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
	if err != nil {
		t.Fatalf("not an XLSX workbook: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}
