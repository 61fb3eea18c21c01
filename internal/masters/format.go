package masters

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"

	"nivaran/internal/grievance"
)

// The formats of Import and Export.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
)

// Formats lists the supported formats.
var Formats = []string{FormatJSON, FormatCSV}

// ContentType returns the MIME type of a format, "" when unknown.
func ContentType(format string) string {
	switch format {
	case FormatJSON:
		return "application/json; charset=utf-8"
	case FormatCSV:
		return "text/csv; charset=utf-8"
	}
	return ""
}

// ErrFormat is returned (wrapped) for a format other than those in Formats.
var ErrFormat = errors.New("unknown format")

//go:embed default.json
var defaultJSON []byte

// Default returns the built-in masters of a district modelled on Lucknow,
// indexed. Each call returns a fresh copy the caller may change.
func Default() (*grievance.Masters, error) {
	m, err := Import(bytes.NewReader(defaultJSON), FormatJSON)
	if err != nil {
		return nil, fmt.Errorf("masters: default: %w", err)
	}
	return m, nil
}

// Export writes m in format ("json" or "csv"). It writes what it is given,
// without validating; officers are written by code, without IDs.
func Export(w io.Writer, m *grievance.Masters, format string) error {
	var err error
	switch format {
	case FormatJSON:
		err = exportJSON(w, toDoc(m))
	case FormatCSV:
		err = exportCSV(w, toDoc(m))
	default:
		return fmt.Errorf("masters: export: %w %q", ErrFormat, format)
	}
	if err != nil {
		return fmt.Errorf("masters: export %s: %w", format, err)
	}
	return nil
}

// Import reads masters in format ("json" or "csv"), parsing strictly, then
// checks them with Validate. It returns indexed masters with officer IDs 0
// (the store assigns them), or nil and an error: a *RowError naming the
// table, row, column and reason of the first problem, a wrapped ErrFormat,
// or a read error. It never returns a partial result.
func Import(r io.Reader, format string) (*grievance.Masters, error) {
	var (
		d     *doc
		lines map[string][]int // CSV line of each data row, by table
		err   error
	)
	switch format {
	case FormatJSON:
		d, err = importJSON(r)
	case FormatCSV:
		d, lines, err = importCSV(r)
	default:
		return nil, fmt.Errorf("masters: import: %w %q", ErrFormat, format)
	}
	if err != nil {
		return nil, err
	}
	for i, x := range d.Categories {
		if _, err := grievance.ParseLadder(x.Escalation); err != nil {
			re := &RowError{File: TableCategories, Row: i + 1, Field: "escalation", Key: "masters.err.ladder", Value: x.Escalation}
			if rows := lines[TableCategories]; i < len(rows) {
				re.Line = rows[i]
			}
			return nil, re
		}
	}
	m := fromDoc(d)
	if err := Validate(m); err != nil {
		var re *RowError
		if errors.As(err, &re) && re.Row > 0 && re.Row <= len(lines[re.File]) {
			re.Line = lines[re.File][re.Row-1]
		}
		return nil, err
	}
	m.Index()
	return m, nil
}

// doc is the masters as written in a file: officers by code, no IDs, names
// as separate Hindi and English fields. Its rows are the JSON objects and
// the CSV rows.
type doc struct {
	District    docDistrict     `json:"district"`
	Departments []docDepartment `json:"departments"`
	Categories  []docCategory   `json:"categories"`
	Areas       []docArea       `json:"areas"`
	Officers    []docOfficer    `json:"officers"`
	Rules       []docRule       `json:"rules"`
	Holidays    []docHoliday    `json:"holidays"`
}

type docDistrict struct {
	NameHi string `json:"name_hi"`
	NameEn string `json:"name_en"`
}

type docDepartment struct {
	Code   string           `json:"code"`
	NameHi string           `json:"name_hi"`
	NameEn string           `json:"name_en"`
	Levels []grievance.Text `json:"levels"`
}

type docCategory struct {
	Code           string `json:"code"`
	Department     string `json:"department"`
	NameHi         string `json:"name_hi"`
	NameEn         string `json:"name_en"`
	ResolutionDays int    `json:"resolution_days"`
	Escalation     string `json:"escalation,omitempty"` // times of levels 2, 3, …: "3d 2d" or "48h 24h"
	RequirePhoto   bool   `json:"require_photo"`
	Active         bool   `json:"active"`
}

type docArea struct {
	Code   string `json:"code"`
	Kind   string `json:"kind"`
	Parent string `json:"parent"`
	NameHi string `json:"name_hi"`
	NameEn string `json:"name_en"`
}

type docOfficer struct {
	Code          string   `json:"code"`
	Department    string   `json:"department"`
	Level         int      `json:"level"`
	DesignationHi string   `json:"designation_hi"`
	DesignationEn string   `json:"designation_en"`
	Name          string   `json:"name"`
	Mobile        string   `json:"mobile"`
	Language      string   `json:"language"`
	Jurisdiction  []string `json:"jurisdiction"`
	Superior      string   `json:"superior"`
	Active        bool     `json:"active"`
}

type docRule struct {
	Category   string `json:"category"`
	Area       string `json:"area"`
	Department string `json:"department"`
}

type docHoliday struct {
	Date   string `json:"date"`
	NameHi string `json:"name_hi"`
	NameEn string `json:"name_en"`
}

func toDoc(m *grievance.Masters) *doc {
	d := &doc{District: docDistrict{m.District.Hi, m.District.En}}
	for _, x := range m.Departments {
		d.Departments = append(d.Departments, docDepartment{x.Code, x.Name.Hi, x.Name.En, append([]grievance.Text{}, x.Levels...)})
	}
	for _, x := range m.Categories {
		d.Categories = append(d.Categories, docCategory{x.Code, x.Department, x.Name.Hi, x.Name.En, x.ResolutionDays,
			grievance.FormatLadder(x.Escalation), x.RequirePhoto, x.Active})
	}
	for _, x := range m.Areas {
		d.Areas = append(d.Areas, docArea{x.Code, string(x.Kind), x.Parent, x.Name.Hi, x.Name.En})
	}
	for _, x := range m.Officers {
		d.Officers = append(d.Officers, docOfficer{x.Code, x.Department, x.Level, x.Designation.Hi, x.Designation.En,
			x.Name, x.Mobile, string(x.Language), append([]string{}, x.Jurisdiction...), x.Superior, x.Active})
	}
	for _, x := range m.Rules {
		d.Rules = append(d.Rules, docRule(x))
	}
	for _, x := range m.Holidays {
		d.Holidays = append(d.Holidays, docHoliday{x.Date, x.Name.Hi, x.Name.En})
	}
	return d
}

// fromDoc converts without checking; empty lists become nil so that
// imports compare equal whatever the file said.
func fromDoc(d *doc) *grievance.Masters {
	m := &grievance.Masters{District: grievance.Text{Hi: d.District.NameHi, En: d.District.NameEn}}
	for _, x := range d.Departments {
		var levels []grievance.Text
		if len(x.Levels) > 0 {
			levels = append(levels, x.Levels...)
		}
		m.Departments = append(m.Departments, grievance.Department{Code: x.Code,
			Name: grievance.Text{Hi: x.NameHi, En: x.NameEn}, Levels: levels})
	}
	for _, x := range d.Categories {
		m.Categories = append(m.Categories, grievance.Category{Code: x.Code, Department: x.Department,
			Name: grievance.Text{Hi: x.NameHi, En: x.NameEn}, ResolutionDays: x.ResolutionDays,
			Escalation: ladder(x.Escalation), RequirePhoto: x.RequirePhoto, Active: x.Active})
	}
	for _, x := range d.Areas {
		m.Areas = append(m.Areas, grievance.Area{Code: x.Code, Kind: grievance.AreaKind(x.Kind), Parent: x.Parent,
			Name: grievance.Text{Hi: x.NameHi, En: x.NameEn}})
	}
	for _, x := range d.Officers {
		var jur []string
		if len(x.Jurisdiction) > 0 {
			jur = append(jur, x.Jurisdiction...)
		}
		m.Officers = append(m.Officers, grievance.Officer{Code: x.Code, Department: x.Department, Level: x.Level,
			Designation: grievance.Text{Hi: x.DesignationHi, En: x.DesignationEn}, Name: x.Name, Mobile: x.Mobile,
			Language: grievance.Lang(x.Language), Jurisdiction: jur, Superior: x.Superior, Active: x.Active})
	}
	for _, x := range d.Rules {
		m.Rules = append(m.Rules, grievance.RoutingRule(x))
	}
	for _, x := range d.Holidays {
		m.Holidays = append(m.Holidays, grievance.Holiday{Date: x.Date, Name: grievance.Text{Hi: x.NameHi, En: x.NameEn}})
	}
	return m
}

// ladder parses a checked escalation ladder; nil when empty.
func ladder(v string) []grievance.Span {
	l, _ := grievance.ParseLadder(v)
	return l
}
