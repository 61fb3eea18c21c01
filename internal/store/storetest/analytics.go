package storetest

import (
	"reflect"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// analyticsScenario files six complaints over three days and acts on some
// (t0 is Start, Friday 23 January 2026, 10:00 IST):
//
//	t0       A road w1 (mobile A, web) → JE1; B road w1 (A, phone) → JE1;
//	         C hospital w1 (B, app) → MO; D road w3 (B, web) → JE3
//	t0+1h    JE1 reports A                        (disposal; first report after 1h)
//	t0+3h    MO reports C                         (disposal; 3h)
//	t0+1d    the citizen confirms A               (a closure, not a disposal)
//	         the control room rejects D           (disposal)
//	         JE1 reports B                        (disposal; 24h)
//	t0+2d    the citizen rejects B: up to AE1; E road w2 (C, phone) → JE2
//	t0+2d+5h AE1 reports B again                  (disposal; not a first report)
//	t0+2d+6h F road w1 (A, web) → JE1
//
// Open at the end: E (JE2) and F (JE1).
type analyticsScenario struct {
	t0                     time.Time
	A, B, C, D, E, F       *grievance.Complaint
	je1, je2, ae1, mo      grievance.Actor
	mobileC                string
	day0, day1, day2, day3 time.Time // local midnights from the first day on
	wholePeriod            grievance.ReportFilter
	departmentPWDOnly      grievance.ReportFilter
	zoneOne                grievance.ReportFilter
	secondAndThirdDays     grievance.ReportFilter
}

func (e *env) analyticsScenario(t *testing.T) *analyticsScenario {
	t.Helper()
	s := &analyticsScenario{t0: e.clock.Now(), mobileC: "7654321098"}
	s.je1, s.je2, s.ae1, s.mo = e.officer("pwd-je-w1"), e.officer("pwd-je-w2"), e.officer("pwd-ae-z1"), e.officer("health-mo-z1")
	file := func(cat, area, mobile string, ch grievance.Channel) *grievance.Complaint {
		in := newComplaint(cat, area)
		in.Mobile, in.Channel = mobile, ch
		return e.MustFile(in)
	}
	report := grievance.Action{Kind: grievance.ActReport, Note: "done"}
	s.A = file("road", "w1", mobileA, grievance.ChannelWeb)
	s.B = file("road", "w1", mobileA, grievance.ChannelPhone)
	s.C = file("hospital", "w1", mobileB, grievance.ChannelApp)
	s.D = file("road", "w3", mobileB, grievance.ChannelWeb)
	if s.A.AssigneeID != s.je1.Officer.ID || s.C.AssigneeID != s.mo.Officer.ID || s.D.AssigneeID != e.officerID("pwd-je-w3") {
		t.Fatal("set-up: routing is not as the scenario expects")
	}

	e.clock.Set(s.t0.Add(time.Hour))
	e.act(t, s.je1, s.A, report)
	e.clock.Set(s.t0.Add(3 * time.Hour))
	e.act(t, s.mo, s.C, report)

	e.clock.Set(s.t0.Add(24 * time.Hour))
	e.act(t, grievance.CitizenActor(mobileA), s.A, grievance.Action{Kind: grievance.ActCitizenAccept})
	e.act(t, control, s.D, grievance.Action{Kind: grievance.ActReject, Note: "a private road"})
	e.act(t, s.je1, s.B, report)

	e.clock.Set(s.t0.Add(48 * time.Hour))
	if got := e.act(t, grievance.CitizenActor(mobileA), s.B, grievance.Action{Kind: grievance.ActCitizenReject, Note: "still broken"}); got.AssigneeID != s.ae1.Officer.ID {
		t.Fatalf("set-up: B rejected went to %d, want AE1", got.AssigneeID)
	}
	s.E = file("road", "w2", s.mobileC, grievance.ChannelPhone)
	e.clock.Set(s.t0.Add(53 * time.Hour))
	e.act(t, s.ae1, s.B, report)
	e.clock.Set(s.t0.Add(54 * time.Hour))
	s.F = file("road", "w1", mobileA, grievance.ChannelWeb)
	if s.E.AssigneeID != s.je2.Officer.ID || s.F.AssigneeID != s.je1.Officer.ID {
		t.Fatal("set-up: E and F are not with JE2 and JE1")
	}

	s.day0 = time.Date(2026, 1, 23, 0, 0, 0, 0, IST)
	s.day1, s.day2, s.day3 = s.day0.AddDate(0, 0, 1), s.day0.AddDate(0, 0, 2), s.day0.AddDate(0, 0, 3)
	s.wholePeriod = grievance.ReportFilter{From: s.day0, To: s.day3}
	s.departmentPWDOnly = grievance.ReportFilter{From: s.day0, To: s.day3, Department: "pwd"}
	s.zoneOne = grievance.ReportFilter{From: s.day0, To: s.day3, Area: "z1"}
	s.secondAndThirdDays = grievance.ReportFilter{From: s.day1, To: s.day3}
	return s
}

// testAnalytics checks the five analytics reports of the scenario against
// figures worked out by hand from the definitions in grievance.
func testAnalytics(t *testing.T, e *env) {
	s := e.analyticsScenario(t)
	ctx := e.ctx
	je1, je2 := s.je1.Officer.ID, s.je2.Officer.ID

	t.Run("Pendency", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			f    grievance.ReportFilter
			now  time.Time
			want []grievance.PendencyRow
		}{
			// E is 8 days old at t0+10d, F (filed 6 hours later) 7 days and 18 hours.
			{"at t0+10d", grievance.ReportFilter{}, s.t0.Add(10 * 24 * time.Hour), []grievance.PendencyRow{
				{Department: "pwd", OfficerID: je1, Ages: [4]int{1, 0, 0, 0}},
				{Department: "pwd", OfficerID: je2, Ages: [4]int{0, 1, 0, 0}},
			}},
			// E is 31 days old, F 30 days and 18 hours.
			{"at t0+33d", grievance.ReportFilter{}, s.t0.Add(33 * 24 * time.Hour), []grievance.PendencyRow{
				{Department: "pwd", OfficerID: je1, Ages: [4]int{0, 0, 1, 0}},
				{Department: "pwd", OfficerID: je2, Ages: [4]int{0, 0, 0, 1}},
			}},
			{"filed after noon on day 2", grievance.ReportFilter{From: s.day2.Add(12 * time.Hour)}, s.t0.Add(54 * time.Hour), []grievance.PendencyRow{
				{Department: "pwd", OfficerID: je1, Ages: [4]int{1, 0, 0, 0}},
			}},
			{"ward 2", grievance.ReportFilter{Area: "w2"}, s.t0.Add(54 * time.Hour), []grievance.PendencyRow{
				{Department: "pwd", OfficerID: je2, Ages: [4]int{1, 0, 0, 0}},
			}},
			{"health", grievance.ReportFilter{Department: "health"}, s.t0.Add(54 * time.Hour), nil},
		} {
			got, err := e.h.Pendency(ctx, tt.f, tt.now)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: Pendency = %+v, want %+v", tt.name, got, tt.want)
			}
		}
		rows, _ := e.h.Pendency(ctx, grievance.ReportFilter{}, s.t0.Add(10*24*time.Hour))
		if got := grievance.PendencyByDepartment(rows); len(got) != 1 || got[0].Total() != 2 || got[0].Ages != [4]int{1, 1, 0, 0} {
			t.Errorf("PendencyByDepartment = %+v, want pwd with 2 (1, 1, 0, 0)", got)
		}
	})

	t.Run("Flow", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			f    grievance.ReportFilter
			want [][2]int
		}{
			{"all", s.wholePeriod, [][2]int{{4, 2}, {0, 2}, {2, 1}}},
			{"pwd", s.departmentPWDOnly, [][2]int{{3, 1}, {0, 2}, {2, 1}}},
			{"phone", grievance.ReportFilter{From: s.day0, To: s.day3, Channel: grievance.ChannelPhone}, [][2]int{{1, 0}, {0, 1}, {1, 1}}},
		} {
			got, err := e.h.Flow(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%s: Flow = %+v, want %d days", tt.name, got, len(tt.want))
			}
			for i, d := range got {
				if want := s.day0.AddDate(0, 0, i); !d.Day.Equal(want) {
					t.Errorf("%s: day %d is %v, want %v", tt.name, i, d.Day, want)
				}
				if g := [2]int{d.Received, d.Disposed}; g != tt.want[i] {
					t.Errorf("%s: day %d received, disposed = %v, want %v", tt.name, i, g, tt.want[i])
				}
			}
		}
	})

	t.Run("Resolution", func(t *testing.T) {
		got, err := e.h.Resolution(ctx, s.wholePeriod)
		if err != nil {
			t.Fatal(err)
		}
		// Roads: A after 1h, B after 24h (its second report is not its
		// first); nearest rank: the median is the 1st of 2, the 90th the 2nd.
		want := []grievance.ResolutionRow{
			{Category: "hospital", Count: 1, Median: 3 * time.Hour, P90: 3 * time.Hour},
			{Category: "road", Count: 2, Median: time.Hour, P90: 24 * time.Hour},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Resolution = %+v, want %+v", got, want)
		}
		// From day 1: only B's first report; its second, on day 2, is not a first.
		got, err = e.h.Resolution(ctx, s.secondAndThirdDays)
		if err != nil {
			t.Fatal(err)
		}
		want = []grievance.ResolutionRow{{Category: "road", Count: 1, Median: 24 * time.Hour, P90: 24 * time.Hour}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Resolution from day 1 = %+v, want %+v", got, want)
		}
	})

	t.Run("Channels", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			f    grievance.ReportFilter
			want []grievance.ChannelCount
		}{
			{"all", s.wholePeriod, []grievance.ChannelCount{{Channel: "web", Count: 3}, {Channel: "phone", Count: 2}, {Channel: "app", Count: 1}}},
			{"zone 1", s.zoneOne, []grievance.ChannelCount{{Channel: "phone", Count: 2}, {Channel: "web", Count: 2}, {Channel: "app", Count: 1}}},
			{"hospital", grievance.ReportFilter{From: s.day0, To: s.day3, Category: "hospital"}, []grievance.ChannelCount{{Channel: "app", Count: 1}}},
			{"day 1", grievance.ReportFilter{From: s.day1, To: s.day2}, nil},
		} {
			got, err := e.h.Channels(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: Channels = %+v, want %+v", tt.name, got, tt.want)
			}
		}
	})

	t.Run("Repeat", func(t *testing.T) {
		got, err := e.h.Repeat(ctx, s.wholePeriod, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := grievance.RepeatReport{Mobiles: 2, Complaints: 5, Top: []grievance.RepeatComplainant{
			{Mobile: "xxxxxx3210", Complaints: 3, First: s.A.Created, Last: s.F.Created},
			{Mobile: "xxxxxx2109", Complaints: 2, First: s.C.Created, Last: s.D.Created},
		}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Repeat = %+v, want %+v", got, want)
		}
		if got, _ := e.h.Repeat(ctx, s.wholePeriod, 1); got.Mobiles != 2 || len(got.Top) != 1 {
			t.Errorf("Repeat with limit 1 = %+v, want 2 mobiles and the top one", got)
		}
		// From day 1 mobile A filed only F: nobody repeats.
		if got, _ := e.h.Repeat(ctx, s.secondAndThirdDays, 0); got.Mobiles != 0 || got.Complaints != 0 || len(got.Top) != 0 {
			t.Errorf("Repeat from day 1 = %+v, want none", got)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		for _, tt := range []struct {
			name, field, key string
			f                grievance.ReportFilter
		}{
			{"no period", "period", "error.period", grievance.ReportFilter{}},
			{"backwards", "period", "error.period", grievance.ReportFilter{From: s.day3, To: s.day0}},
			{"too long", "period", "error.period_long", grievance.ReportFilter{From: s.day0, To: s.day0.AddDate(1, 1, 0)}},
			{"department", "department", "error.report_department", grievance.ReportFilter{From: s.day0, To: s.day3, Department: "fire"}},
			{"area", "area", "error.report_area", grievance.ReportFilter{From: s.day0, To: s.day3, Area: "w9"}},
			{"category", "category", "error.report_category", grievance.ReportFilter{From: s.day0, To: s.day3, Category: "snow"}},
			{"channel", "channel", "error.report_channel", grievance.ReportFilter{From: s.day0, To: s.day3, Channel: "fax"}},
		} {
			_, err := e.h.Flow(ctx, tt.f)
			t.Run(tt.name, func(t *testing.T) { wantField(t, err, tt.field, tt.key) })
		}
		_, err := e.h.Pendency(ctx, grievance.ReportFilter{Department: "fire"}, s.t0)
		wantField(t, err, "department", "error.report_department")
		_, err = e.h.Repeat(ctx, grievance.ReportFilter{}, 10)
		wantField(t, err, "period", "error.period")
	})
}
