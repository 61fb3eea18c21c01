package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
)

// analyticsReports are the names of the analytics reports, in menu order.
var analyticsReports = []string{"pendency", "flow", "resolution", "channels", "repeat"}

// reportChannels lists the intake channels for the filter.
var reportChannels = []grievance.Channel{grievance.ChannelWeb, grievance.ChannelApp, grievance.ChannelPhone,
	grievance.ChannelWalkIn, grievance.ChannelOpen311, grievance.ChannelSMS}

// repeatLimit is how many repeat complainants a report lists.
const repeatLimit = 100

// analyticsView is an analytics page: the filter form, one or more tables
// (the first is the one exported) and a chart of the same numbers.
type analyticsView struct {
	Name     string   // the report; "" on the index
	Reports  []string // every report, for the menu
	Channels []grievance.Channel
	Form     url.Values // the filter as submitted
	Query    string     // the filter, encoded, for links
	Summary  string
	Tables   []dataTable
	Chart    *chart
}

// dataTable is a table shown as HTML and exported as CSV or XLSX from the
// same cells. Numeric columns are written to XLSX as numbers.
type dataTable struct {
	Caption string
	Head    []string
	Rows    [][]string // the first cell names the row
	Num     []bool     // by column: a number
}

// controlAnalytics lets only the control room through; everyone else gets 403.
func (s *Server) controlAnalytics(w http.ResponseWriter, r *http.Request) (*auth.Identity, bool) {
	if !s.controlOnly(w, r) {
		return nil, false
	}
	id := identityFrom(r)
	if s.Analytics == nil {
		s.notFound(w, r)
		return nil, false
	}
	return id, true
}

// reportFilter reads the filter from the query: from and to are days
// (YYYY-MM-DD, both included) in the district's time zone; without them a
// report covers the last 30 days up to today, and pendency every open
// complaint. Masters codes are checked by the service.
func (s *Server) reportFilter(q url.Values, now time.Time, needPeriod bool) (grievance.ReportFilter, error) {
	f := grievance.ReportFilter{Department: q.Get("department"), Area: q.Get("area"), Category: q.Get("category"),
		Channel: grievance.Channel(q.Get("channel"))}
	fe := grievance.FieldErrors{}
	day := func(field string) time.Time {
		v := strings.TrimSpace(q.Get(field))
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, s.Location)
		if err != nil {
			fe.Add(field, "error.report_date")
		}
		return t
	}
	f.From, f.To = day("from"), day("to")
	if err := fe.Err(); err != nil {
		return f, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	if needPeriod {
		local := now.In(s.Location)
		today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.Location)
		if f.To.IsZero() {
			f.To = today.AddDate(0, 0, 1)
		}
		if f.From.IsZero() {
			f.From = f.To.AddDate(0, 0, -30)
		}
	}
	return f, nil
}

// analyticsIndex shows the filter form and the list of reports.
func (s *Server) analyticsIndex(w http.ResponseWriter, r *http.Request) {
	id, ok := s.controlAnalytics(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, id)
	p.Title = p.T("analytics.title")
	p.Data = s.analyticsBase(r, "")
	s.render(w, http.StatusOK, "analytics", p)
}

func (s *Server) analyticsBase(r *http.Request, name string) *analyticsView {
	q := url.Values{}
	for _, k := range []string{"from", "to", "department", "area", "category", "channel"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return &analyticsView{Name: name, Reports: analyticsReports, Channels: reportChannels, Form: q, Query: q.Encode()}
}

// analyticsReport shows one report (?format=csv or xlsx exports it).
func (s *Server) analyticsReport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.controlAnalytics(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	if !slices.Contains(analyticsReports, name) {
		s.notFound(w, r)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "csv" && format != "xlsx" {
		s.notFound(w, r)
		return
	}
	p := s.newPage(r, id)
	p.Title = p.T("analytics.report." + name)
	v := s.analyticsBase(r, name)
	p.Data = v
	f, err := s.reportFilter(r.URL.Query(), p.Now, name != "pendency")
	if err == nil {
		err = s.buildReport(r, p, v, f, format != "")
	}
	if err != nil {
		s.formFail(w, r, "analytics", p, err)
		return
	}
	if format == "" {
		s.render(w, http.StatusOK, "analytics", p)
		return
	}
	t := v.Tables[0]
	file := name
	if !f.From.IsZero() {
		file += "-" + f.From.In(s.Location).Format("2006-01-02")
	}
	if !f.To.IsZero() {
		file += "-" + f.To.AddDate(0, 0, -1).In(s.Location).Format("2006-01-02")
	}
	if name == "pendency" {
		file += "-" + p.Now.In(s.Location).Format("2006-01-02")
	}
	if format == "csv" {
		writeCSV(w, file+".csv", t.Head, t.Rows)
		return
	}
	if err := writeXLSX(w, file+".xlsx", name, t); err != nil {
		s.fail(w, r, grievance.Internal(fmt.Errorf("web: xlsx %s: %w", name, err)))
	}
}

// buildReport runs report v.Name with f and fills v; export formats cells
// for a spreadsheet (ISO dates, no dashes for nothing).
func (s *Server) buildReport(r *http.Request, p *page, v *analyticsView, f grievance.ReportFilter, export bool) error {
	ctx := r.Context()
	period := ""
	if !f.From.IsZero() && !f.To.IsZero() {
		period = p.T("analytics.period", p.Date(f.From), p.Date(f.To.AddDate(0, 0, -1)))
	} else if !f.From.IsZero() {
		period = p.T("analytics.period_from", p.Date(f.From))
	} else if !f.To.IsZero() {
		period = p.T("analytics.period_to", p.Date(f.To.AddDate(0, 0, -1)))
	}
	day := func(t time.Time) string {
		if export {
			return t.In(s.Location).Format("2006-01-02")
		}
		return p.Date(t)
	}
	hours := func(d time.Duration) string { return strconv.FormatFloat(d.Hours(), 'f', 1, 64) }
	n := strconv.Itoa
	ages := []string{p.T("analytics.col.age0"), p.T("analytics.col.age1"), p.T("analytics.col.age2"), p.T("analytics.col.age3")}
	switch v.Name {
	case "pendency":
		rows, err := s.Analytics.Pendency(ctx, f, p.Now)
		if err != nil {
			return err
		}
		caption := p.T("analytics.caption.pendency_officer", p.DateTime(p.Now))
		if period != "" {
			caption += " — " + p.T("analytics.filed", period)
		}
		off := dataTable{Caption: caption,
			Head: append(append([]string{p.T("analytics.col.officer"), p.T("analytics.col.department")}, ages...), p.T("analytics.col.total")),
			Num:  []bool{false, false, true, true, true, true, true}}
		for _, row := range rows {
			cells := []string{p.Officer(row.OfficerID), p.Department(row.Department)}
			for _, a := range row.Ages {
				cells = append(cells, n(a))
			}
			off.Rows = append(off.Rows, append(cells, n(row.Total())))
		}
		dept := dataTable{Caption: p.T("analytics.caption.pendency_department", p.DateTime(p.Now)),
			Head: append(append([]string{p.T("analytics.col.department")}, ages...), p.T("analytics.col.total")),
			Num:  []bool{false, true, true, true, true, true}}
		var bars []chartRow
		for _, row := range grievance.PendencyByDepartment(rows) {
			cells := []string{p.Department(row.Department)}
			for _, a := range row.Ages {
				cells = append(cells, n(a))
			}
			dept.Rows = append(dept.Rows, append(cells, n(row.Total())))
			bars = append(bars, chartRow{Label: p.Department(row.Department), Values: row.Ages[:]})
		}
		v.Tables = []dataTable{off, dept}
		v.Chart = barChart(p.T("analytics.chart.pendency"), bars, ages, true)
	case "flow":
		days, err := s.Analytics.Flow(ctx, f)
		if err != nil {
			return err
		}
		t := dataTable{Caption: p.T("analytics.caption.flow", period),
			Head: []string{p.T("analytics.col.day"), p.T("analytics.col.received"), p.T("analytics.col.disposed")},
			Num:  []bool{false, true, true}}
		var in, out int
		for _, d := range days {
			t.Rows = append(t.Rows, []string{day(d.Day), n(d.Received), n(d.Disposed)})
			in, out = in+d.Received, out+d.Disposed
		}
		v.Tables = []dataTable{t}
		v.Summary = p.T("analytics.flow.summary", in, out)
		v.Chart = flowChart(p.T("analytics.chart.flow"), days, p.Date, p.T("analytics.col.received"), p.T("analytics.col.disposed"))
	case "resolution":
		rows, err := s.Analytics.Resolution(ctx, f)
		if err != nil {
			return err
		}
		t := dataTable{Caption: p.T("analytics.caption.resolution", period),
			Head: []string{p.T("analytics.col.category"), p.T("analytics.col.resolved"), p.T("analytics.col.median_hours"), p.T("analytics.col.p90_hours")},
			Num:  []bool{false, true, true, true}}
		var bars []chartRow
		for _, row := range rows {
			t.Rows = append(t.Rows, []string{p.Category(row.Category), n(row.Count), hours(row.Median), hours(row.P90)})
			bars = append(bars, chartRow{Label: p.Category(row.Category), Values: []int{int(row.Median.Round(time.Hour).Hours()), int(row.P90.Round(time.Hour).Hours())}})
		}
		v.Tables = []dataTable{t}
		v.Chart = barChart(p.T("analytics.chart.resolution"), bars, []string{p.T("analytics.col.median_hours"), p.T("analytics.col.p90_hours")}, false)
	case "channels":
		rows, err := s.Analytics.Channels(ctx, f)
		if err != nil {
			return err
		}
		total := 0
		for _, c := range rows {
			total += c.Count
		}
		t := dataTable{Caption: p.T("analytics.caption.channels", period),
			Head: []string{p.T("analytics.col.channel"), p.T("analytics.col.complaints"), p.T("analytics.col.share")},
			Num:  []bool{false, true, true}}
		var bars []chartRow
		for _, c := range rows {
			t.Rows = append(t.Rows, []string{p.Channel(c.Channel), n(c.Count), strconv.FormatFloat(100*float64(c.Count)/float64(total), 'f', 1, 64)})
			bars = append(bars, chartRow{Label: p.Channel(c.Channel), Values: []int{c.Count}})
		}
		v.Tables = []dataTable{t}
		v.Chart = barChart(p.T("analytics.chart.channels"), bars, []string{p.T("analytics.col.complaints")}, false)
	case "repeat":
		rep, err := s.Analytics.Repeat(ctx, f, repeatLimit)
		if err != nil {
			return err
		}
		t := dataTable{Caption: p.T("analytics.caption.repeat", period),
			Head: []string{p.T("analytics.col.mobile"), p.T("analytics.col.complaints"), p.T("analytics.col.first"), p.T("analytics.col.last")},
			Num:  []bool{false, true, false, false}}
		for _, c := range rep.Top {
			t.Rows = append(t.Rows, []string{c.Mobile, n(c.Complaints), day(c.First), day(c.Last)})
		}
		v.Tables = []dataTable{t}
		v.Summary = p.T("analytics.repeat.summary", rep.Mobiles, rep.Complaints, len(rep.Top))
	}
	return nil
}

// xlsxSafe neutralises a text cell that a spreadsheet would take for a
// formula, like csvSafe.
func xlsxSafe(c string) string {
	if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
		return "'" + c
	}
	return c
}

// writeXLSX sends t as a one-sheet workbook: the header row bold, numeric
// columns as numbers, every other cell as text (never a formula).
func writeXLSX(w http.ResponseWriter, name, sheet string, t dataTable) error {
	return writeXLSXSheets(w, name, []string{sheet}, []dataTable{t})
}

// writeXLSXSheets is writeXLSX with one sheet per table, named by sheets.
func writeXLSXSheets(w http.ResponseWriter, name string, sheets []string, tables []dataTable) error {
	x := excelize.NewFile()
	defer x.Close()
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, t := range tables {
		sheet := sheets[i]
		if i == 0 {
			err = x.SetSheetName("Sheet1", sheet)
		} else {
			_, err = x.NewSheet(sheet)
		}
		if err != nil {
			return err
		}
		if err := fillSheet(x, sheet, bold, t); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

// fillSheet writes t into sheet: the header row bold, numeric columns as
// numbers, every other cell as text (never a formula).
func fillSheet(x *excelize.File, sheet string, bold int, t dataTable) error {
	set := func(col, row int, v string, num bool) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		if num {
			if i, err := strconv.Atoi(v); err == nil {
				return x.SetCellInt(sheet, cell, int64(i))
			}
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return x.SetCellFloat(sheet, cell, f, -1, 64)
			}
		}
		return x.SetCellStr(sheet, cell, xlsxSafe(v))
	}
	for i, h := range t.Head {
		if err := set(i+1, 1, h, false); err != nil {
			return err
		}
	}
	last, err := excelize.CoordinatesToCellName(max(len(t.Head), 1), 1)
	if err != nil {
		return err
	}
	if err := x.SetCellStyle(sheet, "A1", last, bold); err != nil {
		return err
	}
	for r, row := range t.Rows {
		for c, v := range row {
			if err := set(c+1, r+2, v, c < len(t.Num) && t.Num[c]); err != nil {
				return err
			}
		}
	}
	return nil
}
