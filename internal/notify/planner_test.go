package notify

import (
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

type labels map[string]map[string]string

func (l labels) T(lang, key string, args ...any) string { return l[lang][key] }

func testMasters() *grievance.Masters {
	m := &grievance.Masters{
		Departments: []grievance.Department{{Code: "pwd", Name: grievance.Text{Hi: "लोक निर्माण विभाग", En: "Public Works"}}},
		Categories: []grievance.Category{{Code: "pothole", Department: "pwd", Active: true,
			Name: grievance.Text{Hi: "सड़क में गड्ढे और टूटी हुई सड़कें तथा पुलिया की मरम्मत", En: "Potholes, broken roads and culverts needing repair"}}},
		Areas: []grievance.Area{{Code: "sadar", Kind: grievance.AreaTehsil, Name: grievance.Text{Hi: "सदर", En: "Sadar"}}},
	}
	m.Index()
	return m
}

func MustPlanner(t testing.TB) *Planner {
	t.Helper()
	p, err := NewPlanner(MustCatalogue(t), PlannerOptions{
		TrackURL: "nivaran.in/t",
		Labels:   labels{"hi": {LabelControlRoom: "नियंत्रण कक्ष"}, "en": {LabelControlRoom: "Control room"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlan(t *testing.T) {
	p, m := MustPlanner(t), testMasters()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	// 20:00 UTC is 01:30 the next day in India: the date must be local.
	due := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	type want struct{ event, audience, to string }
	tests := []struct {
		kind    grievance.ActionKind
		officer bool
		want    []want
	}{
		{grievance.ActFile, true, []want{{EventRegistered, Citizen, "9876543210"}, {EventRegistered, Officer, "9123456780"}}},
		{grievance.ActFile, false, []want{{EventRegistered, Citizen, "9876543210"}}},
		{grievance.ActForward, true, []want{{EventForwarded, Officer, "9123456780"}}},
		{grievance.ActReassign, true, []want{{EventReassigned, Officer, "9123456780"}}},
		{grievance.ActReassign, false, nil},
		{grievance.ActReport, true, []want{{EventResolved, Citizen, "9876543210"}}},
		{grievance.ActReject, true, []want{{EventRejected, Citizen, "9876543210"}}},
		{grievance.ActReopen, true, []want{{EventReopened, Citizen, "9876543210"}, {EventReopened, Officer, "9123456780"}}},
		{grievance.ActCitizenReject, true, []want{{EventReopened, Citizen, "9876543210"}, {EventReopened, Officer, "9123456780"}}},
		{grievance.ActAccept, true, nil},
		{grievance.ActNote, true, nil},
		{grievance.ActReturn, true, nil},
		{grievance.ActClose, true, nil},
		{grievance.ActCitizenAccept, true, nil},
	}
	for _, lang := range []grievance.Lang{grievance.Hindi, grievance.English} {
		for _, tt := range tests {
			t.Run(string(lang)+"/"+string(tt.kind), func(t *testing.T) {
				c := &grievance.Complaint{ID: 7, Number: "26031234567", Mobile: "9876543210", Language: lang,
					Category: "pothole", Area: "sadar", Department: "pwd", Due: due}
				var off *grievance.Officer
				if tt.officer {
					off = &grievance.Officer{ID: 3, Mobile: "9123456780", Language: lang}
				}
				ev := grievance.Event{Kind: tt.kind, At: at}
				got, err := p.Plan(c, ev, off, m)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("Plan gave %d messages, want %d: %+v", len(got), len(tt.want), got)
				}
				again, _ := p.Plan(c, ev, off, m)
				keys := map[string]bool{}
				for i, msg := range got {
					w := tt.want[i]
					if msg.Event != w.event || msg.Audience != w.audience || msg.To != w.to || msg.Lang != lang {
						t.Errorf("message %d = %s/%s to %s in %s, want %s/%s to %s in %s", i, msg.Event, msg.Audience, msg.To, msg.Lang, w.event, w.audience, w.to, lang)
					}
					tp, _ := p.Catalogue().Template(msg.Event, msg.Audience, lang)
					if msg.TemplateID != tp.DLTID || msg.Status != grievance.MsgQueued || msg.ComplaintID != 7 {
						t.Errorf("message %d: template %s status %s complaint %d", i, msg.TemplateID, msg.Status, msg.ComplaintID)
					}
					if err := Check(tp, msg.Text); err != nil {
						t.Errorf("message %d: %v", i, err)
					}
					if !strings.Contains(msg.Text, c.Number) {
						t.Errorf("message %d lacks the number: %q", i, msg.Text)
					}
					if msg.Audience == Officer && !strings.Contains(msg.Text, "11-03-2026") {
						t.Errorf("officer message lacks the local deadline 11-03-2026: %q", msg.Text)
					}
					if msg.Event == EventRegistered && msg.Audience == Citizen {
						dept := map[grievance.Lang]string{grievance.Hindi: "लोक निर्माण विभाग", grievance.English: "Public Works"}[lang]
						if !strings.Contains(msg.Text, dept) || !strings.Contains(msg.Text, "nivaran.in/t") {
							t.Errorf("citizen message lacks department or track URL: %q", msg.Text)
						}
					}
					if msg.Key != again[i].Key {
						t.Errorf("key changed between calls: %q, %q", msg.Key, again[i].Key)
					}
					keys[msg.Key] = true
				}
				if len(keys) != len(got) {
					t.Errorf("keys not distinct: %v", keys)
				}
			})
		}
	}
}

func TestPlanDetails(t *testing.T) {
	p, m := MustPlanner(t), testMasters()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	base := grievance.Complaint{ID: 1, Number: "26031234567", Mobile: "9876543210", Language: grievance.English,
		Category: "pothole", Area: "sadar", Department: "pwd", Due: at.Add(48 * time.Hour)}
	off := &grievance.Officer{ID: 3, Mobile: "9123456780", Language: grievance.Hindi}

	t.Run("category truncated in the officer's language", func(t *testing.T) {
		c := base
		msgs, err := p.Plan(&c, grievance.Event{Kind: grievance.ActFile, At: at}, off, m)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("Plan = %v, %v", msgs, err)
		}
		if o := msgs[1]; o.Lang != grievance.Hindi || !strings.Contains(o.Text, "सड़क में गड्ढे") || !strings.Contains(o.Text, "…") {
			t.Errorf("officer message = %q in %s, want Hindi with a shortened category", o.Text, o.Lang)
		}
	})
	t.Run("control room when unrouted", func(t *testing.T) {
		c := base
		c.Department = ""
		msgs, _ := p.Plan(&c, grievance.Event{Kind: grievance.ActFile, At: at}, nil, m)
		if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Control room") {
			t.Errorf("Plan = %+v, want one message naming the control room", msgs)
		}
	})
	t.Run("recipient without a valid mobile gets nothing", func(t *testing.T) {
		c := base
		c.Mobile = ""
		bad := &grievance.Officer{ID: 4, Mobile: "12345"}
		msgs, err := p.Plan(&c, grievance.Event{Kind: grievance.ActReopen, At: at}, bad, m)
		if err != nil || len(msgs) != 0 {
			t.Errorf("Plan = %+v, %v; want none", msgs, err)
		}
	})
	t.Run("invalid language falls back to Hindi", func(t *testing.T) {
		c := base
		c.Language = ""
		msgs, _ := p.Plan(&c, grievance.Event{Kind: grievance.ActReport, At: at}, nil, m)
		if len(msgs) != 1 || msgs[0].Lang != grievance.Hindi {
			t.Errorf("Plan = %+v, want one Hindi message", msgs)
		}
	})
	t.Run("keys differ by time and kind", func(t *testing.T) {
		c := base
		a, _ := p.Plan(&c, grievance.Event{Kind: grievance.ActReopen, At: at}, off, m)
		b, _ := p.Plan(&c, grievance.Event{Kind: grievance.ActReopen, At: at.Add(time.Nanosecond)}, off, m)
		d, _ := p.Plan(&c, grievance.Event{Kind: grievance.ActCitizenReject, At: at}, off, m)
		if a[0].Key == b[0].Key || a[0].Key == d[0].Key {
			t.Errorf("keys collide: %q %q %q", a[0].Key, b[0].Key, d[0].Key)
		}
	})
	t.Run("bad number refused", func(t *testing.T) {
		c := base
		c.Number = ""
		if _, err := p.Plan(&c, grievance.Event{Kind: grievance.ActFile, At: at}, off, m); err == nil {
			t.Error("Plan with no number: nil error")
		}
	})
	t.Run("scheduler events", func(t *testing.T) {
		c := base
		for _, ev := range []string{EventEscalated, EventDueSoon} {
			msgs, err := p.PlanEvent(ev, &c, off, m, at)
			if err != nil || len(msgs) != 1 || msgs[0].Audience != Officer || msgs[0].Event != ev {
				t.Errorf("PlanEvent(%s) = %+v, %v", ev, msgs, err)
			}
		}
		if _, err := p.PlanEvent("nonsense", &c, off, m, at); err == nil {
			t.Error("PlanEvent(nonsense): nil error")
		}
	})
	t.Run("otp", func(t *testing.T) {
		for _, lang := range []grievance.Lang{grievance.Hindi, grievance.English} {
			msg, err := p.OTP("9876543210", lang, "482913", at)
			if err != nil || !strings.Contains(msg.Text, "482913") || !strings.Contains(msg.Text, "10") || Parts(msg.Text) != 1 {
				t.Errorf("OTP(%s) = %+v, %v", lang, msg, err)
			}
		}
		for _, code := range []string{"12", "12a456", strings.Repeat("1", 11)} {
			if _, err := p.OTP("9876543210", grievance.Hindi, code, at); err == nil {
				t.Errorf("OTP(%q): nil error", code)
			}
		}
	})
}

func TestNewPlanner(t *testing.T) {
	cat := MustCatalogue(t)
	for _, u := range []string{"", "nivaran.example.gov.in/track/complaint", "a b"} {
		if _, err := NewPlanner(cat, PlannerOptions{TrackURL: u}); err == nil {
			t.Errorf("NewPlanner(TrackURL %q): nil error", u)
		}
	}
}

// BenchmarkPlan plans a Hindi filing's two messages (the citizen's and the
// officer's), as every registration does before it reaches the writer.
//
//	go test ./internal/notify -run '^$' -bench '^BenchmarkPlan$' -cpu 2
func BenchmarkPlan(b *testing.B) {
	p, m := MustPlanner(b), testMasters()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	officer := &grievance.Officer{ID: 7, Code: "pwd-je", Name: "सुरेश कुमार वर्मा", Mobile: "9123456780", Language: grievance.Hindi, Department: "pwd", Level: 1}
	c := &grievance.Complaint{Number: grievance.NewNumber(now), Name: "सीता देवी", Mobile: "9876543210", Language: grievance.Hindi,
		Category: "pothole", Area: "sadar", Department: "pwd", Status: grievance.StatusAssigned, AssigneeID: 7, Level: 1,
		Due: now.Add(72 * time.Hour), Created: now}
	ev := grievance.Event{At: now, Kind: grievance.ActFile, To: c.Status, Public: true, AssigneeID: 7, Department: "pwd"}
	b.ReportAllocs()
	for b.Loop() {
		msgs, err := p.Plan(c, ev, officer, m)
		if err != nil || len(msgs) != 2 {
			b.Fatalf("plan: %d messages, %v", len(msgs), err)
		}
	}
}
