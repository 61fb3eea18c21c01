package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
)

// reportView is a control-room report: one table, shown as HTML or
// exported as CSV from the same cells.
type reportView struct {
	By      string // scorecard: the unit
	Month   string // scorecard: YYYY-MM
	Caption string
	Head    []string
	Rows    [][]string // the first cell names the row
	CSV     string     // link to the CSV export of this table
}

// controlReport lets only the control room through; everyone else gets 403.
func (s *Server) controlReport(w http.ResponseWriter, r *http.Request) (*auth.Identity, bool) {
	if !s.controlOnly(w, r) {
		return nil, false
	}
	id := identityFrom(r)
	if s.Reports == nil {
		s.notFound(w, r)
		return nil, false
	}
	return id, true
}

// controlDefaulters lists the officers with overdue complaints now, by
// department and level; ?format=csv exports the list.
func (s *Server) controlDefaulters(w http.ResponseWriter, r *http.Request) {
	id, ok := s.controlReport(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, id)
	p.Title = p.T("defaulters.title")
	list, err := s.Reports.Defaulters(r.Context(), p.Now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	export := r.URL.Query().Get("format") == "csv"
	v := reportView{
		Caption: p.T("defaulters.caption", p.DateTime(p.Now)),
		Head: []string{p.T("report.officer"), p.T("report.department"), p.T("report.level"),
			p.T("defaulters.overdue"), p.T("defaulters.oldest_due")},
		CSV: "/control/defaulters?format=csv",
	}
	for _, d := range list {
		oldest := p.DateTime(d.OldestDue)
		if export {
			oldest = d.OldestDue.In(s.Location).Format("2006-01-02 15:04")
		}
		v.Rows = append(v.Rows, []string{p.Officer(d.OfficerID), p.Department(d.Department),
			p.Masters.LevelName(d.Department, d.Level).In(grievance.Lang(p.Lang)), strconv.Itoa(d.Overdue), oldest})
	}
	if export {
		writeCSV(w, "defaulters-"+p.Now.In(s.Location).Format("2006-01-02")+".csv", v.Head, v.Rows)
		return
	}
	p.Data = v
	s.render(w, http.StatusOK, "defaulters", p)
}

// controlScorecard shows a month's scorecard by officer, department or
// area (?by=, ?month=YYYY-MM, the current month by default); ?format=csv
// exports it.
func (s *Server) controlScorecard(w http.ResponseWriter, r *http.Request) {
	id, ok := s.controlReport(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, id)
	p.Title = p.T("scorecard.title")
	q := r.URL.Query()
	by := grievance.ScoreBy(q.Get("by"))
	if by == "" {
		by = grievance.ScoreByOfficer
	}
	if !by.Valid() {
		s.fail(w, r, grievance.Errorf(grievance.EInvalid, "error.score_by"))
		return
	}
	month := q.Get("month")
	if month == "" {
		month = p.Now.In(s.Location).Format("2006-01")
	}
	from, err := time.ParseInLocation("2006-01", month, s.Location)
	if err != nil {
		s.fail(w, r, grievance.Errorf(grievance.EInvalid, "error.month"))
		return
	}
	rows, err := s.Reports.Scorecard(r.Context(), by, from, from.AddDate(0, 1, 0))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	export := q.Get("format") == "csv"
	none := "—"
	if export {
		none = ""
	}
	v := reportView{
		By: string(by), Month: month,
		Caption: p.T("scorecard.caption", p.T("scorecard.by."+string(by)), p.T("month."+strconv.Itoa(int(from.Month())))+" "+strconv.Itoa(from.Year())),
		Head: []string{p.T("scorecard.by." + string(by)), p.T("scorecard.received"), p.T("scorecard.resolved"),
			p.T("scorecard.in_time"), p.T("scorecard.in_time_share"), p.T("scorecard.confirmed"), p.T("scorecard.confirmed_share"),
			p.T("scorecard.reopened"), p.T("scorecard.reopened_share"), p.T("scorecard.escalations"),
			p.T("scorecard.returns_overruled"), p.T("scorecard.avg_hours")},
		CSV: "/control/scorecard?by=" + string(by) + "&month=" + month + "&format=csv",
	}
	for _, row := range rows {
		pct := func(f float64) string {
			if row.Resolved == 0 {
				return none
			}
			return fmt.Sprintf("%.0f%%", f*100)
		}
		avg := none
		if row.Resolved > 0 {
			avg = strconv.FormatFloat(row.AvgResolution.Hours(), 'f', 1, 64)
		}
		v.Rows = append(v.Rows, []string{s.unitName(p, by, row.Key), strconv.Itoa(row.Received), strconv.Itoa(row.Resolved),
			strconv.Itoa(row.ResolvedInTime), pct(row.InTimeShare()), strconv.Itoa(row.Confirmed), pct(row.ConfirmedShare()),
			strconv.Itoa(row.Reopened), pct(row.ReopenedShare()), strconv.Itoa(row.Escalations),
			strconv.Itoa(row.ReturnsOverruled), avg})
	}
	if export {
		writeCSV(w, "scorecard-"+string(by)+"-"+month+".csv", v.Head, v.Rows)
		return
	}
	p.Data = v
	s.render(w, http.StatusOK, "scorecard", p)
}

// unitName names a scorecard row for people.
func (s *Server) unitName(p *page, by grievance.ScoreBy, key string) string {
	switch by {
	case grievance.ScoreByOfficer:
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return key
		}
		return p.Officer(id)
	case grievance.ScoreByDepartment:
		return p.Department(key)
	}
	return p.Area(key)
}

// writeCSV sends a table as a CSV download that spreadsheets open as the
// user sees it: UTF-8 with a byte-order mark (Excel otherwise reads Hindi
// as mojibake), CRLF line ends, and every cell that a spreadsheet would
// run as a formula (starting with = + - @, tab or CR: names and
// designations come from the masters) prefixed with an apostrophe.
func writeCSV(w http.ResponseWriter, name string, head []string, rows [][]string) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	cw.Write(csvSafe(head))
	for _, r := range rows {
		cw.Write(csvSafe(r))
	}
	cw.Flush()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// csvSafe neutralises spreadsheet formulas in cells.
func csvSafe(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			c = "'" + c
		}
		out[i] = c
	}
	return out
}
