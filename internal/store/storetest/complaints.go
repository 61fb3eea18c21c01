package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

func testFileRouting(t *testing.T, e *env) {
	tests := []struct {
		name, category, area string
		wantDept, wantOff    string // officer code, "" for none
		wantLevel            int
		wantStatus           grievance.Status
	}{
		{"category department, level 1", "road", "w1", "pwd", "pwd-je-w1", 1, grievance.StatusAssigned},
		{"no level 1 in the ward: next level up", "road", "w4", "pwd", "pwd-ae-z2", 2, grievance.StatusAssigned},
		{"category department (health)", "garbage", "w1", "health", "health-mo-z1", 1, grievance.StatusAssigned},
		{"rule for the area overrides the category", "garbage", "w3", "pwd", "pwd-je-w3", 1, grievance.StatusAssigned},
		{"rule for every area overrides the category", "mosquito", "w2", "health", "health-mo-z1", 1, grievance.StatusAssigned},
		{"no officer: control-room queue", "hospital", "w3", "health", "", 0, grievance.StatusRegistered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.MustFile(newComplaint(tt.category, tt.area))
			var wantID int64
			if tt.wantOff != "" {
				wantID = e.officerID(tt.wantOff)
			}
			if c.Department != tt.wantDept || c.AssigneeID != wantID || c.Level != tt.wantLevel || c.Status != tt.wantStatus {
				t.Fatalf("filed: department %q, assignee %d, level %d, status %s; want %q, %d (%s), %d, %s",
					c.Department, c.AssigneeID, c.Level, c.Status, tt.wantDept, wantID, tt.wantOff, tt.wantLevel, tt.wantStatus)
			}
			if c.ID == 0 || !grievance.ValidNumber(c.Number) || !strings.HasPrefix(c.Number, "2601") {
				t.Fatalf("filed: ID %d, number %q; want an ID and an 11-digit number starting 2601", c.ID, c.Number)
			}
			if !c.Created.Equal(Start) || !c.Updated.Equal(Start) {
				t.Fatalf("created %v, updated %v; want %v", c.Created, c.Updated, Start)
			}
			got, err := e.h.Complaint(e.ctx, control, c.Number)
			if err != nil {
				t.Fatalf("Complaint: %v", err)
			}
			if got.ID != c.ID || got.Department != c.Department || got.AssigneeID != c.AssigneeID ||
				got.Status != c.Status || got.Level != c.Level || !got.Due.Equal(c.Due) || !got.Created.Equal(c.Created) ||
				got.Mobile != mobileA || got.Category != tt.category || got.Area != tt.area || got.Name != "Ram Kumar" {
				t.Fatalf("read back %+v\nwant %+v", got, c)
			}
			evs, err := e.h.History(e.ctx, control, c.Number)
			if err != nil {
				t.Fatalf("History: %v", err)
			}
			if len(evs) != 1 {
				t.Fatalf("history has %d events, want 1", len(evs))
			}
			ev := evs[0]
			if ev.Kind != grievance.ActFile || !ev.Public || ev.ActorName != "citizen" || ev.To != c.Status ||
				ev.AssigneeID != wantID || ev.Department != tt.wantDept || ev.Level != tt.wantLevel || ev.ComplaintID != c.ID {
				t.Fatalf("first event %+v", ev)
			}
		})
	}
}

func testFileDeadline(t *testing.T, e *env) {
	// Filed Friday 23 January 2026 10:00; Sunday 25 is off, Monday 26 a holiday.
	tests := []struct {
		category string
		want     time.Time
	}{
		{"drain", time.Date(2026, 1, 27, 23, 59, 59, 0, IST)},    // Sat 24, Tue 27
		{"road", time.Date(2026, 1, 28, 23, 59, 59, 0, IST)},     // Sat 24, Tue 27, Wed 28
		{"hospital", time.Date(2026, 1, 30, 23, 59, 59, 0, IST)}, // … Thu 29, Fri 30
	}
	for _, tt := range tests {
		t.Run(tt.category, func(t *testing.T) {
			c := e.MustFile(newComplaint(tt.category, "w1"))
			if !c.Due.Equal(tt.want) {
				t.Fatalf("due %v, want %v", c.Due.In(IST), tt.want)
			}
			got, err := e.h.Complaint(e.ctx, control, c.Number)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Due.Equal(tt.want) {
				t.Fatalf("stored due %v, want %v", got.Due.In(IST), tt.want)
			}
		})
	}
}

func testFilePhotos(t *testing.T, e *env) {
	in := newComplaint("drain", "w1")
	in.Location = &grievance.Point{Lat: 26.85, Long: 80.95}
	in.Photos = []grievance.Upload{
		{ContentType: "image/jpeg", Data: []byte("jpeg bytes one")},
		{ContentType: "image/png", Data: []byte("png bytes, two")},
	}
	c := e.MustFile(in)
	if len(c.Attachments) != 2 {
		t.Fatalf("File returned %d attachments, want 2", len(c.Attachments))
	}
	got, err := e.h.Complaint(e.ctx, control, c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.Location == nil || *got.Location != *in.Location {
		t.Fatalf("location %v, want %v", got.Location, in.Location)
	}
	evs, err := e.h.History(e.ctx, control, c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Attachments) != 2 {
		t.Fatalf("Complaint has %d attachments, want 2", len(got.Attachments))
	}
	for i, a := range got.Attachments {
		p := in.Photos[i]
		if a.ID == 0 || a.Key == "" || a.ContentType != p.ContentType || a.Size != int64(len(p.Data)) ||
			a.EventID != evs[0].ID || a.Location == nil || *a.Location != *in.Location || !a.Created.Equal(Start) {
			t.Fatalf("attachment %d = %+v (first event %d)", i, a, evs[0].ID)
		}
		if r := c.Attachments[i]; a.ID != r.ID || a.Key != r.Key || a.EventID != r.EventID || a.Size != r.Size ||
			a.ContentType != r.ContentType || !a.Created.Equal(r.Created) || *a.Location != *r.Location {
			t.Fatalf("attachment %d read back %+v, File returned %+v", i, a, c.Attachments[i])
		}
	}
	if got.Attachments[0].Key == got.Attachments[1].Key {
		t.Fatal("different photos share a key")
	}
	if len(evs[0].Attachments) != 2 {
		t.Fatalf("first event has %d attachments, want 2", len(evs[0].Attachments))
	}
}

func testFileMessages(t *testing.T, e *env) {
	t.Run("assigned", func(t *testing.T) {
		c := e.MustFile(newComplaint("road", "w1"))
		msgs := e.messagesOf(c.ID)
		if len(msgs) != 2 {
			t.Fatalf("%d messages queued, want 2 (citizen, officer): %+v", len(msgs), msgs)
		}
		to := map[string]string{}
		for _, m := range msgs {
			to[m.Audience] = m.To
			if m.Status != grievance.MsgQueued || !m.NextAttempt.Equal(Start) || m.Attempts != 0 || !m.Created.Equal(Start) {
				t.Fatalf("message %+v: want queued, due now, no attempts", m)
			}
		}
		if to["citizen"] != mobileA || to["officer"] != e.m.OfficerByCode("pwd-je-w1").Mobile {
			t.Fatalf("messages to %v", to)
		}
	})
	t.Run("registered: citizen only", func(t *testing.T) {
		c := e.MustFile(newComplaint("hospital", "w3"))
		if msgs := e.messagesOf(c.ID); len(msgs) != 1 || msgs[0].Audience != "citizen" {
			t.Fatalf("messages %+v, want one to the citizen", msgs)
		}
	})
	t.Run("same key twice: queued once", func(t *testing.T) {
		in := newComplaint("road", "w1")
		in.Description = "Pothole " + DupMarker
		c := e.MustFile(in)
		if msgs := e.messagesOf(c.ID); len(msgs) != 2 {
			t.Fatalf("%d messages queued, want 2: %+v", len(msgs), msgs)
		}
	})
	t.Run("messenger error aborts the filing", func(t *testing.T) {
		before := e.count()
		beforeMsgs, _ := e.h.Messages(e.ctx, "", 500)
		in := newComplaint("road", "w1")
		in.Description = "Pothole " + FailMarker
		if c, err := e.h.File(e.ctx, in); err == nil {
			t.Fatalf("File succeeded (%s) although the messenger failed", c.Number)
		}
		if after := e.count(); after != before {
			t.Fatalf("%d complaints after a failed filing, want %d", after, before)
		}
		afterMsgs, _ := e.h.Messages(e.ctx, "", 500)
		if len(afterMsgs) != len(beforeMsgs) {
			t.Fatalf("%d messages after a failed filing, want %d", len(afterMsgs), len(beforeMsgs))
		}
	})
}

func testFileInvalid(t *testing.T, e *env) {
	e.MustFile(newComplaint("road", "w1"))
	tests := []struct {
		name   string
		change func(*grievance.NewComplaint)
		field  string
	}{
		{"bad mobile", func(n *grievance.NewComplaint) { n.Mobile = "12345" }, "mobile"},
		{"unknown category", func(n *grievance.NewComplaint) { n.Category = "nope" }, "category"},
		{"inactive category", func(n *grievance.NewComplaint) { n.Category = "old" }, "category"},
		{"area not a leaf", func(n *grievance.NewComplaint) { n.Area = "z1" }, "area"},
		{"unknown area", func(n *grievance.NewComplaint) { n.Area = "w9" }, "area"},
		{"no description", func(n *grievance.NewComplaint) { n.Description = "   " }, "description"},
		{"name too long", func(n *grievance.NewComplaint) { n.Name = strings.Repeat("क", grievance.MaxName+1) }, "name"},
		{"location outside India", func(n *grievance.NewComplaint) { n.Location = &grievance.Point{Lat: 51.5, Long: -0.1} }, "location"},
		{"bad channel", func(n *grievance.NewComplaint) { n.Channel = "fax" }, "channel"},
		{"too many photos", func(n *grievance.NewComplaint) {
			n.Photos = make([]grievance.Upload, grievance.MaxPhotos+1)
		}, "photo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.count()
			in := newComplaint("road", "w1")
			tt.change(&in)
			c, err := e.h.File(e.ctx, in)
			if err == nil {
				t.Fatalf("File succeeded: %s", c.Number)
			}
			wantField(t, err, tt.field, "")
			if after := e.count(); after != before {
				t.Fatalf("%d complaints after an invalid filing, want %d", after, before)
			}
		})
	}
	t.Run("cancelled context", func(t *testing.T) {
		before := e.count()
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		if _, err := e.h.File(ctx, newComplaint("road", "w1")); err == nil {
			t.Fatal("File with a cancelled context succeeded")
		}
		if after := e.count(); after != before {
			t.Fatalf("%d complaints after a cancelled filing, want %d", after, before)
		}
	})
}

func testTrack(t *testing.T, e *env) {
	c := e.MustFile(newComplaint("road", "w1"))
	if _, err := e.h.Act(e.ctx, e.officer("pwd-je-w1"), c.Number, grievance.Action{Kind: grievance.ActNote, Note: "internal: contractor called"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.Act(e.ctx, e.officer("pwd-je-w1"), c.Number, grievance.Action{Kind: grievance.ActAccept}); err != nil {
		t.Fatal(err)
	}
	for _, mobile := range []string{mobileA, "+91 98765 43210", "098765-43210"} {
		got, evs, err := e.h.Track(e.ctx, c.Number, mobile)
		if err != nil {
			t.Fatalf("Track(%s, %q): %v", c.Number, mobile, err)
		}
		if got.ID != c.ID || got.Status != grievance.StatusInProgress {
			t.Fatalf("Track returned %+v", got)
		}
		if len(evs) != 2 || evs[0].Kind != grievance.ActFile || evs[1].Kind != grievance.ActAccept {
			t.Fatalf("Track events %+v, want file and accept (the note is internal)", evs)
		}
		for _, ev := range evs {
			if !ev.Public {
				t.Fatalf("Track shows a non-public event %+v", ev)
			}
		}
	}
	var errs []error
	for _, tt := range []struct{ number, mobile string }{
		{c.Number, mobileB},
		{c.Number, ""},
		{"26019999999", mobileA},
		{"not-a-number", mobileA},
		{"", ""},
	} {
		got, evs, err := e.h.Track(e.ctx, tt.number, tt.mobile)
		if err == nil {
			t.Fatalf("Track(%q, %q) = %+v, %d events; want not found", tt.number, tt.mobile, got, len(evs))
		}
		wantCode(t, err, grievance.ENotFound, "error.not_found")
		errs = append(errs, err)
	}
	for _, err := range errs[1:] {
		if err.Error() != errs[0].Error() {
			t.Fatalf("Track errors differ: %q and %q: a wrong mobile must look like a wrong number", errs[0], err)
		}
	}
}

func testScope(t *testing.T, e *env) {
	c := e.MustFile(newComplaint("road", "w1")) // assigned to pwd-je-w1
	other := e.MustFile(newComplaint("road", "w3"))
	tests := []struct {
		name  string
		actor grievance.Actor
		sees  bool
	}{
		{"system", grievance.SystemActor, true},
		{"control room", control, true},
		{"dm", grievance.Actor{UserID: 4, Roles: []grievance.Role{grievance.RoleDM}}, true},
		{"assignee", e.officer("pwd-je-w1"), true},
		{"superior with the ward in jurisdiction", e.officer("pwd-ae-z1"), true},
		{"district-wide officer of the department", e.officer("pwd-ee"), true},
		{"officer of another ward", e.officer("pwd-je-w2"), false},
		{"officer of another zone", e.officer("pwd-ae-z2"), false},
		{"department head of the department", e.officer("pwd-je-w3", grievance.RoleDeptHead), true},
		{"officer of another department, same ward", e.officer("health-mo-z1"), false},
		{"citizen who filed", grievance.CitizenActor(mobileA), true},
		{"another citizen", grievance.CitizenActor(mobileB), false},
		{"admin", admin, false},
		{"agent", agent, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.h.Complaint(e.ctx, tt.actor, c.Number)
			if tt.sees && err != nil {
				t.Fatalf("Complaint: %v", err)
			}
			if !tt.sees {
				wantCode(t, err, grievance.ENotFound, "error.not_found")
				_, err = e.h.History(e.ctx, tt.actor, c.Number)
				wantCode(t, err, grievance.ENotFound, "")
				_, err = e.h.Act(e.ctx, tt.actor, c.Number, grievance.Action{Kind: grievance.ActNote, Note: "peek"})
				wantCode(t, err, grievance.ENotFound, "")
			}
			found := false
			for _, x := range e.walk(tt.actor, grievance.ComplaintFilter{}) {
				if x.ID == c.ID {
					found = true
				}
				if !tt.actor.CanSee(x) {
					t.Fatalf("Search shows %s, which the actor may not see", x.Number)
				}
			}
			if found != tt.sees {
				t.Fatalf("Search shows the complaint: %v, want %v", found, tt.sees)
			}
		})
	}
	t.Run("agent by mobile", func(t *testing.T) {
		got := e.walk(agent, grievance.ComplaintFilter{Mobile: "+91 " + mobileA})
		if len(got) != 2 || !slices.ContainsFunc(got, func(x *grievance.Complaint) bool { return x.ID == other.ID }) {
			t.Fatalf("agent with the caller's mobile sees %d complaints, want 2", len(got))
		}
	})
	t.Run("unseen complaint unchanged by a refused act", func(t *testing.T) {
		evs, err := e.h.History(e.ctx, control, c.Number)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 {
			t.Fatalf("%d events, want 1: refused actions must write nothing", len(evs))
		}
	})
}

// step is one action in a scripted complaint life.
type step struct {
	name     string
	actor    grievance.Actor
	act      grievance.Action
	advance  time.Duration // clock moves before the step
	code     string        // expected error code, "" for success
	field    string        // expected field of an EInvalid error
	key      string        // expected key of the error or field
	status   grievance.Status
	assignee string // expected assignee code ("-" for none, "" to skip)
}

func (e *env) run(t *testing.T, number string, steps []step) {
	t.Helper()
	for i, s := range steps {
		e.clock.Advance(s.advance)
		before, err := e.h.History(e.ctx, control, number)
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.h.Act(e.ctx, s.actor, number, s.act)
		if s.code != "" {
			if err == nil {
				t.Fatalf("step %d %s: succeeded (status %s), want %s", i+1, s.name, c.Status, s.code)
			}
			if s.field != "" {
				wantField(t, err, s.field, s.key)
			} else {
				wantCode(t, err, s.code, s.key)
			}
			after, _ := e.h.History(e.ctx, control, number)
			if len(after) != len(before) {
				t.Fatalf("step %d %s: failed action wrote an event", i+1, s.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s: %v", i+1, s.name, err)
		}
		if c.Status != s.status {
			t.Fatalf("step %d %s: status %s, want %s", i+1, s.name, c.Status, s.status)
		}
		switch s.assignee {
		case "":
		case "-":
			if c.AssigneeID != 0 {
				t.Fatalf("step %d %s: assignee %d, want none", i+1, s.name, c.AssigneeID)
			}
		default:
			if want := e.officerID(s.assignee); c.AssigneeID != want {
				t.Fatalf("step %d %s: assignee %d, want %d (%s)", i+1, s.name, c.AssigneeID, want, s.assignee)
			}
		}
		stored, err := e.h.Complaint(e.ctx, control, number)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Status != c.Status || stored.AssigneeID != c.AssigneeID || stored.Department != c.Department ||
			!stored.Due.Equal(c.Due) || !stored.Updated.Equal(e.clock.Now()) {
			t.Fatalf("step %d %s: stored %+v, returned %+v", i+1, s.name, stored, c)
		}
		after, err := e.h.History(e.ctx, control, number)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before)+1 {
			t.Fatalf("step %d %s: %d events, want %d", i+1, s.name, len(after), len(before)+1)
		}
		ev := after[len(after)-1]
		if ev.Kind != s.act.Kind || ev.To != c.Status || ev.AssigneeID != c.AssigneeID || !ev.At.Equal(e.clock.Now()) ||
			ev.ActorID != s.actor.UserID {
			t.Fatalf("step %d %s: event %+v", i+1, s.name, ev)
		}
	}
}

func testActions(t *testing.T, e *env) {
	c := e.MustFile(newComplaint("road", "w1"))
	je1, je2, ae1 := e.officer("pwd-je-w1"), e.officer("pwd-je-w2"), e.officer("pwd-ae-z1")
	citizen, stranger := grievance.CitizenActor(mobileA), grievance.CitizenActor(mobileB)
	target := func(code string) *grievance.Officer { return &grievance.Officer{ID: e.officerID(code)} }
	photo := []grievance.Upload{{ContentType: "image/jpeg", Data: []byte("after the repair")}}
	where := &grievance.Point{Lat: 26.9, Long: 80.9}
	e.run(t, c.Number, []step{
		{name: "accept by another officer", actor: je2, act: grievance.Action{Kind: grievance.ActAccept}, code: grievance.ENotFound},
		{name: "accept", actor: je1, act: grievance.Action{Kind: grievance.ActAccept}, status: grievance.StatusInProgress, assignee: "pwd-je-w1"},
		{name: "accept twice", actor: je1, act: grievance.Action{Kind: grievance.ActAccept}, code: grievance.EConflict},
		{name: "reassign by an officer", actor: je1, act: grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Target: target("pwd-ae-z1")}, code: grievance.EForbidden},
		{name: "reassign to an unknown officer", actor: control, act: grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Target: &grievance.Officer{ID: 99999}},
			code: grievance.EInvalid, field: "officer", key: "error.reassign_target"},
		{name: "reassign to the superior", actor: control, advance: 48 * time.Hour,
			act:    grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Target: &grievance.Officer{ID: e.officerID("pwd-ae-z1"), Level: 1, Department: "health"}},
			status: grievance.StatusAssigned, assignee: "pwd-ae-z1"},
		{name: "forward to an officer of another ward", actor: ae1, act: grievance.Action{Kind: grievance.ActForward, Note: "please see", Target: target("pwd-je-w2")},
			code: grievance.EInvalid, field: "officer", key: "error.forward_target"},
		{name: "forward upwards", actor: ae1, act: grievance.Action{Kind: grievance.ActForward, Note: "please see", Target: target("pwd-ee")},
			code: grievance.EInvalid, field: "officer", key: "error.forward_target"},
		{name: "forward to an unknown officer", actor: ae1, act: grievance.Action{Kind: grievance.ActForward, Note: "please see", Target: &grievance.Officer{ID: 99999}},
			code: grievance.EInvalid, field: "officer", key: "error.forward_target"},
		{name: "forward without a note", actor: ae1, act: grievance.Action{Kind: grievance.ActForward, Target: target("pwd-je-w1")},
			code: grievance.EInvalid, field: "note"},
		{name: "forward to the subordinate", actor: ae1, act: grievance.Action{Kind: grievance.ActForward, Note: "please see", Target: target("pwd-je-w1")},
			status: grievance.StatusAssigned, assignee: "pwd-je-w1"},
		{name: "return", actor: je1, act: grievance.Action{Kind: grievance.ActReturn, Note: "water supply, not roads"},
			status: grievance.StatusReturned, assignee: "-"},
		{name: "reassign to a department queue", actor: control, act: grievance.Action{Kind: grievance.ActReassign, Department: "health"},
			status: grievance.StatusRegistered, assignee: "-"},
		{name: "reassign back", actor: control, act: grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Target: target("pwd-je-w1")},
			status: grievance.StatusAssigned, assignee: "pwd-je-w1"},
		{name: "internal note", actor: je1, act: grievance.Action{Kind: grievance.ActNote, Note: "contractor called"},
			status: grievance.StatusAssigned, assignee: "pwd-je-w1"},
		{name: "report without a note", actor: je1, act: grievance.Action{Kind: grievance.ActReport, Photos: photo}, code: grievance.EInvalid, field: "note"},
		{name: "report with photo", actor: je1, act: grievance.Action{Kind: grievance.ActReport, Note: "Pothole filled", Photos: photo, Location: where},
			status: grievance.StatusResolved},
		{name: "citizen reject by another citizen", actor: stranger, act: grievance.Action{Kind: grievance.ActCitizenReject, Note: "no"}, code: grievance.ENotFound},
		{name: "citizen reject: up one level", actor: citizen, act: grievance.Action{Kind: grievance.ActCitizenReject, Note: "still broken"},
			status: grievance.StatusReopened, assignee: "pwd-ae-z1"},
		{name: "report again", actor: ae1, act: grievance.Action{Kind: grievance.ActReport, Note: "Relaid properly"}, status: grievance.StatusResolved},
		{name: "citizen accept", actor: citizen, act: grievance.Action{Kind: grievance.ActCitizenAccept}, status: grievance.StatusClosed},
		{name: "reopen without a note", actor: control, act: grievance.Action{Kind: grievance.ActReopen}, code: grievance.EInvalid, field: "note"},
		{name: "reopen", actor: control, act: grievance.Action{Kind: grievance.ActReopen, Note: "inspection failed"}, status: grievance.StatusReopened},
		{name: "reject", actor: control, act: grievance.Action{Kind: grievance.ActReject, Note: "private property"}, status: grievance.StatusRejected},
		{name: "accept a rejected complaint", actor: ae1, act: grievance.Action{Kind: grievance.ActAccept}, code: grievance.EConflict},
		{name: "unknown action", actor: control, act: grievance.Action{Kind: "dance"}, code: grievance.EInvalid},
	})

	// The reassignment two days later got a fresh deadline from then:
	// Sunday 25 10:00 → Tue 27, Wed 28, Thu 29.
	evs, err := e.h.History(e.ctx, control, c.Number)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.h.Complaint(e.ctx, control, c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 1, 29, 23, 59, 59, 0, IST); !got.Due.Equal(want) {
		t.Fatalf("due after reassignment %v, want %v", got.Due.In(IST), want)
	}
	var report *grievance.Event
	for i := range evs {
		if evs[i].Kind == grievance.ActReport && len(evs[i].Attachments) > 0 {
			report = &evs[i]
		}
	}
	if report == nil {
		t.Fatal("no report event with its photo in the history")
	}
	a := report.Attachments[0]
	if a.EventID != report.ID || a.ContentType != "image/jpeg" || a.Size != int64(len(photo[0].Data)) || a.Location == nil || *a.Location != *where {
		t.Fatalf("report attachment %+v", a)
	}
	if len(got.Attachments) != 1 || got.Attachments[0].ID != a.ID {
		t.Fatalf("complaint attachments %+v, want the report's photo", got.Attachments)
	}
	// Officers are told when a complaint comes to them.
	var toOfficer int
	for _, m := range e.messagesOf(c.ID) {
		if m.Audience == "officer" {
			toOfficer++
		}
	}
	if toOfficer != 4 { // filing, reassign to AE, forward to JE, reassign back
		t.Fatalf("%d messages to officers, want 4", toOfficer)
	}
}

func testActClose(t *testing.T, e *env) {
	c := e.MustFile(newComplaint("road", "w2"))
	je2 := e.officer("pwd-je-w2")
	e.run(t, c.Number, []step{
		{name: "close before resolution", actor: control, act: grievance.Action{Kind: grievance.ActClose}, code: grievance.EConflict},
		{name: "report", actor: je2, act: grievance.Action{Kind: grievance.ActReport, Note: "done"}, status: grievance.StatusResolved},
		{name: "close by an officer", actor: je2, act: grievance.Action{Kind: grievance.ActClose}, code: grievance.EForbidden},
		{name: "close", actor: control, act: grievance.Action{Kind: grievance.ActClose, Note: "verified by phone"}, status: grievance.StatusClosed},
		{name: "citizen accept after close", actor: grievance.CitizenActor(mobileA), act: grievance.Action{Kind: grievance.ActCitizenAccept}, code: grievance.EConflict},
	})
	if _, err := e.h.Act(e.ctx, control, "26010000000", grievance.Action{Kind: grievance.ActClose}); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Fatalf("Act on an unknown number: %v, want not found", err)
	}
}

func testHistory(t *testing.T, e *env) {
	c := e.MustFile(newComplaint("road", "w1"))
	je1 := e.officer("pwd-je-w1")
	for _, act := range []grievance.Action{
		{Kind: grievance.ActAccept},
		{Kind: grievance.ActNote, Note: "internal remark"},
		{Kind: grievance.ActForward, Note: "x"}, // refused: no target
		{Kind: grievance.ActReport, Note: "repaired"},
	} {
		e.clock.Advance(time.Minute)
		e.h.Act(e.ctx, je1, c.Number, act)
	}
	kinds := func(evs []grievance.Event) string {
		var s []string
		for _, e := range evs {
			s = append(s, string(e.Kind))
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name  string
		actor grievance.Actor
		want  string
	}{
		{"staff see everything", je1, "file,accept,note,report"},
		{"control room", control, "file,accept,note,report"},
		{"citizen sees public events", grievance.CitizenActor(mobileA), "file,accept,report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := e.h.History(e.ctx, tt.actor, c.Number)
			if err != nil {
				t.Fatal(err)
			}
			if got := kinds(evs); got != tt.want {
				t.Fatalf("history %s, want %s", got, tt.want)
			}
			for i := 1; i < len(evs); i++ {
				if evs[i].At.Before(evs[i-1].At) || evs[i].ID <= evs[i-1].ID {
					t.Fatalf("history not oldest first: %+v", evs)
				}
			}
		})
	}
	_, evs, err := e.h.Track(e.ctx, c.Number, mobileA)
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(evs); got != "file,accept,report" {
		t.Fatalf("Track history %s", got)
	}
	if evs[2].Note != "repaired" || !evs[2].NotePublic {
		t.Fatalf("report event %+v: its note is public", evs[2])
	}
}

func testSearchFilters(t *testing.T, e *env) {
	mk := func(cat, area, mobile string, ch grievance.Channel) *grievance.Complaint {
		in := newComplaint(cat, area)
		in.Mobile, in.Channel = mobile, ch
		e.clock.Advance(time.Minute)
		return e.MustFile(in)
	}
	mk("road", "w1", mobileA, grievance.ChannelWeb)
	mk("road", "w2", mobileB, grievance.ChannelPhone)
	mk("garbage", "w1", mobileA, grievance.ChannelApp)
	mk("hospital", "w3", mobileB, grievance.ChannelWeb) // registered
	resolved := mk("drain", "w1", mobileA, grievance.ChannelWeb)
	// Drains need proof: a photo and where it was taken.
	proof := grievance.Action{Kind: grievance.ActReport, Note: "done"}
	if _, err := e.h.Act(e.ctx, e.officer("pwd-je-w1"), resolved.Number, proof); grievance.ErrorCode(err) != grievance.EInvalid {
		t.Fatalf("report without proof: %v, want invalid", err)
	}
	proof.Photos = []grievance.Upload{{ContentType: "image/jpeg", Data: []byte("\xff\xd8\xff proof")}}
	proof.Location = &grievance.Point{Lat: 26.85, Long: 80.95}
	if _, err := e.h.Act(e.ctx, e.officer("pwd-je-w1"), resolved.Number, proof); err != nil {
		t.Fatal(err)
	}
	all := e.all(grievance.ComplaintFilter{})
	if len(all) != 5 {
		t.Fatalf("%d complaints, want 5", len(all))
	}
	je1 := e.officerID("pwd-je-w1")
	tests := []struct {
		name string
		f    grievance.ComplaintFilter
		want func(c *grievance.Complaint) bool
	}{
		{"statuses", grievance.ComplaintFilter{Statuses: []grievance.Status{grievance.StatusRegistered, grievance.StatusResolved}},
			func(c *grievance.Complaint) bool {
				return c.Status == grievance.StatusRegistered || c.Status == grievance.StatusResolved
			}},
		{"open only", grievance.ComplaintFilter{OpenOnly: true}, func(c *grievance.Complaint) bool { return c.Status.Open() }},
		{"department", grievance.ComplaintFilter{Department: "health"}, func(c *grievance.Complaint) bool { return c.Department == "health" }},
		{"area", grievance.ComplaintFilter{Area: "w1"}, func(c *grievance.Complaint) bool { return c.Area == "w1" }},
		{"category", grievance.ComplaintFilter{Category: "road"}, func(c *grievance.Complaint) bool { return c.Category == "road" }},
		{"assignee", grievance.ComplaintFilter{AssigneeID: je1}, func(c *grievance.Complaint) bool { return c.AssigneeID == je1 }},
		{"mobile", grievance.ComplaintFilter{Mobile: "0" + mobileB}, func(c *grievance.Complaint) bool { return c.Mobile == mobileB }},
		{"channel", grievance.ComplaintFilter{Channel: grievance.ChannelWeb}, func(c *grievance.Complaint) bool { return c.Channel == grievance.ChannelWeb }},
		{"combined", grievance.ComplaintFilter{Area: "w1", Mobile: mobileA, OpenOnly: true, Order: grievance.OrderRecent},
			func(c *grievance.Complaint) bool { return c.Area == "w1" && c.Mobile == mobileA && c.Status.Open() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, c := range all {
				if tt.want(c) {
					want = append(want, c.Number)
				}
			}
			var got []string
			for _, c := range e.walk(control, tt.f) {
				got = append(got, c.Number)
			}
			slices.Sort(want)
			slices.Sort(got)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v (non-empty)", got, want)
			}
		})
	}
	t.Run("bad cursor", func(t *testing.T) {
		_, err := e.h.Search(e.ctx, control, grievance.ComplaintFilter{Cursor: "!!not a cursor"})
		wantCode(t, err, grievance.EInvalid, "")
	})
	t.Run("nobody", func(t *testing.T) {
		p, err := e.h.Search(e.ctx, admin, grievance.ComplaintFilter{})
		if err != nil || len(p.Complaints) != 0 || p.Next != "" {
			t.Fatalf("admin without a control-room role: %d complaints, %v; want none, no error", len(p.Complaints), err)
		}
	})
}

func testPagination(t *testing.T, e *env) {
	cats := []string{"road", "drain", "hospital", "garbage"}
	const n = 23
	for i := range n {
		e.clock.Advance(time.Duration(i%3) * 7 * time.Hour) // some on the same day (same due), some not
		e.MustFile(newComplaint(cats[i%len(cats)], []string{"w1", "w2", "w3"}[i%3]))
	}
	tests := []struct {
		order  string
		limit  int
		before func(a, b *grievance.Complaint) bool // a must come before b
	}{
		{grievance.OrderDue, 5, func(a, b *grievance.Complaint) bool {
			return a.Due.Before(b.Due) || a.Due.Equal(b.Due) && a.ID < b.ID
		}},
		{grievance.OrderRecent, 4, func(a, b *grievance.Complaint) bool {
			return a.Created.After(b.Created) || a.Created.Equal(b.Created) && a.ID > b.ID
		}},
		{grievance.OrderDue, 1, func(a, b *grievance.Complaint) bool {
			return a.Due.Before(b.Due) || a.Due.Equal(b.Due) && a.ID < b.ID
		}},
		{grievance.OrderRecent, 23, func(a, b *grievance.Complaint) bool {
			return a.Created.After(b.Created) || a.Created.Equal(b.Created) && a.ID > b.ID
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s by %d", tt.order, tt.limit), func(t *testing.T) {
			got := e.walk(control, grievance.ComplaintFilter{Order: tt.order, Limit: tt.limit})
			if len(got) != n {
				t.Fatalf("walk returned %d complaints, want %d", len(got), n)
			}
			seen := map[int64]bool{}
			for i, c := range got {
				if seen[c.ID] {
					t.Fatalf("complaint %s returned twice", c.Number)
				}
				seen[c.ID] = true
				if i > 0 && !tt.before(got[i-1], c) {
					t.Fatalf("row %d (%s due %v created %v) out of order after %s (due %v created %v)",
						i, c.Number, c.Due, c.Created, got[i-1].Number, got[i-1].Due, got[i-1].Created)
				}
			}
		})
	}
	t.Run("default and maximum limit", func(t *testing.T) {
		for range 40 {
			e.MustFile(newComplaint("road", "w1"))
		}
		p, err := e.h.Search(e.ctx, control, grievance.ComplaintFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Complaints) != 50 || p.Next == "" {
			t.Fatalf("default page: %d complaints, next %q; want 50 and a cursor", len(p.Complaints), p.Next)
		}
		p, err = e.h.Search(e.ctx, control, grievance.ComplaintFilter{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Complaints) != n+40 || p.Next != "" {
			t.Fatalf("large limit: %d complaints, next %q", len(p.Complaints), p.Next)
		}
	})
	t.Run("officer scope across pages", func(t *testing.T) {
		a := e.officer("pwd-ae-z1")
		got := e.walk(a, grievance.ComplaintFilter{Limit: 3})
		var want int
		for _, c := range e.all(grievance.ComplaintFilter{}) {
			if a.CanSee(c) {
				want++
			}
		}
		if len(got) != want || want == 0 {
			t.Fatalf("officer walk: %d complaints, want %d", len(got), want)
		}
	})
}
