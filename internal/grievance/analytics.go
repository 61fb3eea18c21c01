package grievance

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// MaxReportPeriod is the longest period an analytics report covers: a
// year and a day, so that a leap year fits and a report's work stays
// bounded.
const MaxReportPeriod = 367 * 24 * time.Hour

// ReportFilter narrows the control room's analytics reports. Department,
// Area, Category and Channel are the complaint's current ones; an area
// selects itself and every area under it (a zone its wards). Zero fields do
// not filter. The period is [From, To): what it selects depends on the
// report (see AnalyticsService).
type ReportFilter struct {
	From, To   time.Time
	Department string
	Area       string
	Category   string
	Channel    Channel
}

// Check validates f against the masters: known department, area, category
// and channel (EInvalid with the field's key), a period that is ordered
// and at most MaxReportPeriod long (field "period"). needPeriod makes
// From and To required.
func (f ReportFilter) Check(m *Masters, needPeriod bool) error {
	e := FieldErrors{}
	switch {
	case needPeriod && (f.From.IsZero() || f.To.IsZero()):
		e.Add("period", "error.period")
	case !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To):
		e.Add("period", "error.period")
	case !f.From.IsZero() && !f.To.IsZero() && f.To.Sub(f.From) > MaxReportPeriod:
		e.Add("period", "error.period_long")
	}
	if f.Department != "" && m.Department(f.Department) == nil {
		e.Add("department", "error.report_department")
	}
	if f.Area != "" && m.Area(f.Area) == nil {
		e.Add("area", "error.report_area")
	}
	if f.Category != "" && m.Category(f.Category) == nil {
		e.Add("category", "error.report_category")
	}
	if f.Channel != "" && !f.Channel.Valid() {
		e.Add("channel", "error.report_channel")
	}
	return e.Err()
}

// Age buckets of open complaints, by whole days since filing (24-hour
// days, counted down: a complaint filed 7 days and 23 hours ago is 7 days
// old).
const (
	Age0to7   = iota // 0-7 days
	Age8to15         // 8-15 days
	Age16to30        // 16-30 days
	AgeOver30        // more than 30 days
	AgeBuckets
)

// AgeBucket returns the bucket of a complaint filed at created, at now.
func AgeBucket(created, now time.Time) int {
	days := int(now.Sub(created) / (24 * time.Hour))
	switch {
	case days <= 7:
		return Age0to7
	case days <= 15:
		return Age8to15
	case days <= 30:
		return Age16to30
	}
	return AgeOver30
}

// PendencyRow counts open complaints (registered, assigned, in progress,
// reopened or returned) of one department and current officer by age.
// OfficerID 0 is the department's complaints with no officer; Department
// "" is the control room's queue.
type PendencyRow struct {
	Department string
	OfficerID  int64
	Ages       [AgeBuckets]int
}

// Total is the row's open complaints.
func (r PendencyRow) Total() int {
	n := 0
	for _, v := range r.Ages {
		n += v
	}
	return n
}

// PendencyByDepartment adds up officer rows into one row per department
// (OfficerID 0), in department order.
func PendencyByDepartment(rows []PendencyRow) []PendencyRow {
	var out []PendencyRow
	idx := map[string]int{}
	for _, r := range rows {
		i, ok := idx[r.Department]
		if !ok {
			i = len(out)
			idx[r.Department] = i
			out = append(out, PendencyRow{Department: r.Department})
		}
		for b, v := range r.Ages {
			out[i].Ages[b] += v
		}
	}
	slices.SortFunc(out, func(a, b PendencyRow) int { return cmp.Compare(a.Department, b.Department) })
	return out
}

// FlowDay is one local day of the period: complaints received (filed) and
// disposed. A disposal is an event that takes a complaint from an open
// status to resolved, closed or rejected: an action-taken report (also the
// report of a parent that resolves its linked duplicates) or a rejection
// by the control room. Closing a resolved complaint (by the citizen's
// confirmation, the control room or for want of an answer) is not a new
// disposal; a complaint reopened and resolved again is disposed again, on
// that day.
type FlowDay struct {
	Day      time.Time // local midnight in the district's time zone
	Received int
	Disposed int
}

// ResolutionRow is the time from filing to the first action-taken report
// ("report" event) of the complaints of one category whose first report
// falls in the period. Median and P90 are exact nearest-rank percentiles
// of all those durations (see Percentile); wall-clock time, holds
// included, because the citizen waited that long.
type ResolutionRow struct {
	Category string
	Count    int
	Median   time.Duration
	P90      time.Duration
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted: the smallest value such that at least p% of the values are at
// most it, always one of the values. Zero for an empty slice.
func Percentile(sorted []time.Duration, p int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (p*n + 99) / 100 // ceil(p/100 × n)
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return sorted[rank-1]
}

// Resolutions turns durations by category into rows sorted by category;
// it sorts the slices in place.
func Resolutions(byCategory map[string][]time.Duration) []ResolutionRow {
	out := make([]ResolutionRow, 0, len(byCategory))
	for cat, d := range byCategory {
		slices.Sort(d)
		out = append(out, ResolutionRow{Category: cat, Count: len(d), Median: Percentile(d, 50), P90: Percentile(d, 90)})
	}
	slices.SortFunc(out, func(a, b ResolutionRow) int { return cmp.Compare(a.Category, b.Category) })
	return out
}

// ChannelCount is how many complaints of the period arrived by a channel.
type ChannelCount struct {
	Channel Channel
	Count   int
}

// RepeatComplainant is a mobile number that filed at least two complaints
// in the period. Mobile is masked (MaskMobile): reports carry no personal
// data.
type RepeatComplainant struct {
	Mobile     string
	Complaints int
	First      time.Time // filing of the first complaint in the period
	Last       time.Time // filing of the last
}

// RepeatReport sums up the repeat complainants of a period.
type RepeatReport struct {
	Mobiles    int                 // numbers with two or more complaints
	Complaints int                 // the complaints they filed
	Top        []RepeatComplainant // most complaints first, at most the limit asked
}

// AnalyticsService computes the control room's analytics reports. Every
// method checks f with ReportFilter.Check (EInvalid) and reads one
// consistent snapshot. The caller checks that the user works in the
// control room; the methods do not.
type AnalyticsService interface {
	// Pendency counts, at now, the open complaints by department and
	// current officer and by age since filing; the period, optional,
	// selects complaints filed in it. Sorted by department, then officer
	// ID (0, no officer, first).
	Pendency(ctx context.Context, f ReportFilter, now time.Time) ([]PendencyRow, error)

	// Flow counts, for every local day of the period (required), the
	// complaints filed that day and the disposals (see FlowDay) that day,
	// oldest day first, days without either included.
	Flow(ctx context.Context, f ReportFilter) ([]FlowDay, error)

	// Resolution gives, per category, the percentiles of the time to the
	// first report, over the complaints whose first report falls in the
	// period (required). Sorted by category.
	Resolution(ctx context.Context, f ReportFilter) ([]ResolutionRow, error)

	// Channels counts the complaints filed in the period (required) by
	// channel, most first (then by channel); channels with none are left out.
	Channels(ctx context.Context, f ReportFilter) ([]ChannelCount, error)

	// Repeat finds the mobiles with two or more complaints filed in the
	// period (required): how many, their complaints, and the limit (at
	// most 1,000; default 100) with the most complaints, masked.
	Repeat(ctx context.Context, f ReportFilter, limit int) (RepeatReport, error)
}
