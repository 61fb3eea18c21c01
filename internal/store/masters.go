package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"nivaran/internal/grievance"
)

// Masters returns the cached masters, indexed. The value is shared: callers
// must not change it.
func (s *Store) Masters(ctx context.Context) (*grievance.Masters, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("masters", err)
	}
	return s.state().m, nil
}

// ReplaceMasters checks m as a whole and replaces the stored masters with it
// in one transaction. Officers are matched by code: an existing officer
// keeps its ID; one missing from m is kept but made inactive (complaints and
// accounts refer to it); a new one gets a new ID. m itself is not changed:
// Masters returns the stored copy, with IDs, from the moment the transaction
// commits, followed by the officers made inactive.
//
// EInvalid with key "masters.invalid" naming the first wrong row, and
// nothing changes, when a reference does not resolve (category or rule to a
// department, rule to a category or area, officer to a department, level,
// jurisdiction area or superior), a code is empty or repeated, areas form a
// cycle, or a holiday date is malformed.
func (s *Store) ReplaceMasters(ctx context.Context, m *grievance.Masters) error {
	if m == nil {
		return wrap("replace masters", mastersInvalid("masters: missing"))
	}
	if err := validateMasters(m); err != nil {
		return wrap("replace masters", err)
	}
	c := cloneMasters(m)
	err := s.write(ctx, func(w *wtx) error {
		if err := storeMasters(w, c); err != nil {
			return err
		}
		if _, err := w.mastersStored(); err != nil {
			return err
		}
		return nil
	})
	return wrap("replace masters", err)
}

func mastersInvalid(format string, args ...any) *grievance.Error {
	return &grievance.Error{Code: grievance.EInvalid, Key: "masters.invalid", Args: []any{fmt.Sprintf(format, args...)}}
}

// validateMasters checks the referential integrity of m as a whole. It is
// the last line of defence: package masters checks files more richly.
func validateMasters(m *grievance.Masters) error {
	depts := map[string]*grievance.Department{}
	for i := range m.Departments {
		d := &m.Departments[i]
		switch {
		case d.Code == "":
			return mastersInvalid("departments row %d: empty code", i+1)
		case depts[d.Code] != nil:
			return mastersInvalid("departments row %d: code %q repeated", i+1, d.Code)
		case len(d.Levels) == 0:
			return mastersInvalid("departments row %d: %s has no levels", i+1, d.Code)
		}
		depts[d.Code] = d
	}
	cats := map[string]bool{}
	for i, c := range m.Categories {
		switch {
		case c.Code == "":
			return mastersInvalid("categories row %d: empty code", i+1)
		case cats[c.Code]:
			return mastersInvalid("categories row %d: code %q repeated", i+1, c.Code)
		case depts[c.Department] == nil:
			return mastersInvalid("categories row %d: %s: unknown department %q", i+1, c.Code, c.Department)
		case c.ResolutionDays < 1:
			return mastersInvalid("categories row %d: %s: resolution days must be at least 1", i+1, c.Code)
		}
		cats[c.Code] = true
	}
	areas := map[string]*grievance.Area{}
	for i := range m.Areas {
		a := &m.Areas[i]
		switch {
		case a.Code == "":
			return mastersInvalid("areas row %d: empty code", i+1)
		case areas[a.Code] != nil:
			return mastersInvalid("areas row %d: code %q repeated", i+1, a.Code)
		}
		switch a.Kind {
		case grievance.AreaTehsil, grievance.AreaBlock, grievance.AreaZone, grievance.AreaWard:
		default:
			return mastersInvalid("areas row %d: %s: unknown kind %q", i+1, a.Code, a.Kind)
		}
		areas[a.Code] = a
	}
	for i, a := range m.Areas {
		if a.Parent != "" && areas[a.Parent] == nil {
			return mastersInvalid("areas row %d: %s: unknown parent %q", i+1, a.Code, a.Parent)
		}
		// Walk up: more steps than areas means a cycle, which would send
		// the expansion of jurisdictions round for ever.
		p := a.Parent
		for n := 0; p != ""; n++ {
			if p == a.Code || n > len(m.Areas) {
				return mastersInvalid("areas row %d: %s: parents form a cycle", i+1, a.Code)
			}
			p = areas[p].Parent
		}
	}
	offs := map[string]bool{}
	for i, o := range m.Officers {
		if o.Code == "" {
			return mastersInvalid("officers row %d: empty code", i+1)
		}
		if offs[o.Code] {
			return mastersInvalid("officers row %d: code %q repeated", i+1, o.Code)
		}
		offs[o.Code] = true
		d := depts[o.Department]
		if d == nil {
			return mastersInvalid("officers row %d: %s: unknown department %q", i+1, o.Code, o.Department)
		}
		if o.Level < 1 || o.Level > len(d.Levels) {
			return mastersInvalid("officers row %d: %s: level %d not in 1..%d of %s", i+1, o.Code, o.Level, len(d.Levels), d.Code)
		}
		for _, a := range o.Jurisdiction {
			if areas[a] == nil {
				return mastersInvalid("officers row %d: %s: unknown jurisdiction area %q", i+1, o.Code, a)
			}
		}
	}
	for i, o := range m.Officers {
		if o.Superior != "" && (!offs[o.Superior] || o.Superior == o.Code) {
			return mastersInvalid("officers row %d: %s: unknown superior %q", i+1, o.Code, o.Superior)
		}
	}
	for i, r := range m.Rules {
		switch {
		case !cats[r.Category]:
			return mastersInvalid("routing rules row %d: unknown category %q", i+1, r.Category)
		case r.Area != "" && areas[r.Area] == nil:
			return mastersInvalid("routing rules row %d: unknown area %q", i+1, r.Area)
		case depts[r.Department] == nil:
			return mastersInvalid("routing rules row %d: unknown department %q", i+1, r.Department)
		}
	}
	days := map[string]bool{}
	for i, h := range m.Holidays {
		if _, err := time.Parse(time.DateOnly, h.Date); err != nil {
			return mastersInvalid("holidays row %d: date %q is not YYYY-MM-DD", i+1, h.Date)
		}
		if days[h.Date] {
			return mastersInvalid("holidays row %d: date %s repeated", i+1, h.Date)
		}
		days[h.Date] = true
	}
	return nil
}

// cloneMasters copies the slices of m, so that the stored value shares
// nothing the caller may change.
func cloneMasters(m *grievance.Masters) *grievance.Masters {
	c := &grievance.Masters{
		District:    m.District,
		Departments: slices.Clone(m.Departments),
		Categories:  slices.Clone(m.Categories),
		Areas:       slices.Clone(m.Areas),
		Officers:    slices.Clone(m.Officers),
		Rules:       slices.Clone(m.Rules),
		Holidays:    slices.Clone(m.Holidays),
	}
	for i := range c.Departments {
		c.Departments[i].Levels = slices.Clone(c.Departments[i].Levels)
	}
	for i := range c.Officers {
		c.Officers[i].Jurisdiction = slices.Clone(c.Officers[i].Jurisdiction)
		c.Officers[i].Areas = nil
	}
	return c
}

// storeMasters writes m over the stored masters (see ReplaceMasters).
func storeMasters(w *wtx, m *grievance.Masters) error {
	for _, q := range []string{"DELETE FROM routing_rules", "DELETE FROM categories", "DELETE FROM areas",
		"DELETE FROM departments", "DELETE FROM holidays",
		"DELETE FROM settings WHERE key IN ('district.name_hi', 'district.name_en')"} {
		if _, err := w.exec(q); err != nil {
			return err
		}
	}
	for _, kv := range [][2]string{{"district.name_hi", m.District.Hi}, {"district.name_en", m.District.En}} {
		if _, err := w.exec("INSERT INTO settings (key, value) VALUES (?, ?)", kv[0], kv[1]); err != nil {
			return err
		}
	}
	for i, d := range m.Departments {
		levels, err := json.Marshal(d.Levels)
		if err != nil {
			return err
		}
		if _, err := w.exec("INSERT INTO departments (code, name_hi, name_en, levels, position) VALUES (?, ?, ?, ?, ?)",
			d.Code, d.Name.Hi, d.Name.En, string(levels), i); err != nil {
			return err
		}
	}
	for i, c := range m.Categories {
		if _, err := w.exec(`INSERT INTO categories (code, department, name_hi, name_en, resolution_days, escalation, require_photo, active, position)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.Code, c.Department, c.Name.Hi, c.Name.En, c.ResolutionDays, grievance.FormatLadder(c.Escalation),
			b2i(c.RequirePhoto), b2i(c.Active), i); err != nil {
			return err
		}
	}
	for i, a := range m.Areas {
		if _, err := w.exec("INSERT INTO areas (code, kind, parent, name_hi, name_en, position) VALUES (?, ?, ?, ?, ?, ?)",
			a.Code, string(a.Kind), a.Parent, a.Name.Hi, a.Name.En, i); err != nil {
			return err
		}
	}
	for i, r := range m.Rules {
		if _, err := w.exec("INSERT INTO routing_rules (category, area, department, position) VALUES (?, ?, ?, ?)",
			r.Category, r.Area, r.Department, i); err != nil {
			return err
		}
	}
	for _, h := range m.Holidays {
		if _, err := w.exec("INSERT INTO holidays (date, name_hi, name_en) VALUES (?, ?, ?)", h.Date, h.Name.Hi, h.Name.En); err != nil {
			return err
		}
	}

	existing := map[string]int64{}
	rows, err := w.QueryContext(w.ctx, "SELECT id, code FROM officers ORDER BY id")
	if err != nil {
		return err
	}
	var order []string
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			rows.Close()
			return err
		}
		existing[code] = id
		order = append(order, code)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	kept := map[string]bool{}
	for i, o := range m.Officers {
		kept[o.Code] = true
		jur := o.Jurisdiction
		if jur == nil {
			jur = []string{}
		}
		j, err := json.Marshal(jur)
		if err != nil {
			return err
		}
		args := []any{o.Department, o.Level, o.Designation.Hi, o.Designation.En, o.Name, o.Mobile,
			string(o.Language), string(j), o.Superior, b2i(o.Active), i}
		if id, ok := existing[o.Code]; ok {
			if _, err := w.exec(`UPDATE officers SET department = ?, level = ?, designation_hi = ?, designation_en = ?,
name = ?, mobile = ?, language = ?, jurisdiction = ?, superior = ?, active = ?, position = ? WHERE id = ?`,
				append(args, id)...); err != nil {
				return err
			}
			continue
		}
		if _, err := w.exec(`INSERT INTO officers (department, level, designation_hi, designation_en, name, mobile,
language, jurisdiction, superior, active, position, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append(args, o.Code)...); err != nil {
			return err
		}
	}
	pos := len(m.Officers)
	for _, code := range order {
		if kept[code] {
			continue
		}
		if _, err := w.exec("UPDATE officers SET active = 0, position = ? WHERE id = ?", pos, existing[code]); err != nil {
			return err
		}
		pos++
	}
	return nil
}

// loadMasters reads the stored masters, not yet indexed.
func loadMasters(ctx context.Context, q querier) (*grievance.Masters, error) {
	m := &grievance.Masters{}
	rows, err := q.QueryContext(ctx, "SELECT key, value FROM settings WHERE key IN ('district.name_hi', 'district.name_en')")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return nil, err
		}
		if k == "district.name_hi" {
			m.District.Hi = v
		} else {
			m.District.En = v
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	err = each(ctx, q, "SELECT code, name_hi, name_en, levels FROM departments ORDER BY position, code", func(r scanner) error {
		var d grievance.Department
		var levels string
		if err := r.Scan(&d.Code, &d.Name.Hi, &d.Name.En, &levels); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(levels), &d.Levels); err != nil {
			return fmt.Errorf("department %s: levels: %w", d.Code, err)
		}
		m.Departments = append(m.Departments, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, `SELECT code, department, name_hi, name_en, resolution_days, escalation, require_photo, active
FROM categories ORDER BY position, code`, func(r scanner) error {
		var c grievance.Category
		var ladder string
		if err := r.Scan(&c.Code, &c.Department, &c.Name.Hi, &c.Name.En, &c.ResolutionDays, &ladder, &c.RequirePhoto, &c.Active); err != nil {
			return err
		}
		var err error
		if c.Escalation, err = grievance.ParseLadder(ladder); err != nil {
			return fmt.Errorf("category %s escalation: %w", c.Code, err)
		}
		m.Categories = append(m.Categories, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, "SELECT code, kind, parent, name_hi, name_en FROM areas ORDER BY position, code", func(r scanner) error {
		var a grievance.Area
		if err := r.Scan(&a.Code, &a.Kind, &a.Parent, &a.Name.Hi, &a.Name.En); err != nil {
			return err
		}
		m.Areas = append(m.Areas, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, `SELECT id, code, department, level, designation_hi, designation_en, name, mobile, language,
jurisdiction, superior, active FROM officers ORDER BY position, id`, func(r scanner) error {
		var o grievance.Officer
		var jur string
		if err := r.Scan(&o.ID, &o.Code, &o.Department, &o.Level, &o.Designation.Hi, &o.Designation.En, &o.Name,
			&o.Mobile, &o.Language, &jur, &o.Superior, &o.Active); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(jur), &o.Jurisdiction); err != nil {
			return fmt.Errorf("officer %s: jurisdiction: %w", o.Code, err)
		}
		if len(o.Jurisdiction) == 0 {
			o.Jurisdiction = nil
		}
		m.Officers = append(m.Officers, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, "SELECT category, area, department FROM routing_rules ORDER BY position, id", func(r scanner) error {
		var rr grievance.RoutingRule
		if err := r.Scan(&rr.Category, &rr.Area, &rr.Department); err != nil {
			return err
		}
		m.Rules = append(m.Rules, rr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, "SELECT date, name_hi, name_en FROM holidays ORDER BY date", func(r scanner) error {
		var h grievance.Holiday
		if err := r.Scan(&h.Date, &h.Name.Hi, &h.Name.En); err != nil {
			return err
		}
		m.Holidays = append(m.Holidays, h)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// each runs query and calls fn for every row; it checks rows.Err.
func each(ctx context.Context, q querier, query string, fn func(scanner) error, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
