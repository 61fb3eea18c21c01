package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"nivaran/internal/grievance"
)

// TestDuplicatesResolvedTogether: two citizens report the same stray
// animals at nearly the same place through the API. The officer sees the
// second as a probable duplicate on the first's page, links it, and submits
// one action-taken report: both complaints are resolved and each
// complainant has the "resolved" SMS in the outbox.
func TestDuplicatesResolvedTogether(t *testing.T) {
	m := MustRunMain(t, "", nil)
	ctx := context.Background()
	api := newClient(t, m)
	const mobile1, mobile2 = "9876543210", "9812345678"
	// Stray animals need no photo in the action-taken report.
	first := fileJSON(t, api, map[string]any{"category": "mun-stray-animals", "mobile": mobile1,
		"lat": 26.8467, "long": 80.9462})["number"].(string)
	second := fileJSON(t, api, map[string]any{"category": "mun-stray-animals", "mobile": mobile2, "name": "गीता",
		"lat": 26.8468, "long": 80.9463})["number"].(string) // about 15 m away
	other := fileJSON(t, api, map[string]any{"category": "mun-garbage", "mobile": mobile2,
		"lat": 26.8467, "long": 80.9462})["number"].(string) // same place, another category

	officer := newClient(t, m)
	tok := officer.login("mun-l1", testDemoPassword)
	page := officer.get("/officer/complaints/" + first)
	if page.Status != 200 || !strings.Contains(page.Body, "संभावित दोहरी शिकायतें") {
		t.Fatalf("first complaint's page: status %d, no probable duplicates\n%.1500s", page.Status, page.Body)
	}
	dup := page.Body[strings.Index(page.Body, `id="duplicates"`):]
	dup = dup[:strings.Index(dup, "</section>")]
	if !strings.Contains(dup, second) || !strings.Contains(dup, "15 मीटर दूर") || strings.Contains(dup, other) {
		t.Fatalf("probable duplicates: want %s at 15 m and not %s:\n%s", second, other, dup)
	}
	if !strings.Contains(dup, `action="/officer/complaints/`+second+`/link"`) {
		t.Fatalf("no form to link %s here:\n%s", second, dup)
	}

	r := officer.postForm("/officer/complaints/"+second+"/link", url.Values{"csrf": {tok}, "parent": {first}, "back": {first}})
	if r.Status != 303 || !strings.HasPrefix(r.Location, "/officer/complaints/"+first) {
		t.Fatalf("link: status %d to %q, want 303 back to %s\n%.1000s", r.Status, r.Location, first, r.Body)
	}
	if p := officer.get("/officer/complaints/" + first); !strings.Contains(p.Body, "जुड़ी शिकायतें: 1") || strings.Contains(p.Body, `id="duplicates"`) {
		t.Error("the first complaint's page does not count its linked complaint, or still offers it")
	}
	if p := officer.get("/officer/complaints/" + second); !strings.Contains(p.Body, "शिकायत "+first+" से जुड़ी") {
		t.Error("the second complaint's page does not say what it is linked to")
	}
	// Linking across categories is refused with a message.
	if r := officer.postForm("/officer/complaints/"+other+"/link", url.Values{"csrf": {tok}, "parent": {first}}); r.Status != 409 ||
		!strings.Contains(r.Body, "एक ही श्रेणी") {
		t.Errorf("link across categories: status %d, want 409 with a Hindi message", r.Status)
	}
	// The parent comes first in the inbox, with its count.
	inbox := officer.get("/officer")
	if i, j := strings.Index(inbox.Body, first), strings.Index(inbox.Body, other); i < 0 || j < 0 || i > j || !strings.Contains(inbox.Body, "जुड़ी शिकायतें: 1") {
		t.Errorf("inbox: parent at %d, other at %d; want the parent first with its count", i, j)
	}

	r = officer.postMultipart("/officer/complaints/"+first+"/report", url.Values{"csrf": {tok}, "note": {"पशुओं को गौशाला भेजा गया।"}})
	if r.Status != 303 {
		t.Fatalf("report: %d\n%.1000s", r.Status, r.Body)
	}
	for _, c := range []struct{ number, mobile string }{{first, mobile1}, {second, mobile2}} {
		got, err := m.Store.Complaint(ctx, grievance.SystemActor, c.number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != grievance.StatusResolved {
			t.Errorf("%s: status %s, want resolved", c.number, got.Status)
		}
		msgs, err := m.Store.Messages(ctx, c.mobile, 50)
		if err != nil {
			t.Fatal(err)
		}
		var resolved int
		for _, msg := range msgs {
			if msg.ComplaintID == got.ID && msg.Event == "resolved" {
				resolved++
			}
		}
		if resolved != 1 {
			t.Errorf("%s: %d resolved messages to %s, want 1", c.number, resolved, c.mobile)
		}
	}
	// The second complainant sees why theirs is resolved.
	citizen := newClient(t, m)
	tr := citizen.get("/track")
	r = citizen.postForm("/track", url.Values{"csrf": {csrf(t, tr.Body)}, "number": {second}, "mobile": {mobile2}})
	if r.Status != 303 {
		t.Fatalf("track: %d", r.Status)
	}
	status := citizen.get(r.Location)
	for _, want := range []string{"शिकायत " + first + " से जोड़ी गई", "पशुओं को गौशाला भेजा गया", "निस्तारित"} {
		if !strings.Contains(status.Body, want) {
			t.Errorf("second complainant's page lacks %q", want)
		}
	}
}
