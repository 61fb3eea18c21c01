package masters

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
)

func MustDefault(t *testing.T) *grievance.Masters {
	t.Helper()
	m, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return m
}

func TestDefault(t *testing.T) {
	m := MustDefault(t)
	if err := Validate(m); err != nil {
		t.Fatalf("Validate(Default) = %v", err)
	}
	if got := len(m.Departments); got < 10 {
		t.Errorf("departments: got %d, want at least 10", got)
	}
	if got := len(m.Categories); got < 40 {
		t.Errorf("categories: got %d, want at least 40", got)
	}
	for _, d := range m.Departments {
		for level := 1; level <= len(d.Levels); level++ {
			found := false
			for _, o := range m.Officers {
				if o.Department == d.Code && o.Level == level && o.Active {
					found = true
					if o.Designation != d.Levels[level-1] {
						t.Errorf("officer %s: designation %v, want the level's %v", o.Code, o.Designation, d.Levels[level-1])
					}
				}
			}
			if !found {
				t.Errorf("department %s has no active officer at level %d", d.Code, level)
			}
		}
	}
	for _, c := range m.Categories {
		if o := m.FirstOfficer(c.Department, "", 1); o == nil || o.Level != 1 {
			t.Errorf("category %s: department %s has no level-1 officer", c.Code, c.Department)
		}
	}
	var leaves []string
	for _, a := range m.Areas {
		if m.Leaf(a.Code) {
			leaves = append(leaves, a.Code)
			if a.Kind != grievance.AreaBlock && a.Kind != grievance.AreaWard {
				t.Errorf("leaf area %s is a %s, want block or ward", a.Code, a.Kind)
			}
		}
	}
	if len(leaves) < 24+8 {
		t.Errorf("leaf areas: got %d, want at least 32", len(leaves))
	}
	for _, c := range m.Categories {
		for _, a := range leaves {
			dept, o := m.Route(c.Code, a)
			if dept == "" || o == nil {
				t.Errorf("Route(%s, %s) = %q, %v; want a department and an officer", c.Code, a, dept, o)
				continue
			}
			if o.Department != dept || o.Level != 1 {
				t.Errorf("Route(%s, %s): officer %s of %s level %d, want level 1 of %s", c.Code, a, o.Code, o.Department, o.Level, dept)
			}
		}
	}
	if len(m.Holidays) == 0 {
		t.Error("no holidays")
	}
}

func TestDefaultRouting(t *testing.T) {
	m := MustDefault(t)
	tests := []struct{ category, area, want string }{
		{"pwd-pothole", "w-z1-hazratganj", "mun"},
		{"pwd-pothole", "b-malihabad", "pwd"},
		{"pwd-road-damaged", "w-z1-hazratganj", "pwd"},
		{"mun-garbage", "w-z4-gomti-nagar", "mun"},
		{"mun-garbage", "b-kakori", "rural"},
		{"mun-streetlight", "b-chinhat", "rural"},
		{"mun-encroachment", "b-bkt", "revenue"},
		{"mun-encroachment", "w-z6-chowk", "mun"},
		{"pol-fir", "b-mal", "police"},
	}
	for _, tt := range tests {
		if got, _ := m.Route(tt.category, tt.area); got != tt.want {
			t.Errorf("Route(%s, %s) = %q, want %q", tt.category, tt.area, got, tt.want)
		}
	}
}

// TestDefaultFresh checks that callers cannot change each other's masters.
func TestDefaultFresh(t *testing.T) {
	a, b := MustDefault(t), MustDefault(t)
	a.Categories[0].Name.En = "changed"
	if b.Categories[0].Name.En == "changed" {
		t.Error("Default returned shared data")
	}
}

func TestRoundTrip(t *testing.T) {
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			want := MustDefault(t)
			var buf bytes.Buffer
			if err := Export(&buf, want, format); err != nil {
				t.Fatal(err)
			}
			first := buf.String()
			got, err := Import(&buf, format)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Import(Export(Default)) differs from Default")
			}
			buf.Reset()
			if err := Export(&buf, got, format); err != nil {
				t.Fatal(err)
			}
			if buf.String() != first {
				t.Error("second export differs from the first")
			}
		})
	}
}

func TestExportCSVSpreadsheet(t *testing.T) {
	var buf bytes.Buffer
	if err := Export(&buf, MustDefault(t), FormatCSV); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF#district,name_hi,name_en\r\n")) {
		t.Errorf("CSV starts %q, want a BOM and the district header", b[:min(len(b), 40)])
	}
	if !strings.Contains(buf.String(), "categories,mun-garbage,mun,कूड़ा नहीं उठाया गया,Garbage not collected,3,2d 1d,true,true\r\n") {
		t.Error("CSV lacks the garbage category row with Hindi intact")
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Export(&bytes.Buffer{}, MustDefault(t), "xlsx"); !errors.Is(err, ErrFormat) {
		t.Errorf("Export xlsx: got %v, want ErrFormat", err)
	}
	if _, err := Import(strings.NewReader(""), "xml"); !errors.Is(err, ErrFormat) {
		t.Errorf("Import xml: got %v, want ErrFormat", err)
	}
}

// validCSV is a small valid masters file, without a byte-order mark, with
// an upper-case TRUE and a header that leaves out levels 3-6.
const validCSV = `#district,name_hi,name_en
district,लखनऊ,Lucknow
#departments,code,name_hi,name_en,level1_hi,level1_en,level2_hi,level2_en
departments,mun,नगर निगम,Municipal Corporation,अवर अभियंता,Junior Engineer,ज़ोनल अधिकारी,Zonal Officer
#categories,code,department,name_hi,name_en,resolution_days,require_photo,active
categories,mun-garbage,mun,कूड़ा,Garbage,3,true,true
categories,mun-drain,mun,नाली,Drain,5,TRUE,true
#areas,code,kind,parent,name_hi,name_en
areas,z1,zone,,ज़ोन 1,Zone 1
areas,w-z1-a,ward,z1,अमीनाबाद,Aminabad
#officers,code,department,level,designation_hi,designation_en,name,mobile,language,jurisdiction,superior,active
officers,mun-l1,mun,1,अवर अभियंता,Junior Engineer,,9000000001,hi,,mun-l2,true
officers,mun-l2,mun,2,ज़ोनल अधिकारी,Zonal Officer,,9000000002,hi,z1,,true
#rules,category,area,department
rules,mun-drain,w-z1-a,mun

#holidays,date,name_hi,name_en
holidays,2026-01-26,गणतंत्र दिवस,Republic Day
`

func TestImportValidCSV(t *testing.T) {
	m, err := Import(strings.NewReader(validCSV), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(m.Departments[0].Levels); got != 2 {
		t.Errorf("levels: got %d, want 2", got)
	}
	if !m.Categories[1].RequirePhoto {
		t.Error("TRUE was not read as true")
	}
	if got := m.OfficerByCode("mun-l2").Areas; !reflect.DeepEqual(got, []string{"w-z1-a"}) {
		t.Errorf("mun-l2 areas: got %v, want [w-z1-a]", got)
	}
}

func TestImportBadCSV(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replace old by new in validCSV
		want     RowError
	}{
		{"days not a number", ",3,true,true", ",abc,true,true",
			RowError{File: "categories", Row: 1, Line: 6, Field: "resolution_days", Key: "masters.err.days", Value: "abc"}},
		{"days out of range", ",5,TRUE,", ",366,TRUE,",
			RowError{File: "categories", Row: 2, Line: 7, Field: "resolution_days", Key: "masters.err.days", Value: "366"}},
		{"bool", ",5,TRUE,", ",5,yes,",
			RowError{File: "categories", Row: 2, Line: 7, Field: "require_photo", Key: "masters.err.bool", Value: "yes"}},
		{"unknown column", "#rules,category,area,department", "#rules,category,area,department,priority",
			RowError{File: "rules", Line: 14, Field: "priority", Key: "masters.err.unknown_column"}},
		{"missing column", "#holidays,date,name_hi,name_en", "#holidays,date,name_hi",
			RowError{File: "holidays", Line: 17, Field: "name_en", Key: "masters.err.missing_column"}},
		{"duplicate column", "#holidays,date,name_hi,name_en", "#holidays,date,name_hi,name_en,date",
			RowError{File: "holidays", Line: 17, Field: "date", Key: "masters.err.duplicate_column"}},
		{"extra value", "rules,mun-drain,w-z1-a,mun", "rules,mun-drain,w-z1-a,mun,,police",
			RowError{File: "rules", Row: 1, Line: 15, Key: "masters.err.extra_value", Value: "police"}},
		{"short row", "areas,w-z1-a,ward,z1,अमीनाबाद,Aminabad", "areas,w-z1-a,ward,z1,अमीनाबाद",
			RowError{File: "areas", Row: 2, Line: 10, Key: "masters.err.short_row"}},
		{"unknown table", "rules,mun-drain", "rule,mun-drain",
			RowError{File: "document", Line: 15, Field: "table", Key: "masters.err.unknown_table", Value: "rule"}},
		{"no header", "#holidays,date,name_hi,name_en\n", "",
			RowError{File: "holidays", Row: 1, Line: 17, Key: "masters.err.no_header"}},
		{"duplicate header", "#rules,category,area,department\n", "#rules,category,area,department\n#rules,category,area,department\n",
			RowError{File: "rules", Line: 15, Key: "masters.err.duplicate_header"}},
		{"malformed quotes", "rules,mun-drain,w-z1-a,mun", `rules,"mun-drain,w-z1-a,mun`,
			RowError{File: "document", Line: 15, Key: "masters.err.syntax", Value: "extraneous or missing \" in quoted-field"}},
		{"two districts", "district,लखनऊ,Lucknow\n", "district,लखनऊ,Lucknow\ndistrict,कानपुर,Kanpur\n",
			RowError{File: "district", Row: 2, Line: 3, Key: "masters.err.one_row"}},
		{"duplicate code", "categories,mun-drain,", "categories,mun-garbage,",
			RowError{File: "categories", Row: 2, Line: 7, Field: "code", Key: "masters.err.duplicate", Value: "mun-garbage"}},
		{"bad code", "categories,mun-garbage,", "categories,Mun_Garbage,",
			RowError{File: "categories", Row: 1, Line: 6, Field: "code", Key: "masters.err.code", Value: "Mun_Garbage"}},
		{"unknown department", "categories,mun-drain,mun,", "categories,mun-drain,jal,",
			RowError{File: "categories", Row: 2, Line: 7, Field: "department", Key: "masters.err.department", Value: "jal"}},
		{"empty English name", "कूड़ा,Garbage,", "कूड़ा,,",
			RowError{File: "categories", Row: 1, Line: 6, Field: "name_en", Key: "masters.err.required"}},
		{"formula", "कूड़ा,Garbage,", "कूड़ा,=HYPERLINK(1),",
			RowError{File: "categories", Row: 1, Line: 6, Field: "name_en", Key: "masters.err.formula", Value: "=HYPERLINK(1)"}},
		{"level gap", "अवर अभियंता,Junior Engineer,ज़ोनल", ",,ज़ोनल",
			RowError{File: "departments", Row: 1, Line: 4, Field: "level1_hi", Key: "masters.err.level_gap"}},
		{"level half empty", "ज़ोनल अधिकारी,Zonal Officer\n", "ज़ोनल अधिकारी,\n",
			RowError{File: "departments", Row: 1, Line: 4, Field: "level2_en", Key: "masters.err.required"}},
		{"area kind", "areas,z1,zone,", "areas,z1,village,",
			RowError{File: "areas", Row: 1, Line: 9, Field: "kind", Key: "masters.err.kind", Value: "village"}},
		{"area parent unknown", "ward,z1,", "ward,z9,",
			RowError{File: "areas", Row: 2, Line: 10, Field: "parent", Key: "masters.err.area", Value: "z9"}},
		{"area cycle", "areas,z1,zone,,", "areas,z1,zone,w-z1-a,",
			RowError{File: "areas", Row: 1, Line: 9, Field: "parent", Key: "masters.err.cycle", Value: "w-z1-a"}},
		{"officer level", "officers,mun-l2,mun,2,", "officers,mun-l2,mun,3,",
			RowError{File: "officers", Row: 2, Line: 13, Field: "level", Key: "masters.err.level", Value: "3"}},
		{"officer level not a number", "officers,mun-l2,mun,2,", "officers,mun-l2,mun,two,",
			RowError{File: "officers", Row: 2, Line: 13, Field: "level", Key: "masters.err.number", Value: "two"}},
		{"officer mobile", "9000000002", "12345",
			RowError{File: "officers", Row: 2, Line: 13, Field: "mobile", Key: "masters.err.mobile", Value: "12345"}},
		{"officer language", "9000000001,hi,", "9000000001,fr,",
			RowError{File: "officers", Row: 1, Line: 12, Field: "language", Key: "masters.err.language", Value: "fr"}},
		{"officer jurisdiction", "hi,z1,,true", "hi,z1 z9,,true",
			RowError{File: "officers", Row: 2, Line: 13, Field: "jurisdiction", Key: "masters.err.area", Value: "z9"}},
		{"superior unknown", ",mun-l2,true", ",mun-l3,true",
			RowError{File: "officers", Row: 1, Line: 12, Field: "superior", Key: "masters.err.officer", Value: "mun-l3"}},
		{"superior lower", "hi,z1,,true", "hi,z1,mun-l1,true",
			RowError{File: "officers", Row: 2, Line: 13, Field: "superior", Key: "masters.err.superior_level", Value: "mun-l1"}},
		{"rule on a zone", "rules,mun-drain,w-z1-a,", "rules,mun-drain,z1,",
			RowError{File: "rules", Row: 1, Line: 15, Field: "area", Key: "masters.err.leaf", Value: "z1"}},
		{"rule category", "rules,mun-drain,", "rules,mun-road,",
			RowError{File: "rules", Row: 1, Line: 15, Field: "category", Key: "masters.err.category", Value: "mun-road"}},
		{"holiday date", "2026-01-26", "2026-02-30",
			RowError{File: "holidays", Row: 1, Line: 18, Field: "date", Key: "masters.err.date", Value: "2026-02-30"}},
		{"holiday date in local style", "2026-01-26", "26-01-2026",
			RowError{File: "holidays", Row: 1, Line: 18, Field: "date", Key: "masters.err.date", Value: "26-01-2026"}},
		{"holiday twice", "holidays,2026-01-26,गणतंत्र दिवस,Republic Day\n", "holidays,2026-01-26,गणतंत्र दिवस,Republic Day\nholidays,2026-01-26,दूसरा,Second\n",
			RowError{File: "holidays", Row: 2, Line: 19, Field: "date", Key: "masters.err.duplicate", Value: "2026-01-26"}},
		{"invalid UTF-8", "Garbage", "Garb\xffage",
			RowError{File: "categories", Row: 1, Line: 6, Field: "name_en", Key: "masters.err.utf8", Value: "Garb\uFFFDage"}},
		{"no categories", "categories,mun-garbage,mun,कूड़ा,Garbage,3,true,true\ncategories,mun-drain,mun,नाली,Drain,5,TRUE,true\n", "",
			RowError{File: "categories", Key: "masters.err.empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(validCSV, tt.old, tt.new, 1)
			if in == validCSV {
				t.Fatalf("replacement %q not found", tt.old)
			}
			m, err := Import(strings.NewReader(in), FormatCSV)
			checkRowError(t, m, err, tt.want)
		})
	}
}

func checkRowError(t *testing.T, m *grievance.Masters, err error, want RowError) {
	t.Helper()
	if m != nil {
		t.Error("Import returned masters along with an error")
	}
	var got *RowError
	if !errors.As(err, &got) {
		t.Fatalf("got error %v, want a *RowError", err)
	}
	if *got != want {
		t.Errorf("got  %+v\nwant %+v", *got, want)
	}
}

func TestImportBadJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := Export(&buf, MustDefault(t), FormatJSON); err != nil {
		t.Fatal(err)
	}
	valid := buf.String()
	tests := []struct {
		name     string
		old, new string
		want     RowError
	}{
		{"days as text", `"resolution_days": 5,`, `"resolution_days": "5",`,
			RowError{File: "categories", Row: 2, Field: "resolution_days", Key: "masters.err.days", Value: "string"}},
		{"days fraction", `"resolution_days": 5,`, `"resolution_days": 5.5,`,
			RowError{File: "categories", Row: 2, Field: "resolution_days", Key: "masters.err.days", Value: "number 5.5"}},
		{"bool as text", `"require_photo": true,`, `"require_photo": "yes",`,
			RowError{File: "categories", Row: 1, Field: "require_photo", Key: "masters.err.bool", Value: "string"}},
		{"unknown field", `"require_photo": true,`, `"require_photo": true, "priority": 1,`,
			RowError{File: "categories", Row: 1, Field: "priority", Key: "masters.err.unknown_field"}},
		{"unknown table", `"rules": [`, `"routes": [], "rules": [`,
			RowError{File: "document", Key: "masters.err.unknown_table", Value: "routes"}},
		{"table not a list", `"holidays": [`, `"holidays": {}, "x": [`,
			RowError{File: "holidays", Line: -1, Key: "masters.err.list", Value: "object"}},
		{"row not an object", `"rules": [`, `"rules": [7,`,
			RowError{File: "rules", Row: 1, Key: "masters.err.object", Value: "number"}},
		{"jurisdiction not a list", `"jurisdiction": []`, `"jurisdiction": "z1"`,
			RowError{File: "officers", Row: 1, Field: "jurisdiction", Key: "masters.err.list", Value: "string"}},
		{"syntax", `"district": {`, `"district": {,`,
			RowError{File: "document", Line: 2, Key: "masters.err.syntax", Value: "invalid character ',' looking for beginning of object key string"}},
		{"validation", `"code": "mun-garbage"`, `"code": "mun garbage"`,
			RowError{File: "categories", Row: 1, Field: "code", Key: "masters.err.code", Value: "mun garbage"}},
		{"levels", `"levels": [`, `"levels": [{"hi": "क", "en": "a"}, {"hi": "ख", "en": "b"}, {"hi": "ग", "en": "c"}, {"hi": "घ", "en": "d"},`,
			RowError{File: "departments", Row: 1, Field: "levels", Key: "masters.err.levels", Value: "7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(valid, tt.old, tt.new, 1)
			if in == valid {
				t.Fatalf("replacement %q not found", tt.old)
			}
			if tt.want.Line < 0 { // the line of the change
				tt.want.Line = 1 + strings.Count(in[:strings.Index(in, tt.new)], "\n")
			}
			m, err := Import(strings.NewReader(in), FormatJSON)
			checkRowError(t, m, err, tt.want)
		})
	}
	t.Run("trailing data", func(t *testing.T) {
		m, err := Import(strings.NewReader(valid+"{}"), FormatJSON)
		var re *RowError
		if m != nil || !errors.As(err, &re) || re.Key != "masters.err.syntax" {
			t.Errorf("got %v, %v; want a syntax RowError", m, err)
		}
	})
	t.Run("BOM", func(t *testing.T) {
		if _, err := Import(strings.NewReader("\uFEFF"+valid), FormatJSON); err != nil {
			t.Errorf("JSON with a byte-order mark: %v", err)
		}
	})
}

func TestRowErrorMessages(t *testing.T) {
	e := &RowError{File: "categories", Row: 7, Field: "resolution_days", Key: "masters.err.days", Value: "abc"}
	if got, want := e.Error(), `masters: categories row 7 (resolution_days): must be a whole number from 1 to 365: "abc"`; got != want {
		t.Errorf("Error() = %s\nwant      %s", got, want)
	}
	c := i18n.MustLoad()
	if got, want := Message(e, "en", c), `categories row 7 (resolution_days): must be a whole number from 1 to 365: "abc"`; got != want {
		t.Errorf("Message en = %s\nwant         %s", got, want)
	}
	if got, want := Message(e, "hi", c), `श्रेणी तालिका की पंक्ति 7 (resolution_days): 1 से 365 तक की पूर्ण संख्या होनी चाहिए: "abc"`; got != want {
		t.Errorf("Message hi = %s\nwant         %s", got, want)
	}
	e = &RowError{File: "rules", Line: 14, Field: "priority", Key: "masters.err.unknown_column"}
	if got, want := Message(e, "hi", c), `रूटिंग नियम तालिका लाइन 14 (priority): इस तालिका का कॉलम नहीं है`; got != want {
		t.Errorf("Message hi = %s\nwant         %s", got, want)
	}
	e = &RowError{File: "officers", Row: 2, Line: 13, Field: "mobile", Key: "masters.err.mobile", Value: "12345"}
	if got, want := e.Error(), `masters: officers row 2, line 13 (mobile): must be a 10-digit mobile number starting with 6, 7, 8 or 9: "12345"`; got != want {
		t.Errorf("Error() = %s\nwant      %s", got, want)
	}
}

// TestCatalogue checks that every reason and table has a message in both
// languages and that the English catalogue says what Error says.
func TestCatalogue(t *testing.T) {
	c := i18n.MustLoad()
	for key, en := range reasons {
		if !c.Has(key) {
			t.Errorf("catalogue lacks %s", key)
			continue
		}
		if got := c.T("en", key); got != en {
			t.Errorf("en %s = %q, Error says %q", key, got, en)
		}
	}
	for _, k := range c.Keys() {
		if strings.HasPrefix(k, "masters.err.") && reasons[k] == "" {
			t.Errorf("catalogue key %s is not a reason Validate or Import gives", k)
		}
	}
	for _, table := range append(Tables, TableDocument) {
		if !c.Has("masters.table." + table) {
			t.Errorf("catalogue lacks masters.table.%s", table)
		}
	}
}

func TestValidateDirect(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *grievance.Masters)
		want   RowError
	}{
		{"superior in another department", func(m *grievance.Masters) { m.Officers[0].Superior = "pwd-l3" },
			RowError{File: "officers", Row: 1, Field: "superior", Key: "masters.err.superior_dept", Value: "pwd-l3"}},
		{"no levels", func(m *grievance.Masters) { m.Departments[2].Levels = nil },
			RowError{File: "departments", Row: 3, Field: "levels", Key: "masters.err.levels", Value: "0"}},
		{"duplicate rule", func(m *grievance.Masters) { m.Rules = append(m.Rules, m.Rules[3]) },
			RowError{File: "rules", Row: len(MustDefault(t).Rules) + 1, Field: "area", Key: "masters.err.duplicate", Value: "pwd-pothole w-z2-rajajipuram"}},
		{"control character", func(m *grievance.Masters) { m.District.En = "Luck\tnow" },
			RowError{File: "district", Row: 1, Field: "name_en", Key: "masters.err.control"}},
		{"spaces", func(m *grievance.Masters) { m.Holidays[0].Name.Hi = " गणतंत्र दिवस" },
			RowError{File: "holidays", Row: 1, Field: "name_hi", Key: "masters.err.space", Value: " गणतंत्र दिवस"}},
		{"long officer name", func(m *grievance.Masters) { m.Officers[4].Name = strings.Repeat("क", 101) },
			RowError{File: "officers", Row: 5, Field: "name", Key: "masters.err.long_name"}},
		{"self cycle", func(m *grievance.Masters) { m.Areas[0].Parent = m.Areas[0].Code },
			RowError{File: "areas", Row: 1, Field: "parent", Key: "masters.err.cycle", Value: "t-sadar"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := MustDefault(t)
			tt.change(m)
			err := Validate(m)
			var got *RowError
			if !errors.As(err, &got) {
				t.Fatalf("got %v, want a *RowError", err)
			}
			if *got != tt.want {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

// TestImportLadder: a category's escalation ladder survives a round trip,
// and a malformed one is refused naming its row and column.
func TestImportLadder(t *testing.T) {
	var buf bytes.Buffer
	if err := Export(&buf, MustDefault(t), FormatCSV); err != nil {
		t.Fatal(err)
	}
	m, err := Import(bytes.NewReader(buf.Bytes()), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if got := grievance.FormatLadder(m.Category("pow-outage").Escalation); got != "8h 8h" {
		t.Errorf("pow-outage ladder %q, want 8h 8h", got)
	}
	bad := strings.Replace(buf.String(), ",3,2d 1d,true,true", ",3,2 days,true,true", 1)
	_, err = Import(strings.NewReader(bad), FormatCSV)
	var re *RowError
	if !errors.As(err, &re) || re.File != TableCategories || re.Field != "escalation" || re.Key != "masters.err.ladder" || re.Line == 0 {
		t.Fatalf("bad ladder: %v", err)
	}
}
