package masters

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

var bom = []byte("\uFEFF")

func exportJSON(w io.Writer, d *doc) error {
	// Lists are written as [] rather than null, so an administrator sees
	// where to add rows.
	nonNil(&d.Departments)
	nonNil(&d.Categories)
	nonNil(&d.Areas)
	nonNil(&d.Officers)
	nonNil(&d.Rules)
	nonNil(&d.Holidays)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

func nonNil[T any](s *[]T) {
	if *s == nil {
		*s = []T{}
	}
}

// jsonDoc is doc with each row kept raw, so that a bad row can be named.
type jsonDoc struct {
	District    json.RawMessage   `json:"district"`
	Departments []json.RawMessage `json:"departments"`
	Categories  []json.RawMessage `json:"categories"`
	Areas       []json.RawMessage `json:"areas"`
	Officers    []json.RawMessage `json:"officers"`
	Rules       []json.RawMessage `json:"rules"`
	Holidays    []json.RawMessage `json:"holidays"`
}

func importJSON(r io.Reader) (*doc, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("masters: read: %w", err)
	}
	b = bytes.TrimPrefix(b, bom)
	var raw jsonDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(TableDocument, 0, b, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &RowError{File: TableDocument, Line: lineAt(b, dec.InputOffset()), Key: "masters.err.syntax",
			Value: "data after the end of the document"}
	}
	d := &doc{}
	if raw.District != nil {
		if err := decodeRow(raw.District, &d.District); err != nil {
			return nil, jsonError(TableDistrict, 1, nil, err)
		}
	}
	if err := decodeRows(TableDepartments, raw.Departments, &d.Departments); err != nil {
		return nil, err
	}
	if err := decodeRows(TableCategories, raw.Categories, &d.Categories); err != nil {
		return nil, err
	}
	if err := decodeRows(TableAreas, raw.Areas, &d.Areas); err != nil {
		return nil, err
	}
	if err := decodeRows(TableOfficers, raw.Officers, &d.Officers); err != nil {
		return nil, err
	}
	if err := decodeRows(TableRules, raw.Rules, &d.Rules); err != nil {
		return nil, err
	}
	if err := decodeRows(TableHolidays, raw.Holidays, &d.Holidays); err != nil {
		return nil, err
	}
	return d, nil
}

func decodeRows[T any](table string, rows []json.RawMessage, out *[]T) error {
	for i, raw := range rows {
		var v T
		if err := decodeRow(raw, &v); err != nil {
			return jsonError(table, i+1, nil, err)
		}
		*out = append(*out, v)
	}
	return nil
}

func decodeRow(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// jsonError turns a decoding error into a *RowError. src, when given, is the
// whole input, to find the line of a syntax error.
func jsonError(table string, row int, src []byte, err error) *RowError {
	e := &RowError{File: table, Row: row}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		e.Key, e.Value = "masters.err.syntax", syn.Error()
		if src != nil {
			e.Line = lineAt(src, syn.Offset)
		}
	case errors.As(err, &typ):
		e.Field = typ.Field
		if row == 0 && typ.Field != "" {
			// A whole table of the wrong type, e.g. "areas": {}.
			e.File, _, _ = strings.Cut(typ.Field, ".")
			e.Field = ""
		}
		e.Key = "masters.err." + typeKey(typ.Type)
		if typ.Field == "resolution_days" {
			e.Key = "masters.err.days"
		}
		e.Value = typ.Value
		if src != nil {
			e.Line = lineAt(src, typ.Offset)
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.Key, e.Value = "masters.err.syntax", "unexpected end of the document"
	default:
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			e.Key = "masters.err.unknown_field"
			e.Field = strings.Trim(f, `"`)
			if row == 0 {
				e.Key = "masters.err.unknown_table"
				e.Value, e.Field = e.Field, ""
			}
		} else {
			e.Key, e.Value = "masters.err.syntax", err.Error()
		}
	}
	return e
}

func typeKey(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "number"
	case reflect.Bool:
		return "bool"
	case reflect.String:
		return "text"
	case reflect.Slice:
		return "list"
	}
	return "object"
}

// lineAt returns the 1-based line of byte offset off in b.
func lineAt(b []byte, off int64) int {
	off = min(max(off, 0), int64(len(b)))
	return 1 + bytes.Count(b[:off], []byte("\n"))
}
