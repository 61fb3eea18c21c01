package masters

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"nivaran/internal/grievance"
)

// csvColumns lists each table's columns, in the order Export writes them.
// Every column is required in a header except levels 2 to 6 of departments.
var csvColumns = map[string][]string{
	TableDistrict:    {"name_hi", "name_en"},
	TableDepartments: append([]string{"code", "name_hi", "name_en"}, levelColumns()...),
	TableCategories:  {"code", "department", "name_hi", "name_en", "resolution_days", "escalation", "require_photo", "active"},
	TableAreas:       {"code", "kind", "parent", "name_hi", "name_en"},
	TableOfficers: {"code", "department", "level", "designation_hi", "designation_en", "name", "mobile",
		"language", "jurisdiction", "superior", "active"},
	TableRules:    {"category", "area", "department"},
	TableHolidays: {"date", "name_hi", "name_en"},
}

func levelColumns() []string {
	var out []string
	for n := 1; n <= MaxLevels; n++ {
		out = append(out, fmt.Sprintf("level%d_hi", n), fmt.Sprintf("level%d_en", n))
	}
	return out
}

func optionalColumn(table, col string) bool {
	return table == TableDepartments && strings.HasPrefix(col, "level") && !strings.HasPrefix(col, "level1_") ||
		table == TableCategories && col == "escalation"
}

func exportCSV(w io.Writer, d *doc) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(bom); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true // what Excel writes and expects
	section := func(table string, rows [][]string) {
		cw.Write(append([]string{"#" + table}, csvColumns[table]...))
		for _, r := range rows {
			cw.Write(append([]string{table}, r...))
		}
	}
	section(TableDistrict, [][]string{{d.District.NameHi, d.District.NameEn}})
	var rows [][]string
	for _, x := range d.Departments {
		r := []string{x.Code, x.NameHi, x.NameEn}
		for n := range MaxLevels {
			var l grievance.Text
			if n < len(x.Levels) {
				l = x.Levels[n]
			}
			r = append(r, l.Hi, l.En)
		}
		rows = append(rows, r)
	}
	section(TableDepartments, rows)
	rows = nil
	for _, x := range d.Categories {
		rows = append(rows, []string{x.Code, x.Department, x.NameHi, x.NameEn, strconv.Itoa(x.ResolutionDays),
			x.Escalation, strconv.FormatBool(x.RequirePhoto), strconv.FormatBool(x.Active)})
	}
	section(TableCategories, rows)
	rows = nil
	for _, x := range d.Areas {
		rows = append(rows, []string{x.Code, x.Kind, x.Parent, x.NameHi, x.NameEn})
	}
	section(TableAreas, rows)
	rows = nil
	for _, x := range d.Officers {
		rows = append(rows, []string{x.Code, x.Department, strconv.Itoa(x.Level), x.DesignationHi, x.DesignationEn,
			x.Name, x.Mobile, x.Language, strings.Join(x.Jurisdiction, " "), x.Superior, strconv.FormatBool(x.Active)})
	}
	section(TableOfficers, rows)
	rows = nil
	for _, x := range d.Rules {
		rows = append(rows, []string{x.Category, x.Area, x.Department})
	}
	section(TableRules, rows)
	rows = nil
	for _, x := range d.Holidays {
		rows = append(rows, []string{x.Date, x.NameHi, x.NameEn})
	}
	section(TableHolidays, rows)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// csvRow is one data row: its cells by column name, and where it is.
type csvRow struct {
	table string
	row   int
	line  int
	cell  map[string]string
}

func (r *csvRow) err(field, key, value string) *RowError {
	return &RowError{File: r.table, Row: r.row, Line: r.line, Field: field, Key: "masters.err." + key, Value: value}
}

func (r *csvRow) int(field, key string) (int, *RowError) {
	s := r.cell[field]
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, r.err(field, key, s)
	}
	return n, nil
}

func (r *csvRow) bool(field string) (bool, *RowError) {
	// Spreadsheets rewrite true as TRUE.
	switch s := r.cell[field]; {
	case strings.EqualFold(s, "true"):
		return true, nil
	case strings.EqualFold(s, "false"):
		return false, nil
	default:
		return false, r.err(field, "bool", s)
	}
}

func importCSV(r io.Reader) (*doc, map[string][]int, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(bom)); err == nil && bytes.Equal(b, bom) {
		br.Discard(len(bom))
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // sections differ in width; checked against each header
	headers := map[string][]string{}
	counts := map[string]int{}
	lines := map[string][]int{}
	d := &doc{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			e := &RowError{File: TableDocument, Key: "masters.err.syntax", Value: err.Error()}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				e.Line, e.Value = pe.StartLine, pe.Err.Error() // where the broken record starts
				return nil, nil, e
			}
			return nil, nil, fmt.Errorf("masters: read: %w", err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if !slices.ContainsFunc(rec, func(s string) bool { return s != "" }) {
			continue // a blank row
		}
		if table, ok := strings.CutPrefix(rec[0], "#"); ok {
			// Spreadsheets pad every row to the width of the widest one.
			cols := rec[1:]
			for len(cols) > 0 && cols[len(cols)-1] == "" {
				cols = cols[:len(cols)-1]
			}
			if err := readHeader(headers, table, cols, line); err != nil {
				return nil, nil, err
			}
			continue
		}
		table := rec[0]
		cols, known := csvColumns[table]
		if !known {
			return nil, nil, &RowError{File: TableDocument, Line: line, Field: "table", Key: "masters.err.unknown_table", Value: table}
		}
		counts[table]++
		row := &csvRow{table: table, row: counts[table], line: line, cell: map[string]string{}}
		header := headers[table]
		if header == nil {
			return nil, nil, row.err("", "no_header", "")
		}
		vals := rec[1:]
		if len(vals) < len(header) {
			return nil, nil, row.err("", "short_row", "")
		}
		for _, v := range vals[len(header):] {
			if v != "" {
				return nil, nil, row.err("", "extra_value", v)
			}
		}
		for i, c := range header {
			row.cell[c] = vals[i]
		}
		for _, c := range cols {
			if _, ok := row.cell[c]; !ok {
				row.cell[c] = "" // an optional column left out of the header
			}
		}
		if err := addRow(d, row); err != nil {
			return nil, nil, err
		}
		lines[table] = append(lines[table], line)
	}
	return d, lines, nil
}

func readHeader(headers map[string][]string, table string, cols []string, line int) *RowError {
	allowed, ok := csvColumns[table]
	if !ok {
		return &RowError{File: TableDocument, Line: line, Field: "table", Key: "masters.err.unknown_table", Value: "#" + table}
	}
	if headers[table] != nil {
		return &RowError{File: table, Line: line, Key: "masters.err.duplicate_header"}
	}
	for i, c := range cols {
		switch {
		case c == "":
			return &RowError{File: table, Line: line, Key: "masters.err.empty_column"}
		case !slices.Contains(allowed, c):
			return &RowError{File: table, Line: line, Field: c, Key: "masters.err.unknown_column"}
		case slices.Contains(cols[:i], c):
			return &RowError{File: table, Line: line, Field: c, Key: "masters.err.duplicate_column"}
		}
	}
	for _, c := range allowed {
		if !optionalColumn(table, c) && !slices.Contains(cols, c) {
			return &RowError{File: table, Line: line, Field: c, Key: "masters.err.missing_column"}
		}
	}
	headers[table] = cols
	return nil
}

// addRow converts one row's cells, checking only what the conversion needs
// (numbers, booleans, the shape of the ladder); Validate does the rest.
func addRow(d *doc, r *csvRow) *RowError {
	c := r.cell
	switch r.table {
	case TableDistrict:
		if r.row > 1 {
			return r.err("", "one_row", "")
		}
		d.District = docDistrict{c["name_hi"], c["name_en"]}
	case TableDepartments:
		x := docDepartment{Code: c["code"], NameHi: c["name_hi"], NameEn: c["name_en"]}
		last := 0
		for n := 1; n <= MaxLevels; n++ {
			if c[fmt.Sprintf("level%d_hi", n)] != "" || c[fmt.Sprintf("level%d_en", n)] != "" {
				last = n
			}
		}
		for n := 1; n <= last; n++ {
			l := grievance.Text{Hi: c[fmt.Sprintf("level%d_hi", n)], En: c[fmt.Sprintf("level%d_en", n)]}
			if l.Hi == "" && l.En == "" {
				return r.err(fmt.Sprintf("level%d_hi", n), "level_gap", "")
			}
			x.Levels = append(x.Levels, l)
		}
		d.Departments = append(d.Departments, x)
	case TableCategories:
		days, err := r.int("resolution_days", "days")
		if err != nil {
			return err
		}
		photo, err := r.bool("require_photo")
		if err != nil {
			return err
		}
		active, err := r.bool("active")
		if err != nil {
			return err
		}
		d.Categories = append(d.Categories, docCategory{c["code"], c["department"], c["name_hi"], c["name_en"], days,
			c["escalation"], photo, active})
	case TableAreas:
		d.Areas = append(d.Areas, docArea{c["code"], c["kind"], c["parent"], c["name_hi"], c["name_en"]})
	case TableOfficers:
		level, err := r.int("level", "number")
		if err != nil {
			return err
		}
		active, err := r.bool("active")
		if err != nil {
			return err
		}
		d.Officers = append(d.Officers, docOfficer{c["code"], c["department"], level, c["designation_hi"], c["designation_en"],
			c["name"], c["mobile"], c["language"], strings.Fields(c["jurisdiction"]), c["superior"], active})
	case TableRules:
		d.Rules = append(d.Rules, docRule{c["category"], c["area"], c["department"]})
	case TableHolidays:
		d.Holidays = append(d.Holidays, docHoliday{c["date"], c["name_hi"], c["name_en"]})
	}
	return nil
}
