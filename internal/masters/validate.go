package masters

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
)

// The tables (sections) of the masters, in the order Validate checks them and
// Export writes them.
const (
	TableDistrict    = "district"
	TableDepartments = "departments"
	TableCategories  = "categories"
	TableAreas       = "areas"
	TableOfficers    = "officers"
	TableRules       = "rules"
	TableHolidays    = "holidays"
	// TableDocument names errors that belong to no table: a file that cannot
	// be parsed at all, or an unknown table name.
	TableDocument = "document"
)

// Tables lists the tables in order.
var Tables = []string{TableDistrict, TableDepartments, TableCategories, TableAreas, TableOfficers, TableRules, TableHolidays}

// Limits of the masters.
const (
	MaxLevels  = 6   // rungs of a department's ladder
	MaxText    = 200 // runes in a name or designation
	MaxDays    = 365 // resolution days of a category
	MaxCodeLen = 40
)

var codeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// RowError says which row of which table is wrong, and why. Import and
// Validate return it (as error) for the first wrong row they meet.
type RowError struct {
	File  string // table: "categories", …, or "document"
	Row   int    // 1-based data row within the table; 0 when the error is not about one row
	Line  int    // 1-based line of the CSV input, when known; 0 otherwise
	Field string // column, e.g. "resolution_days"; "" when about the whole row or table
	Key   string // catalogue key of the reason, e.g. "masters.err.days"
	Value string // the offending value, when it helps
}

// Error returns a one-line English message, e.g.
// categories row 7 (resolution_days): must be a whole number from 1 to 365: "abc".
func (e *RowError) Error() string {
	reason, ok := reasons[e.Key]
	if !ok {
		reason = e.Key
	}
	return "masters: " + e.render(e.File, "%s row %d", ", line %d", "line %d", reason)
}

// Message renders err in lang ("hi" or "en") through the catalogue c: the
// table name, position and reason are translated; the column name and the
// value are shown as written, because that is what the administrator sees
// in the file.
func Message(err *RowError, lang string, c *i18n.Catalogue) string {
	return err.render(c.T(lang, "masters.table."+err.File), c.T(lang, "masters.where.row"),
		c.T(lang, "masters.where.and_line"), c.T(lang, "masters.where.line"), c.T(lang, err.Key))
}

func (e *RowError) render(table, rowFmt, andLineFmt, lineFmt, reason string) string {
	var b strings.Builder
	switch {
	case e.Row > 0:
		fmt.Fprintf(&b, rowFmt, table, e.Row)
		if e.Line > 0 {
			fmt.Fprintf(&b, andLineFmt, e.Line)
		}
	case e.Line > 0:
		b.WriteString(table)
		b.WriteString(" ")
		fmt.Fprintf(&b, lineFmt, e.Line)
	default:
		b.WriteString(table)
	}
	if e.Field != "" {
		b.WriteString(" (" + e.Field + ")")
	}
	b.WriteString(": " + reason)
	if e.Value != "" {
		b.WriteString(": " + strconv.Quote(e.Value))
	}
	return b.String()
}

// reasons holds the English text of every reason key; the English catalogue
// must say the same (a test checks), so Error and Message agree.
var reasons = map[string]string{
	"masters.err.required":         "must not be empty",
	"masters.err.ladder":           "must be times like 3d (working days) or 36h (office hours), separated by spaces",
	"masters.err.utf8":             "is not valid UTF-8 text",
	"masters.err.control":          "contains control characters",
	"masters.err.space":            "has spaces at the start or end",
	"masters.err.long":             "is too long (at most 200 characters)",
	"masters.err.long_name":        "is too long (at most 100 characters)",
	"masters.err.formula":          "must not start with =, +, - or @ (a spreadsheet would take it for a formula)",
	"masters.err.code":             "must be 1 to 40 lowercase letters, digits or hyphens, starting with a letter or digit",
	"masters.err.duplicate":        "is already used by an earlier row",
	"masters.err.empty":            "the table has no rows",
	"masters.err.one_row":          "the table must have exactly one row",
	"masters.err.levels":           "a department needs 1 to 6 levels",
	"masters.err.level_gap":        "a level above is filled while this one is empty",
	"masters.err.department":       "names no department",
	"masters.err.category":         "names no category",
	"masters.err.area":             "names no area",
	"masters.err.leaf":             "must be an area citizens choose (one with no areas under it)",
	"masters.err.officer":          "names no officer",
	"masters.err.days":             "must be a whole number from 1 to 365",
	"masters.err.number":           "must be a whole number",
	"masters.err.bool":             "must be true or false",
	"masters.err.text":             "must be text",
	"masters.err.list":             "must be a list",
	"masters.err.object":           "must be an object",
	"masters.err.kind":             "must be tehsil, block, zone or ward",
	"masters.err.cycle":            "makes the area lie inside itself",
	"masters.err.level":            "is not a level of the department's ladder",
	"masters.err.mobile":           "must be a 10-digit mobile number starting with 6, 7, 8 or 9",
	"masters.err.language":         "must be hi or en",
	"masters.err.superior_dept":    "must be an officer of the same department",
	"masters.err.superior_level":   "must be an officer at a higher level",
	"masters.err.date":             "must be a date written YYYY-MM-DD",
	"masters.err.unknown_column":   "is not a column of this table",
	"masters.err.missing_column":   "is a required column missing from the header",
	"masters.err.duplicate_column": "appears twice in the header",
	"masters.err.empty_column":     "the header has an empty column name",
	"masters.err.extra_value":      "the row has a value beyond the last column of its header",
	"masters.err.short_row":        "the row has fewer cells than its header has columns",
	"masters.err.unknown_table":    "is not the name of a table",
	"masters.err.no_header":        "the row comes before the header row of its table",
	"masters.err.duplicate_header": "the table's header row appears twice",
	"masters.err.syntax":           "cannot be read",
	"masters.err.unknown_field":    "is not a field of this table",
}

// Validate checks the masters as a whole and returns a *RowError for the
// first wrong row, in table order (district, departments, categories, areas,
// officers, rules, holidays), or nil. It reads only the exported slices, so
// m need not be indexed.
func Validate(m *grievance.Masters) error {
	v := validator{m: m}
	for _, check := range []func() *RowError{v.district, v.departments, v.categories, v.areas, v.officers, v.rules, v.holidays} {
		if e := check(); e != nil {
			return e
		}
	}
	return nil
}

type validator struct {
	m    *grievance.Masters
	dept map[string]*grievance.Department
	cat  map[string]bool
	area map[string]*grievance.Area
	kids map[string]bool // areas that some area names as parent
}

func rowErr(file string, row int, field, key, value string) *RowError {
	return &RowError{File: file, Row: row, Field: field, Key: "masters.err." + key, Value: value}
}

// text checks a name: required, valid UTF-8, no control characters, trimmed,
// at most MaxText runes.
func text(file string, row int, field, s string, required bool) *RowError {
	switch {
	case !utf8.ValidString(s):
		return rowErr(file, row, field, "utf8", strings.ToValidUTF8(s, "\uFFFD"))
	case s == "":
		if required {
			return rowErr(file, row, field, "required", "")
		}
		return nil
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return rowErr(file, row, field, "control", "")
	case strings.TrimSpace(s) != s:
		return rowErr(file, row, field, "space", s)
	case strings.ContainsRune("=+-@", rune(s[0])):
		// A spreadsheet opening the exported CSV would run it as a formula.
		return rowErr(file, row, field, "formula", s)
	case utf8.RuneCountInString(s) > MaxText:
		return rowErr(file, row, field, "long", "")
	}
	return nil
}

// code checks a code's form and, when seen is not nil, its uniqueness among
// earlier rows.
func code(file string, row int, field, s string, seen map[string]bool) *RowError {
	if s == "" {
		return rowErr(file, row, field, "required", "")
	}
	if !codeRE.MatchString(s) {
		return rowErr(file, row, field, "code", s)
	}
	if seen != nil {
		if seen[s] {
			return rowErr(file, row, field, "duplicate", s)
		}
		seen[s] = true
	}
	return nil
}

func names(file string, row int, t grievance.Text, prefix string) *RowError {
	if e := text(file, row, prefix+"_hi", t.Hi, true); e != nil {
		return e
	}
	return text(file, row, prefix+"_en", t.En, true)
}

func (v *validator) district() *RowError {
	return names(TableDistrict, 1, v.m.District, "name")
}

func (v *validator) departments() *RowError {
	const f = TableDepartments
	if len(v.m.Departments) == 0 {
		return rowErr(f, 0, "", "empty", "")
	}
	v.dept = map[string]*grievance.Department{}
	for i := range v.m.Departments {
		d, row := &v.m.Departments[i], i+1
		if v.dept[d.Code] != nil {
			return rowErr(f, row, "code", "duplicate", d.Code)
		}
		if e := code(f, row, "code", d.Code, nil); e != nil {
			return e
		}
		v.dept[d.Code] = d
		if e := names(f, row, d.Name, "name"); e != nil {
			return e
		}
		if len(d.Levels) < 1 || len(d.Levels) > MaxLevels {
			return rowErr(f, row, "levels", "levels", strconv.Itoa(len(d.Levels)))
		}
		for j, l := range d.Levels {
			if e := names(f, row, l, fmt.Sprintf("level%d", j+1)); e != nil {
				return e
			}
		}
	}
	return nil
}

func (v *validator) categories() *RowError {
	const f = TableCategories
	if len(v.m.Categories) == 0 {
		return rowErr(f, 0, "", "empty", "")
	}
	v.cat = map[string]bool{}
	for i, c := range v.m.Categories {
		row := i + 1
		if e := code(f, row, "code", c.Code, v.cat); e != nil {
			return e
		}
		if v.dept[c.Department] == nil {
			return rowErr(f, row, "department", "department", c.Department)
		}
		if e := names(f, row, c.Name, "name"); e != nil {
			return e
		}
		if c.ResolutionDays < 1 || c.ResolutionDays > MaxDays {
			return rowErr(f, row, "resolution_days", "days", strconv.Itoa(c.ResolutionDays))
		}
	}
	return nil
}

func (v *validator) areas() *RowError {
	const f = TableAreas
	if len(v.m.Areas) == 0 {
		return rowErr(f, 0, "", "empty", "")
	}
	v.area = map[string]*grievance.Area{}
	v.kids = map[string]bool{}
	for i := range v.m.Areas {
		a := &v.m.Areas[i]
		if v.area[a.Code] == nil {
			v.area[a.Code] = a // the first wins; a duplicate is reported below
		}
		v.kids[a.Parent] = true
	}
	seen := map[string]bool{}
	for i, a := range v.m.Areas {
		row := i + 1
		if e := code(f, row, "code", a.Code, seen); e != nil {
			return e
		}
		switch a.Kind {
		case grievance.AreaTehsil, grievance.AreaBlock, grievance.AreaZone, grievance.AreaWard:
		default:
			return rowErr(f, row, "kind", "kind", string(a.Kind))
		}
		if a.Parent != "" {
			if v.area[a.Parent] == nil {
				return rowErr(f, row, "parent", "area", a.Parent)
			}
			// Walk up at most len(areas) steps: a chain longer than that, or
			// one that comes back to a, is a cycle.
			p := a.Parent
			for n := 0; p != ""; n++ {
				if p == a.Code || n > len(v.m.Areas) {
					return rowErr(f, row, "parent", "cycle", a.Parent)
				}
				up := v.area[p]
				if up == nil {
					break // reported on the row that names it
				}
				p = up.Parent
			}
		}
		if e := names(f, row, a.Name, "name"); e != nil {
			return e
		}
	}
	return nil
}

func (v *validator) officers() *RowError {
	const f = TableOfficers
	byCode := map[string]*grievance.Officer{}
	for i := range v.m.Officers {
		o := &v.m.Officers[i]
		if byCode[o.Code] == nil {
			byCode[o.Code] = o
		}
	}
	seen := map[string]bool{}
	for i, o := range v.m.Officers {
		row := i + 1
		if e := code(f, row, "code", o.Code, seen); e != nil {
			return e
		}
		d := v.dept[o.Department]
		if d == nil {
			return rowErr(f, row, "department", "department", o.Department)
		}
		if o.Level < 1 || o.Level > len(d.Levels) {
			return rowErr(f, row, "level", "level", strconv.Itoa(o.Level))
		}
		if e := names(f, row, o.Designation, "designation"); e != nil {
			return e
		}
		if e := text(f, row, "name", o.Name, false); e != nil {
			return e
		}
		if utf8.RuneCountInString(o.Name) > grievance.MaxName {
			return rowErr(f, row, "name", "long_name", "")
		}
		if !grievance.ValidMobile(o.Mobile) {
			return rowErr(f, row, "mobile", "mobile", o.Mobile)
		}
		if !o.Language.Valid() {
			return rowErr(f, row, "language", "language", string(o.Language))
		}
		for _, a := range o.Jurisdiction {
			if v.area[a] == nil {
				return rowErr(f, row, "jurisdiction", "area", a)
			}
		}
		if o.Superior != "" {
			s := byCode[o.Superior]
			switch {
			case s == nil:
				return rowErr(f, row, "superior", "officer", o.Superior)
			case s.Department != o.Department:
				return rowErr(f, row, "superior", "superior_dept", o.Superior)
			case s.Level <= o.Level:
				return rowErr(f, row, "superior", "superior_level", o.Superior)
			}
		}
	}
	return nil
}

func (v *validator) rules() *RowError {
	const f = TableRules
	seen := map[grievance.RoutingRule]bool{}
	for i, r := range v.m.Rules {
		row := i + 1
		if !v.cat[r.Category] {
			return rowErr(f, row, "category", "category", r.Category)
		}
		if r.Area != "" {
			if v.area[r.Area] == nil {
				return rowErr(f, row, "area", "area", r.Area)
			}
			// Route compares a rule's area with the complaint's area, which
			// is always a leaf: a rule on a tehsil or zone would never match.
			if v.kids[r.Area] {
				return rowErr(f, row, "area", "leaf", r.Area)
			}
		}
		if v.dept[r.Department] == nil {
			return rowErr(f, row, "department", "department", r.Department)
		}
		k := grievance.RoutingRule{Category: r.Category, Area: r.Area}
		if seen[k] {
			return rowErr(f, row, "area", "duplicate", r.Category+" "+r.Area)
		}
		seen[k] = true
	}
	return nil
}

func (v *validator) holidays() *RowError {
	const f = TableHolidays
	seen := map[string]bool{}
	for i, h := range v.m.Holidays {
		row := i + 1
		if !ValidDate(h.Date) {
			return rowErr(f, row, "date", "date", h.Date)
		}
		if seen[h.Date] {
			return rowErr(f, row, "date", "duplicate", h.Date)
		}
		seen[h.Date] = true
		if e := names(f, row, h.Name, "name"); e != nil {
			return e
		}
	}
	return nil
}

// ValidDate reports whether s is a real calendar date written YYYY-MM-DD.
func ValidDate(s string) bool {
	t, err := time.Parse(time.DateOnly, s)
	return err == nil && t.Format(time.DateOnly) == s
}
