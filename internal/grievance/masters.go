package grievance

import (
	"slices"
	"sort"
)

// Text is a name or label in both languages.
type Text struct {
	Hi string `json:"hi"`
	En string `json:"en"`
}

// In returns the text in lang, falling back to the other language when empty.
func (t Text) In(lang Lang) string {
	if lang == English && t.En != "" || t.Hi == "" {
		return t.En
	}
	return t.Hi
}

// Department is a line department of the district.
type Department struct {
	Code   string
	Name   Text
	Levels []Text // designation of each level of its ladder, level 1 first
}

// Category is a kind of grievance a citizen can choose.
type Category struct {
	Code           string
	Department     string
	Name           Text
	ResolutionDays int    // working days at level 1
	Escalation     []Span // time at levels 2, 3, …; a level beyond the list gets the default
	RequirePhoto   bool   // the action-taken report must carry a photo and its location
	Active         bool
}

// AreaKind says what an area is.
type AreaKind string

// The kinds of area.
const (
	AreaTehsil AreaKind = "tehsil"
	AreaBlock  AreaKind = "block"
	AreaZone   AreaKind = "zone"
	AreaWard   AreaKind = "ward"
)

// Area is a tehsil, block, urban zone or ward. Citizens choose leaves (areas
// no other area names as parent); jurisdictions may name any area.
type Area struct {
	Code   string
	Kind   AreaKind
	Parent string
	Name   Text
}

// Officer is a post in a department's hierarchy, held by a person.
type Officer struct {
	ID          int64
	Code        string // stable key in the masters, e.g. "pwd-je-sadar"
	Department  string
	Level       int
	Designation Text
	Name        string
	Mobile      string
	Language    Lang
	// Jurisdiction is the areas as configured (any level); empty means the
	// whole district. Areas is its expansion to leaf codes, made by Index.
	Jurisdiction []string
	Areas        []string
	Superior     string // code of the superior officer, "" at the top
	Active       bool
}

// Covers reports whether area lies in the officer's jurisdiction.
func (o *Officer) Covers(area string) bool {
	return len(o.Areas) == 0 || slices.Contains(o.Areas, area)
}

// CanForwardTo reports whether o may forward complaint c to t: t is an active
// officer of the same department, lower on the ladder, whose jurisdiction
// covers the complaint's area.
func (o *Officer) CanForwardTo(t *Officer, c *Complaint) bool {
	return t.Active && t.ID != o.ID && t.Department == o.Department && t.Level < o.Level && t.Covers(c.Area)
}

// RoutingRule sends complaints of a category in an area (or in every area,
// when Area is empty) to a department.
type RoutingRule struct {
	Category   string
	Area       string
	Department string
}

// Holiday is a date (YYYY-MM-DD, local) on which offices are closed.
type Holiday struct {
	Date string
	Name Text
}

// Masters is the district's reference data in memory, with lookups.
type Masters struct {
	District    Text
	Departments []Department
	Categories  []Category
	Areas       []Area
	Officers    []Officer
	Rules       []RoutingRule
	Holidays    []Holiday

	dept    map[string]*Department
	cat     map[string]*Category
	area    map[string]*Area
	kids    map[string][]string
	offID   map[int64]*Officer
	offCode map[string]*Officer
}

// Index builds the lookup tables. Call it after changing the slices.
func (m *Masters) Index() {
	m.dept = map[string]*Department{}
	for i := range m.Departments {
		m.dept[m.Departments[i].Code] = &m.Departments[i]
	}
	m.cat = map[string]*Category{}
	for i := range m.Categories {
		m.cat[m.Categories[i].Code] = &m.Categories[i]
	}
	m.area = map[string]*Area{}
	m.kids = map[string][]string{}
	for i := range m.Areas {
		a := &m.Areas[i]
		m.area[a.Code] = a
		if a.Parent != "" {
			m.kids[a.Parent] = append(m.kids[a.Parent], a.Code)
		}
	}
	m.offID = map[int64]*Officer{}
	m.offCode = map[string]*Officer{}
	for i := range m.Officers {
		o := &m.Officers[i]
		o.Areas = m.ExpandAreas(o.Jurisdiction)
		if len(o.Jurisdiction) > 0 && len(o.Areas) == 0 {
			o.Areas = []string{"-"} // names no known area: covers nothing, not everything
		}
		m.offID[o.ID] = o
		m.offCode[o.Code] = o
	}
}

// Department returns the department with code, or nil.
func (m *Masters) Department(code string) *Department { return m.dept[code] }

// Category returns the category with code, or nil.
func (m *Masters) Category(code string) *Category { return m.cat[code] }

// Area returns the area with code, or nil.
func (m *Masters) Area(code string) *Area { return m.area[code] }

// Officer returns the officer with id, or nil.
func (m *Masters) Officer(id int64) *Officer { return m.offID[id] }

// OfficerByCode returns the officer with code, or nil.
func (m *Masters) OfficerByCode(code string) *Officer { return m.offCode[code] }

// Leaf reports whether area code names an area a citizen can choose.
func (m *Masters) Leaf(code string) bool { return m.area[code] != nil && len(m.kids[code]) == 0 }

// Leaves returns the codes of the leaf areas under code (itself when a leaf).
func (m *Masters) Leaves(code string) []string {
	if len(m.kids[code]) == 0 {
		if m.area[code] == nil {
			return nil
		}
		return []string{code}
	}
	var out []string
	for _, k := range m.kids[code] {
		out = append(out, m.Leaves(k)...)
	}
	return out
}

// ExpandAreas turns a jurisdiction (any areas) into sorted leaf codes.
func (m *Masters) ExpandAreas(codes []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range codes {
		for _, l := range m.Leaves(c) {
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	sort.Strings(out)
	return out
}

// LevelName returns the designation of level n in department code.
func (m *Masters) LevelName(code string, n int) Text {
	d := m.dept[code]
	if d == nil || n < 1 || n > len(d.Levels) {
		return Text{}
	}
	return d.Levels[n-1]
}

// Route finds the department and the level-1 officer for a complaint of
// category in area. A routing rule for the category and area wins over one
// for the category alone, which wins over the category's own department.
// Officer is nil when no active officer of the department covers the area:
// the complaint then waits in the control-room queue.
func (m *Masters) Route(category, area string) (dept string, officer *Officer) {
	c := m.cat[category]
	if c == nil {
		return "", nil
	}
	dept = c.Department
	specific := false
	for _, r := range m.Rules {
		if r.Category != category {
			continue
		}
		if r.Area == area {
			dept, specific = r.Department, true
		} else if r.Area == "" && !specific {
			dept = r.Department
		}
	}
	if dept == "" {
		return "", nil
	}
	return dept, m.FirstOfficer(dept, area, 1)
}

// FirstOfficer returns the active officer of dept at the lowest level not
// below minLevel whose jurisdiction covers area, preferring the narrowest
// jurisdiction, then the lowest ID; nil when there is none.
func (m *Masters) FirstOfficer(dept, area string, minLevel int) *Officer {
	var best *Officer
	for i := range m.Officers {
		o := &m.Officers[i]
		if !o.Active || o.Department != dept || o.Level < minLevel || !o.Covers(area) {
			continue
		}
		if best == nil || o.Level < best.Level ||
			o.Level == best.Level && (narrower(o, best) || len(o.Areas) == len(best.Areas) && o.ID < best.ID) {
			best = o
		}
	}
	return best
}

func narrower(a, b *Officer) bool {
	if len(b.Areas) == 0 {
		return len(a.Areas) > 0
	}
	return len(a.Areas) > 0 && len(a.Areas) < len(b.Areas)
}

// LevelSpan returns the time complaints of category code get at level
// (2 and up) of the ladder: the category's own, else def.
func (m *Masters) LevelSpan(code string, level int, def Span) Span {
	if c := m.cat[code]; c != nil && level >= 2 && level-2 < len(c.Escalation) {
		return c.Escalation[level-2]
	}
	return def
}

// NextUp returns the officer a complaint escalates to: the active officer
// of its department at the lowest level above its current one whose
// jurisdiction covers its area; nil at the top of the ladder.
func (m *Masters) NextUp(c *Complaint) *Officer {
	if c.Department == "" {
		return nil
	}
	return m.FirstOfficer(c.Department, c.Area, c.Level+1)
}

// Subordinates returns the officers o may forward c to.
func (m *Masters) Subordinates(o *Officer, c *Complaint) []*Officer {
	var out []*Officer
	for i := range m.Officers {
		if t := &m.Officers[i]; o.CanForwardTo(t, c) {
			out = append(out, t)
		}
	}
	return out
}

// CheckNew checks a normalised new complaint against the masters and the
// rules of Validate; it returns EInvalid with per-field keys.
func (m *Masters) CheckNew(n *NewComplaint) error {
	f := n.Validate()
	if n.Category != "" {
		if c := m.cat[n.Category]; c == nil || !c.Active {
			f.Add("category", "error.category")
		}
	}
	if n.Area != "" && !m.Leaf(n.Area) {
		f.Add("area", "error.area")
	}
	return f.Err()
}

// CheckReassign checks the category and area a reassignment gives, when it
// gives them: an active category and a leaf area.
func (m *Masters) CheckReassign(act *Action) error {
	f := FieldErrors{}
	if act.Category != "" {
		if c := m.cat[act.Category]; c == nil || !c.Active {
			f.Add("category", "error.category")
		}
	}
	if act.Area != "" && !m.Leaf(act.Area) {
		f.Add("area", "error.area")
	}
	if act.Department != "" && m.dept[act.Department] == nil {
		f.Add("department", "error.department")
	}
	return f.Err()
}
