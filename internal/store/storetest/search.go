package storetest

import (
	"slices"
	"testing"

	"nivaran/internal/grievance"
)

// testSearchText: full-text search finds complaints by number, mobile,
// name and description, Hindi and English, each query word beginning a
// word of the complaint. Hindi words match whole, with their vowel signs
// (matras) and conjuncts, however the nukta was typed; Devanagari digits
// find numbers. Every database gives the same answers: this suite is the
// same for each.
func testSearchText(t *testing.T, e *env) {
	mk := func(name, mobile, desc string) *grievance.Complaint {
		in := newComplaint("road", "w1")
		in.Name, in.Mobile, in.Description = name, mobile, desc
		return e.MustFile(in)
	}
	// फ़ is typed here as one character (U+095E); ड़ in 4 as two (ड + nukta).
	farmers := mk("राम कुमार", mobileA, "किसानों की \u095Eसल में पानी भर गया")
	light := mk("Sita Devi", mobileB, "Street LIGHT broken near the school, since 3 days")
	road := mk("श्रीमती लक्ष्मी", mobileA, "क्षेत्र में स\u0921\u093Cक टूटी है; ट्रैक्टर फँस गया")
	power := mk("Mohan", "9812345678", "बिजली नहीं आ रही")
	kirti := mk("कीर्ति", mobileB, "कल से पानी नहीं")

	tests := []struct {
		query string
		want  []*grievance.Complaint
	}{
		{"किसान", []*grievance.Complaint{farmers}},       // a word's beginning, with its matra
		{"किसानों", []*grievance.Complaint{farmers}},     // the whole word with anusvara
		{"की", []*grievance.Complaint{farmers, kirti}},   // the word की, and कीर्ति which begins with it
		{"फ\u093Cसल", []*grievance.Complaint{farmers}},   // nukta typed as two characters finds one
		{"स\u095Cक", []*grievance.Complaint{road}},       // nukta typed as one character (U+095C) finds two
		{"क्षेत्र", []*grievance.Complaint{road}},        // conjuncts क्ष, त्र
		{"लक्ष्मी", []*grievance.Complaint{road}},        // conjunct in a name
		{"श्री", []*grievance.Complaint{road}},           // beginning of श्रीमती
		{"ट्रैक्टर", []*grievance.Complaint{road}},       // conjunct ट्र with ै
		{"फँस", []*grievance.Complaint{road}},            // chandrabindu
		{"street light", []*grievance.Complaint{light}},  // English, any case, every word
		{"SCHOOL", []*grievance.Complaint{light}},        // upper case
		{"light बिजली", nil},                             // every word must match
		{"98123", []*grievance.Complaint{power}},         // a mobile's beginning
		{"९८१२३४५६७८", []*grievance.Complaint{power}},    // in Devanagari digits
		{light.Number, []*grievance.Complaint{light}},    // the complaint number
		{"मोहन", nil},                                    // no transliteration
		{"सान", nil},                                     // not the middle of a word
		{"कुमार, राम!", []*grievance.Complaint{farmers}}, // punctuation is no word
		{"पानी", []*grievance.Complaint{farmers, kirti}},
		{"कि", []*grievance.Complaint{farmers}}, // ि is not ी
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := e.all(grievance.ComplaintFilter{Text: tt.query, Order: grievance.OrderRecent})
			if !slices.Equal(names(got), names(tt.want)) {
				t.Errorf("search %q: %q, want %q", tt.query, names(got), names(tt.want))
			}
		})
	}

	// The text combines with the other filters and the actor's scope.
	if got := e.all(grievance.ComplaintFilter{Text: "पानी", Mobile: mobileA}); len(got) != 1 || got[0].Number != farmers.Number {
		t.Errorf("text and mobile: %d complaints", len(got))
	}
	other := e.officer("health-mo-z1")
	if p, err := e.h.Search(e.ctx, other, grievance.ComplaintFilter{Text: "किसान"}); err != nil || len(p.Complaints) != 0 {
		t.Errorf("officer of another department searching: %d complaints (%v), want none", len(p.Complaints), err)
	}
	// Pages of a text search hold every match once.
	var all []string
	for _, c := range e.walk(grievance.SystemActor, grievance.ComplaintFilter{Text: "पानी", Limit: 1}) {
		all = append(all, c.Number)
	}
	if len(all) != 2 || all[0] == all[1] {
		t.Errorf("paged text search: %v, want 2 distinct complaints", all)
	}
}

func names(cs []*grievance.Complaint) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Number+" "+c.Name)
	}
	slices.Sort(out)
	return out
}
