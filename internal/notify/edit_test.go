package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// TestEditTemplate: every default template survives NamedText and
// EditTemplate unchanged; a reordered edit carries its slots' new order;
// each kind of bad edit is refused with its own key and nothing else.
func TestEditTemplate(t *testing.T) {
	c := MustCatalogue(t)
	for _, tp := range c.Templates() {
		got, err := EditTemplate(tp, tp.DLTID, NamedText(tp))
		if err != nil || got.Text != tp.Text || !slices.Equal(got.Vars, tp.vars()) {
			t.Errorf("%s/%s/%s round trip: %q %v, %v", tp.Event, tp.Audience, tp.Lang, got.Text, got.Vars, err)
		}
	}
	reg, _ := c.Template(EventRegistered, Officer, grievance.English)
	got, err := EditTemplate(reg, "1107161234567890123", "Due {#due#}: new complaint {#NUMBER#} in {#area#} ({#category#}).")
	if err != nil {
		t.Fatalf("reordered edit: %v", err)
	}
	if want := []string{VarDue, VarNumber, VarArea, VarCategory}; !slices.Equal(got.Vars, want) || strings.Count(got.Text, Slot) != 4 {
		t.Fatalf("reordered edit: %q %v, want vars %v", got.Text, got.Vars, want)
	}
	next, err := c.With(got)
	if err != nil {
		t.Fatalf("With(edit): %v", err)
	}
	_, text, err := next.Render(EventRegistered, Officer, grievance.English, map[string]string{
		VarNumber: "26120001234", VarCategory: "Road", VarArea: "Ward 1", VarDue: "01-02-2026"})
	if err != nil || text != "Due 01-02-2026: new complaint 26120001234 in Ward 1 (Road)." {
		t.Fatalf("render of the edit: %q, %v", text, err)
	}
	if old, _ := c.Template(EventRegistered, Officer, grievance.English); old.Text != reg.Text {
		t.Fatal("With changed the catalogue it was called on")
	}

	hi, _ := c.Template(EventRegistered, Citizen, grievance.Hindi)
	bad := []struct {
		name, dlt, text, key, field string
	}{
		{"DLT ID with letters", "11071A", NamedText(reg), "sms.error.dlt_id", "dlt_id"},
		{"empty text", reg.DLTID, "  ", "sms.error.text", "text"},
		{"unknown slot", reg.DLTID, "Complaint {#number#} by {#name#}", "sms.error.slot", "text"},
		{"unnamed slot", reg.DLTID, "Complaint {#number#} in {#var#}", "sms.error.slot", "text"},
		{"a slot of another event", reg.DLTID, "Complaint {#number#}, code {#otp#}", "sms.error.slot", "text"},
		{"broken slot", reg.DLTID, "Complaint {#number#} in {#area#", "sms.error.braces", "text"},
		{"no number", reg.DLTID, "A new complaint in {#area#}", "sms.error.must_carry", "text"},
		{"too long", reg.DLTID, "New complaint {#number#} " + strings.Repeat("about {#category#} ", 12), "sms.error.too_long", "text"},
	}
	for _, b := range bad {
		_, err := EditTemplate(reg, b.dlt, b.text)
		ge := grievance.AsError(err)
		if ge.Code != grievance.EInvalid || ge.Key != b.key || ge.Fields[b.field] == "" {
			t.Errorf("%s: %v (key %q fields %v), want %s on %s", b.name, err, ge.Key, ge.Fields, b.key, b.field)
		}
	}
	// Hindi: three parts of UCS-2 at most, with every slot full.
	long := "शिकायत {#number#} दर्ज हुई, विभाग: {#department#}। " + strings.Repeat("कृपया धैर्य रखें। ", 6) + "{#track#}"
	_, err = EditTemplate(hi, hi.DLTID, long)
	if ge := grievance.AsError(err); ge.Key != "sms.error.too_long" || len(ge.Args) != 3 || ge.Args[1] != 3 {
		t.Fatalf("long Hindi edit: %v (args %v), want too_long with at most 3 parts", err, ge.Args)
	}
}

// TestPlannerSetCatalogue: a catalogue put in force renders the next plan.
func TestPlannerSetCatalogue(t *testing.T) {
	c := MustCatalogue(t)
	p, err := NewPlanner(c, PlannerOptions{TrackURL: "nivaran.in/t"})
	if err != nil {
		t.Fatal(err)
	}
	reg, _ := c.Template(EventOTP, Citizen, grievance.English)
	ed, err := EditTemplate(reg, "1107160000000000999", "Code {#otp#} for your Nivaran complaints.")
	if err != nil {
		t.Fatal(err)
	}
	next, err := c.With(ed)
	if err != nil {
		t.Fatal(err)
	}
	p.SetCatalogue(next)
	msg, err := p.OTP("9876543210", grievance.English, "123456", time.Date(2026, 1, 23, 10, 0, 0, 0, time.UTC))
	if err != nil || msg.Text != "Code 123456 for your Nivaran complaints." || msg.TemplateID != "1107160000000000999" {
		t.Fatalf("OTP after SetCatalogue: %q %s, %v", msg.Text, msg.TemplateID, err)
	}
}
