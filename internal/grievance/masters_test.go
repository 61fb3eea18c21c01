package grievance_test

import (
	"reflect"
	"testing"

	"nivaran/internal/grievance"
)

// Officer IDs of the fixture returned by MustMasters.
const (
	jeW1     = 1  // pwd, level 1, ward w1
	jeW1b    = 2  // pwd, level 1, ward w1 (a second JE of the same ward)
	aeZ1     = 3  // pwd, level 2, zone z1 (wards w1, w2)
	eeAll    = 4  // pwd, level 3, whole district
	jeW3     = 5  // pwd, level 1, ward w3
	jeOld    = 6  // pwd, level 1, ward w1, inactive
	jalJeW1  = 7  // jal, level 1, ward w1
	aeZ1b    = 8  // pwd, level 2, zone z1 (a second AE)
	jeGhost  = 9  // pwd, level 1, jurisdiction names no known area
	jalAeDup = 10 // jal, level 2, jurisdiction z1 and w1 (overlapping)
)

// MustMasters returns a small indexed district:
//
//	sadar (tehsil) ─┬─ z1 (zone) ─┬─ w1 (ward)
//	                │             └─ w2 (ward)
//	                └─ z2 (zone) ─── w3 (ward)
//	b1 (block, no parent, a leaf)
func MustMasters(t *testing.T) *grievance.Masters {
	t.Helper()
	m := &grievance.Masters{
		District: grievance.Text{Hi: "लखनऊ", En: "Lucknow"},
		Departments: []grievance.Department{
			{Code: "pwd", Name: grievance.Text{Hi: "लोक निर्माण विभाग", En: "Public Works"},
				Levels: []grievance.Text{{Hi: "अवर अभियंता", En: "Junior Engineer"}, {Hi: "सहायक अभियंता", En: "Assistant Engineer"}, {Hi: "अधिशासी अभियंता", En: "Executive Engineer"}}},
			{Code: "jal", Name: grievance.Text{Hi: "जल निगम", En: "Jal Nigam"},
				Levels: []grievance.Text{{Hi: "अवर अभियंता", En: "Junior Engineer"}, {Hi: "सहायक अभियंता", En: "Assistant Engineer"}}},
			{Code: "nagar", Name: grievance.Text{Hi: "नगर निगम", En: "Municipal Corporation"}},
		},
		Categories: []grievance.Category{
			{Code: "road", Department: "pwd", ResolutionDays: 7, Active: true},
			{Code: "water", Department: "jal", ResolutionDays: 3, Active: true},
			{Code: "old", Department: "pwd", ResolutionDays: 7, Active: false},
			{Code: "lamp", Department: "nagar", ResolutionDays: 2, Active: true},
		},
		Areas: []grievance.Area{
			{Code: "sadar", Kind: grievance.AreaTehsil},
			{Code: "z1", Kind: grievance.AreaZone, Parent: "sadar"},
			{Code: "w1", Kind: grievance.AreaWard, Parent: "z1"},
			{Code: "w2", Kind: grievance.AreaWard, Parent: "z1"},
			{Code: "z2", Kind: grievance.AreaZone, Parent: "sadar"},
			{Code: "w3", Kind: grievance.AreaWard, Parent: "z2"},
			{Code: "b1", Kind: grievance.AreaBlock},
		},
		Officers: []grievance.Officer{
			{ID: jeW1, Code: "pwd-je-w1", Department: "pwd", Level: 1, Jurisdiction: []string{"w1"}, Active: true},
			{ID: jeW1b, Code: "pwd-je-w1b", Department: "pwd", Level: 1, Jurisdiction: []string{"w1"}, Active: true},
			{ID: aeZ1, Code: "pwd-ae-z1", Department: "pwd", Level: 2, Jurisdiction: []string{"z1"}, Active: true},
			{ID: eeAll, Code: "pwd-ee", Department: "pwd", Level: 3, Active: true},
			{ID: jeW3, Code: "pwd-je-w3", Department: "pwd", Level: 1, Jurisdiction: []string{"w3"}, Active: true},
			{ID: jeOld, Code: "pwd-je-old", Department: "pwd", Level: 1, Jurisdiction: []string{"w1"}, Active: false},
			{ID: jalJeW1, Code: "jal-je-w1", Department: "jal", Level: 1, Jurisdiction: []string{"w1"}, Active: true},
			{ID: aeZ1b, Code: "pwd-ae-z1b", Department: "pwd", Level: 2, Jurisdiction: []string{"z1"}, Active: true},
			{ID: jeGhost, Code: "pwd-je-ghost", Department: "pwd", Level: 1, Jurisdiction: []string{"nowhere"}, Active: true},
			{ID: jalAeDup, Code: "jal-ae", Department: "jal", Level: 2, Jurisdiction: []string{"w1", "z1"}, Active: true},
		},
	}
	m.Index()
	return m
}

// MustOfficer returns the officer with id from m, failing the test when absent.
func MustOfficer(t *testing.T, m *grievance.Masters, id int64) *grievance.Officer {
	t.Helper()
	o := m.Officer(id)
	if o == nil {
		t.Fatalf("fixture: no officer %d", id)
	}
	return o
}

func officerCode(o *grievance.Officer) string {
	if o == nil {
		return "<nil>"
	}
	return o.Code
}

func TestRoute(t *testing.T) {
	specificFirst := []grievance.RoutingRule{
		{Category: "road", Area: "w2", Department: "jal"},
		{Category: "road", Department: "nagar"},
		{Category: "water", Area: "w3", Department: "pwd"},
	}
	specificLast := []grievance.RoutingRule{
		{Category: "water", Area: "w3", Department: "pwd"},
		{Category: "road", Department: "nagar"},
		{Category: "road", Area: "w2", Department: "jal"},
	}
	tests := []struct {
		name           string
		rules          []grievance.RoutingRule
		category, area string
		wantDept       string
		wantOfficer    string // code, "<nil>" for none
	}{
		{"no rules: category's department", nil, "road", "w1", "pwd", "pwd-je-w1"},
		{"no rules: other department", nil, "water", "w1", "jal", "jal-je-w1"},
		{"category+area rule wins (listed first)", specificFirst, "road", "w2", "jal", "jal-ae"},
		{"category+area rule wins (listed last)", specificLast, "road", "w2", "jal", "jal-ae"},
		{"category-only rule beats category's department", specificFirst, "road", "w1", "nagar", "<nil>"},
		{"category-only rule, listed before a specific one for another area", specificLast, "road", "w1", "nagar", "<nil>"},
		{"rule for another area does not apply", specificFirst, "water", "w1", "jal", "jal-je-w1"},
		{"category+area rule without category-only rule", specificFirst, "water", "w3", "pwd", "pwd-je-w3"},
		{"no officer covers the area: queue", nil, "water", "w3", "jal", "<nil>"},
		{"department without officers: queue", nil, "lamp", "w1", "nagar", "<nil>"},
		{"unknown category", nil, "nope", "w1", "", "<nil>"},
		{"level 1 missing: next level up covers it", nil, "road", "w2", "pwd", "pwd-ae-z1"},
		{"whole-district officer as last resort", nil, "road", "b1", "pwd", "pwd-ee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := MustMasters(t)
			m.Rules = tt.rules
			m.Index()
			dept, o := m.Route(tt.category, tt.area)
			if dept != tt.wantDept || officerCode(o) != tt.wantOfficer {
				t.Errorf("Route(%q, %q) = %q, %s; want %q, %s", tt.category, tt.area, dept, officerCode(o), tt.wantDept, tt.wantOfficer)
			}
		})
	}
}

func TestFirstOfficer(t *testing.T) {
	off := func(id int64, level int, active bool, areas ...string) grievance.Officer {
		return grievance.Officer{ID: id, Code: "o" + string(rune('0'+id)), Department: "pwd", Level: level, Jurisdiction: areas, Active: active}
	}
	tests := []struct {
		name     string
		officers []grievance.Officer
		area     string
		minLevel int
		wantID   int64 // 0: nil
	}{
		{"lowest level wins over narrower jurisdiction",
			[]grievance.Officer{off(1, 2, true, "w1"), off(2, 1, true)}, "w1", 1, 2},
		{"narrowest jurisdiction at the same level",
			[]grievance.Officer{off(1, 1, true), off(2, 1, true, "sadar"), off(3, 1, true, "w1"), off(4, 1, true, "z1")}, "w1", 1, 3},
		{"any jurisdiction is narrower than the whole district",
			[]grievance.Officer{off(1, 1, true), off(5, 1, true, "sadar")}, "w1", 1, 5},
		{"whole district listed after a narrow one",
			[]grievance.Officer{off(5, 1, true, "sadar"), off(1, 1, true)}, "w1", 1, 5},
		{"width counts leaves, not configured codes",
			[]grievance.Officer{off(1, 1, true, "w1", "w2", "w3"), off(2, 1, true, "z1")}, "w1", 1, 2},
		{"same width: lowest ID, whatever the order",
			[]grievance.Officer{off(7, 1, true, "w1"), off(3, 1, true, "w1"), off(5, 1, true, "w1")}, "w1", 1, 3},
		{"same width in leaves: lowest ID",
			[]grievance.Officer{off(4, 1, true, "w1", "w3"), off(2, 1, true, "z1")}, "w1", 1, 2},
		{"two whole-district officers: lowest ID",
			[]grievance.Officer{off(9, 1, true), off(4, 1, true)}, "b1", 1, 4},
		{"inactive skipped even when best",
			[]grievance.Officer{off(1, 1, false, "w1"), off(2, 1, true, "z1")}, "w1", 1, 2},
		{"only inactive: nil",
			[]grievance.Officer{off(1, 1, false, "w1")}, "w1", 1, 0},
		{"minLevel skips lower levels",
			[]grievance.Officer{off(1, 1, true, "w1"), off(2, 2, true, "z1"), off(3, 3, true)}, "w1", 2, 2},
		{"not covering the area skipped",
			[]grievance.Officer{off(1, 1, true, "w3"), off(2, 1, true, "z2")}, "w1", 1, 0},
		{"unknown jurisdiction covers nothing",
			[]grievance.Officer{off(1, 1, true, "nowhere"), off(2, 2, true)}, "w1", 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := MustMasters(t)
			m.Officers = append(tt.officers,
				grievance.Officer{ID: 99, Code: "jal", Department: "jal", Level: 1, Active: true}) // other department never chosen
			m.Index()
			got := m.FirstOfficer("pwd", tt.area, tt.minLevel)
			var gotID int64
			if got != nil {
				gotID = got.ID
			}
			if gotID != tt.wantID {
				t.Errorf("FirstOfficer(pwd, %q, %d) = officer %d; want %d", tt.area, tt.minLevel, gotID, tt.wantID)
			}
		})
	}
}

func TestLeafAndLeaves(t *testing.T) {
	m := MustMasters(t)
	tests := []struct {
		code       string
		wantLeaf   bool
		wantLeaves []string
	}{
		{"w1", true, []string{"w1"}},
		{"b1", true, []string{"b1"}},
		{"z1", false, []string{"w1", "w2"}},
		{"z2", false, []string{"w3"}},
		{"sadar", false, []string{"w1", "w2", "w3"}},
		{"nowhere", false, nil},
		{"", false, nil},
	}
	for _, tt := range tests {
		if got := m.Leaf(tt.code); got != tt.wantLeaf {
			t.Errorf("Leaf(%q) = %v; want %v", tt.code, got, tt.wantLeaf)
		}
		if got := m.Leaves(tt.code); !reflect.DeepEqual(got, tt.wantLeaves) {
			t.Errorf("Leaves(%q) = %q; want %q", tt.code, got, tt.wantLeaves)
		}
	}
}

func TestExpandAreas(t *testing.T) {
	m := MustMasters(t)
	tests := []struct {
		codes []string
		want  []string
	}{
		{nil, nil},
		{[]string{"w2"}, []string{"w2"}},
		{[]string{"z1"}, []string{"w1", "w2"}},
		{[]string{"sadar"}, []string{"w1", "w2", "w3"}},
		{[]string{"w3", "z1"}, []string{"w1", "w2", "w3"}},      // sorted
		{[]string{"w2", "z1", "w1"}, []string{"w1", "w2"}},      // de-duplicated
		{[]string{"b1", "nowhere", "z2"}, []string{"b1", "w3"}}, // unknown codes dropped
		{[]string{"nowhere"}, nil},
	}
	for _, tt := range tests {
		if got := m.ExpandAreas(tt.codes); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ExpandAreas(%q) = %q; want %q", tt.codes, got, tt.want)
		}
	}
}

func TestIndexJurisdiction(t *testing.T) {
	m := MustMasters(t)
	tests := []struct {
		id     int64
		area   string
		covers bool
	}{
		{jeW1, "w1", true},
		{jeW1, "w2", false},
		{aeZ1, "w1", true},
		{aeZ1, "w2", true},
		{aeZ1, "w3", false},
		{aeZ1, "z1", false}, // jurisdictions expand to leaves; a complaint's area is a leaf
		{eeAll, "w3", true}, // empty jurisdiction: the whole district
		{eeAll, "b1", true},
		{jeGhost, "w1", false}, // names no known area: covers nothing, not everything
		{jeGhost, "b1", false},
		{jeGhost, "nowhere", false},
		{jeGhost, "", false},
		{jalAeDup, "w2", true},
	}
	for _, tt := range tests {
		o := MustOfficer(t, m, tt.id)
		if got := o.Covers(tt.area); got != tt.covers {
			t.Errorf("officer %s (areas %q).Covers(%q) = %v; want %v", o.Code, o.Areas, tt.area, got, tt.covers)
		}
	}
	if got, want := MustOfficer(t, m, jalAeDup).Areas, []string{"w1", "w2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("jal-ae Areas = %q; want %q", got, want)
	}
	if o := m.OfficerByCode("pwd-ae-z1"); o == nil || o.ID != aeZ1 || o != m.Officer(aeZ1) {
		t.Errorf("OfficerByCode(pwd-ae-z1) = %v; want the same officer as Officer(%d)", o, aeZ1)
	}
	if m.Officer(404) != nil || m.OfficerByCode("nope") != nil || m.Department("nope") != nil ||
		m.Category("nope") != nil || m.Area("nope") != nil {
		t.Error("lookups of unknown keys: want nil")
	}
}

func TestLevelName(t *testing.T) {
	m := MustMasters(t)
	tests := []struct {
		dept string
		n    int
		want string
	}{
		{"pwd", 1, "Junior Engineer"},
		{"pwd", 3, "Executive Engineer"},
		{"pwd", 0, ""},
		{"pwd", 4, ""},
		{"nagar", 1, ""},
		{"nope", 1, ""},
	}
	for _, tt := range tests {
		if got := m.LevelName(tt.dept, tt.n).En; got != tt.want {
			t.Errorf("LevelName(%q, %d).En = %q; want %q", tt.dept, tt.n, got, tt.want)
		}
	}
}

func TestSubordinates(t *testing.T) {
	m := MustMasters(t)
	tests := []struct {
		name    string
		officer int64
		area    string
		want    []int64
	}{
		{"AE: the active level-1 officers of the department covering the ward", aeZ1, "w1", []int64{jeW1, jeW1b}},
		{"EE: every lower level covering the ward", eeAll, "w1", []int64{jeW1, jeW1b, aeZ1, aeZ1b}},
		{"EE in another ward", eeAll, "w3", []int64{jeW3}},
		{"AE outside its zone still forwards to who covers the ward", aeZ1, "w3", []int64{jeW3}},
		{"JE: nobody below level 1", jeW1, "w1", nil},
		{"jal AE: own department only", jalAeDup, "w1", []int64{jalJeW1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &grievance.Complaint{Department: "pwd", Area: tt.area}
			var got []int64
			for _, o := range m.Subordinates(MustOfficer(t, m, tt.officer), c) {
				got = append(got, o.ID)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Subordinates(%d) in %s = %v; want %v", tt.officer, tt.area, got, tt.want)
			}
		})
	}
}

func TestTextIn(t *testing.T) {
	tests := []struct {
		text grievance.Text
		lang grievance.Lang
		want string
	}{
		{grievance.Text{Hi: "सड़क", En: "Road"}, grievance.Hindi, "सड़क"},
		{grievance.Text{Hi: "सड़क", En: "Road"}, grievance.English, "Road"},
		{grievance.Text{En: "Road"}, grievance.Hindi, "Road"},   // Hindi missing: English
		{grievance.Text{Hi: "सड़क"}, grievance.English, "सड़क"}, // English missing: Hindi
		{grievance.Text{Hi: "सड़क", En: "Road"}, "", "सड़क"},    // unknown language: Hindi
		{grievance.Text{En: "Road"}, "fr", "Road"},
		{grievance.Text{}, grievance.Hindi, ""},
		{grievance.Text{}, grievance.English, ""},
	}
	for _, tt := range tests {
		if got := tt.text.In(tt.lang); got != tt.want {
			t.Errorf("%+v.In(%q) = %q; want %q", tt.text, tt.lang, got, tt.want)
		}
	}
}

func TestCheckNew(t *testing.T) {
	tests := []struct {
		name   string
		change func(n *grievance.NewComplaint)
		want   map[string]string // nil: no error
	}{
		{"valid", func(n *grievance.NewComplaint) {}, nil},
		{"block leaf without parent", func(n *grievance.NewComplaint) { n.Area = "b1" }, nil},
		{"unknown category", func(n *grievance.NewComplaint) { n.Category = "nope" }, map[string]string{"category": "error.category"}},
		{"inactive category", func(n *grievance.NewComplaint) { n.Category = "old" }, map[string]string{"category": "error.category"}},
		{"empty category", func(n *grievance.NewComplaint) { n.Category = "" }, map[string]string{"category": "error.category"}},
		{"zone is not a leaf", func(n *grievance.NewComplaint) { n.Area = "z1" }, map[string]string{"area": "error.area"}},
		{"tehsil is not a leaf", func(n *grievance.NewComplaint) { n.Area = "sadar" }, map[string]string{"area": "error.area"}},
		{"unknown area", func(n *grievance.NewComplaint) { n.Area = "nowhere" }, map[string]string{"area": "error.area"}},
		{"empty area", func(n *grievance.NewComplaint) { n.Area = "" }, map[string]string{"area": "error.area"}},
		{"Validate's errors come through", func(n *grievance.NewComplaint) { n.Mobile = "123"; n.Area = "z1" },
			map[string]string{"mobile": "error.mobile", "area": "error.area"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := MustMasters(t)
			n := validNew()
			tt.change(&n)
			err := m.CheckNew(&n)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckNew = %v; want nil", err)
				}
				return
			}
			if code := grievance.ErrorCode(err); code != grievance.EInvalid {
				t.Fatalf("CheckNew code = %q (%v); want %q", code, err, grievance.EInvalid)
			}
			if got := grievance.AsError(err).Fields; !reflect.DeepEqual(map[string]string(got), tt.want) {
				t.Errorf("CheckNew fields = %v; want %v", got, tt.want)
			}
		})
	}
}
