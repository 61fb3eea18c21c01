package web

import (
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"nivaran/internal/grievance"
)

// holidaysView is the administrator's holiday list.
type holidaysView struct {
	Holidays []grievance.Holiday
	Year     int
	Saved    int // holidays saved by the last import, -1 when none
}

func (s *Server) adminHolidays(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	s.showHolidays(w, r, http.StatusOK, nil)
}

func (s *Server) showHolidays(w http.ResponseWriter, r *http.Request, status int, err error) {
	p := s.newPage(r, identityFrom(r))
	p.Title = p.T("holidays.title")
	v := holidaysView{Holidays: p.Masters.Holidays, Year: s.Now().In(s.Location).Year() + 1, Saved: -1}
	if n, e := strconv.Atoi(r.URL.Query().Get("saved")); e == nil {
		v.Saved = n
	}
	p.Data = v
	p.Form = r.PostForm
	var he *holidayError
	if errors.As(err, &he) {
		err = grievance.Errorf(grievance.EInvalid, "error.holiday_row", he.line, p.T(he.reason))
	}
	if err != nil {
		s.formFail(w, r, "admin_holidays", p, err)
		return
	}
	s.render(w, status, "admin_holidays", p)
}

// adminHolidaysImport replaces one year's holidays with a CSV file of rows
// "date,name_hi,name_en" (a header row is optional). The whole file is
// checked first; a wrong row changes nothing and is named in the message.
func (s *Server) adminHolidaysImport(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	year, err := strconv.Atoi(r.PostFormValue("year"))
	if err != nil || year < 2000 || year > 2100 {
		s.showHolidays(w, r, 0, (grievance.FieldErrors{"year": "error.year"}).Err())
		return
	}
	var rows []grievance.Holiday
	if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) == 1 {
		f, err := r.MultipartForm.File["file"][0].Open()
		if err != nil {
			s.showHolidays(w, r, 0, (grievance.FieldErrors{"file": "error.bad_form"}).Err())
			return
		}
		defer f.Close()
		rows, err = parseHolidays(f, year)
		if err != nil {
			s.showHolidays(w, r, 0, err)
			return
		}
	} else {
		s.showHolidays(w, r, 0, (grievance.FieldErrors{"file": "error.holiday_file"}).Err())
		return
	}
	cur, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := *cur
	next.Holidays = nil
	for _, h := range cur.Holidays {
		if !strings.HasPrefix(h.Date, strconv.Itoa(year)+"-") {
			next.Holidays = append(next.Holidays, h)
		}
	}
	next.Holidays = append(next.Holidays, rows...)
	slices.SortFunc(next.Holidays, func(a, b grievance.Holiday) int { return strings.Compare(a.Date, b.Date) })
	// The masters are shared and never changed in place: copy what
	// ReplaceMasters reads before it indexes its argument.
	next.Departments = slices.Clone(cur.Departments)
	next.Categories = slices.Clone(cur.Categories)
	next.Areas = slices.Clone(cur.Areas)
	next.Officers = slices.Clone(cur.Officers)
	next.Rules = slices.Clone(cur.Rules)
	if err := s.Admin.ReplaceMastersAs(r.Context(), identityFrom(r).Actor, &next, grievance.AuditHoliday); err != nil {
		s.showHolidays(w, r, 0, err)
		return
	}
	redirect(w, r, "/admin/holidays?saved="+strconv.Itoa(len(rows)))
}

// parseHolidays reads rows "date,name_hi,name_en" of one year.
func parseHolidays(r io.Reader, year int) ([]grievance.Holiday, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var out []grievance.Holiday
	seen := map[string]bool{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		bad := func(key string) error { return &holidayError{line: line, reason: key} }
		if err != nil {
			return nil, bad("holidays.reason_csv")
		}
		if line == 1 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			if strings.EqualFold(strings.TrimSpace(rec[0]), "date") {
				continue
			}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != 3 {
			return nil, bad("holidays.reason_columns")
		}
		date, hi, en := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2])
		d, err := time.Parse(time.DateOnly, date)
		switch {
		case err != nil:
			return nil, bad("holidays.reason_date")
		case d.Year() != year:
			return nil, bad("holidays.reason_year")
		case seen[date]:
			return nil, bad("holidays.reason_twice")
		case hi == "" || en == "" || !utf8.ValidString(hi+en) || len(hi) > 200 || len(en) > 200:
			return nil, bad("holidays.reason_name")
		case strings.ContainsAny(hi[:1]+en[:1], "=+-@"):
			return nil, bad("holidays.reason_formula")
		}
		seen[date] = true
		out = append(out, grievance.Holiday{Date: date, Name: grievance.Text{Hi: hi, En: en}})
	}
	if len(out) == 0 {
		return nil, grievance.Errorf(grievance.EInvalid, "error.holiday_empty")
	}
	return out, nil
}

// holidayError names the row of a holiday file that is wrong and why (a
// catalogue key, translated when shown).
type holidayError struct {
	line   int
	reason string
}

func (e *holidayError) Error() string { return "holiday row " + strconv.Itoa(e.line) + ": " + e.reason }
