package grievance_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// who is the class of actor a rule admits.
type who int

const (
	byAssignee who = iota // the officer the complaint is assigned to
	byStaff               // any signed-in non-citizen who can see it
	byControl             // the control room (supervisor, DM) or the system
	byOwner               // the citizen who filed it
)

// machineSpec is the status machine as the issue specifies it, written out
// by hand: it must not be derived from the code's rules.
type machineSpec struct {
	who     who
	from    []grievance.Status
	to      grievance.Status // "" keeps the status
	note    bool             // a note (reason, remarks) is required
	public  bool             // the citizen sees the event
	notePub bool             // the citizen sees the note
}

const (
	sRegistered = grievance.StatusRegistered
	sAssigned   = grievance.StatusAssigned
	sInProgress = grievance.StatusInProgress
	sReopened   = grievance.StatusReopened
	sReturned   = grievance.StatusReturned
	sResolved   = grievance.StatusResolved
	sClosed     = grievance.StatusClosed
	sRejected   = grievance.StatusRejected
)

var allStatuses = []grievance.Status{sRegistered, sAssigned, sInProgress, sReopened, sReturned, sResolved, sClosed, sRejected}

var machine = map[grievance.ActionKind]machineSpec{
	grievance.ActAccept:        {who: byAssignee, from: []grievance.Status{sAssigned, sReopened}, to: sInProgress, public: true},
	grievance.ActForward:       {who: byAssignee, from: []grievance.Status{sAssigned, sInProgress, sReopened}, to: sAssigned, note: true, public: true},
	grievance.ActReturn:        {who: byAssignee, from: []grievance.Status{sAssigned, sInProgress, sReopened}, to: sReturned, note: true, public: true},
	grievance.ActNote:          {who: byStaff, from: allStatuses, note: true},
	grievance.ActReport:        {who: byAssignee, from: []grievance.Status{sAssigned, sInProgress, sReopened}, to: sResolved, note: true, public: true, notePub: true},
	grievance.ActReassign:      {who: byControl, from: []grievance.Status{sRegistered, sReturned, sAssigned, sInProgress, sReopened}, to: sAssigned, public: true},
	grievance.ActClose:         {who: byControl, from: []grievance.Status{sResolved}, to: sClosed, public: true, notePub: true},
	grievance.ActReopen:        {who: byControl, from: []grievance.Status{sResolved, sClosed, sRejected}, to: sReopened, note: true, public: true, notePub: true},
	grievance.ActReject:        {who: byControl, from: []grievance.Status{sRegistered, sAssigned, sInProgress, sReturned, sReopened}, to: sRejected, note: true, public: true, notePub: true},
	grievance.ActCitizenAccept: {who: byOwner, from: []grievance.Status{sResolved}, to: sClosed, public: true, notePub: true},
	grievance.ActCitizenReject: {who: byOwner, from: []grievance.Status{sResolved}, to: sReopened, note: true, public: true, notePub: true},
}

// kinds is the order the cross product runs in.
var kinds = []grievance.ActionKind{
	grievance.ActAccept, grievance.ActForward, grievance.ActReturn, grievance.ActNote, grievance.ActReport,
	grievance.ActReassign, grievance.ActClose, grievance.ActReopen, grievance.ActReject,
	grievance.ActCitizenAccept, grievance.ActCitizenReject,
}

const ownerMobile = "9876543210"

// testActor is an actor with what the spec says about them for the
// complaint of the fixture, written by hand.
type testActor struct {
	name      string
	actor     grievance.Actor
	sees      bool
	class     []who // the rule classes this actor belongs to
	actorName string
}

func (ta testActor) is(w who) bool { return slices.Contains(ta.class, w) }

// fixture is one complaint assignment for the cross product.
type fixture struct {
	name      string
	assignee  int64 // officer the complaint is assigned to
	peer      int64 // same department and area, not the assignee
	superior  int64 // a higher level of the same department covering the area
	forwardTo int64 // the target given to forward
	forwardOK bool  // whether that target is lawful for the assignee
}

var fixtures = []fixture{
	// As the issue lists the actors: a level-1 assignee and a level-2
	// superior. Nobody is below level 1, so forward (to jeW1b, the same
	// level) must fail with EInvalid even where the actor and status are right.
	{name: "L1", assignee: jeW1, peer: jeW1b, superior: aeZ1, forwardTo: jeW1b, forwardOK: false},
	// A level-2 assignee (after escalation or reassignment) forwards to a
	// level-1 officer of the ward; the superior is level 3.
	{name: "L2", assignee: aeZ1, peer: aeZ1b, superior: eeAll, forwardTo: jeW1, forwardOK: true},
}

func fixtureActors(t *testing.T, m *grievance.Masters, fx fixture) []testActor {
	t.Helper()
	off := func(name string, id int64, sees bool, class ...who) testActor {
		return testActor{name: name, actor: officerActor(t, m, id), sees: sees, class: class, actorName: "officer:" + MustOfficer(t, m, id).Code}
	}
	return []testActor{
		off("assignee", fx.assignee, true, byAssignee, byStaff),
		off("peer", fx.peer, true, byStaff),
		off("superior", fx.superior, true, byStaff),
		off("other_dept", jalJeW1, false, byStaff),
		{name: "supervisor", actor: staffActor(900, "sup", grievance.RoleSupervisor), sees: true, class: []who{byStaff, byControl}, actorName: "control_room"},
		{name: "dm", actor: staffActor(901, "dm", grievance.RoleDM), sees: true, class: []who{byStaff, byControl}, actorName: "control_room"},
		{name: "admin", actor: staffActor(902, "admin", grievance.RoleAdmin), sees: false, class: []who{byStaff}, actorName: "admin"},
		{name: "agent", actor: staffActor(903, "agent", grievance.RoleAgent), sees: false, class: []who{byStaff}, actorName: "agent"},
		{name: "owner", actor: grievance.CitizenActor(ownerMobile), sees: true, class: []who{byOwner}, actorName: "citizen"},
		{name: "other_citizen", actor: grievance.CitizenActor("9123456780"), sees: false, class: []who{byOwner}, actorName: "citizen"},
		{name: "system", actor: grievance.SystemActor, sees: true, class: []who{byStaff, byControl}, actorName: "system"},
	}
}

var (
	created = time.Date(2026, 3, 2, 4, 30, 0, 0, time.UTC)
	updated = time.Date(2026, 3, 3, 5, 0, 0, 0, time.UTC)
	now     = time.Date(2026, 3, 5, 6, 15, 0, 0, time.UTC)
)

// baseComplaint is a pwd complaint in ward w1 assigned to officer assignee.
func baseComplaint(t *testing.T, m *grievance.Masters, s grievance.Status, assignee int64) grievance.Complaint {
	t.Helper()
	return grievance.Complaint{
		ID: 42, Number: "26030000042", Name: "राम", Mobile: ownerMobile, Language: grievance.Hindi,
		Channel: grievance.ChannelWeb, Category: "road", Area: "w1", Address: "आलमबाग", Description: "गड्ढा",
		Location: &grievance.Point{Lat: 26.85, Long: 80.95}, Status: s, Department: "pwd",
		AssigneeID: assignee, Level: MustOfficer(t, m, assignee).Level,
		Due: time.Date(2026, 3, 9, 18, 29, 59, 0, time.UTC), Created: created, Updated: updated,
		Attachments: []grievance.Attachment{{ID: 1, Key: "abc", ContentType: "image/jpeg", Created: created}},
	}
}

// clone copies c deeply enough that Apply cannot change the copy.
func clone(c grievance.Complaint) grievance.Complaint {
	if c.Location != nil {
		p := *c.Location
		c.Location = &p
	}
	c.Attachments = slices.Clone(c.Attachments)
	return c
}

// expectCode is the spec's verdict, in its order of precedence: cannot see,
// wrong actor, wrong status, then the action's own fields.
func expectCode(k grievance.ActionKind, s grievance.Status, ta testActor, fx fixture, blankNote bool) string {
	sp := machine[k]
	switch {
	case !ta.sees:
		return grievance.EForbidden
	case !ta.is(sp.who):
		return grievance.EForbidden
	case !slices.Contains(sp.from, s):
		return grievance.EConflict
	case blankNote && sp.note:
		return grievance.EInvalid
	case k == grievance.ActForward && !fx.forwardOK:
		return grievance.EInvalid
	}
	return ""
}

func TestApplyCrossProduct(t *testing.T) {
	m := MustMasters(t)
	reassignTo := MustOfficer(t, m, jeW1b)
	cases := 0
	for _, fx := range fixtures {
		for _, k := range kinds {
			sp, ok := machine[k]
			if !ok {
				t.Fatalf("no spec for %s", k)
			}
			for _, s := range allStatuses {
				for _, ta := range fixtureActors(t, m, fx) {
					name := fmt.Sprintf("%s/%s/%s/%s", fx.name, k, s, ta.name)
					t.Run(name, func(t *testing.T) {
						run := func(blank bool) {
							cases++
							act := grievance.Action{Kind: k, Note: "  काम पूरा हुआ \n"}
							wantNote := "काम पूरा हुआ"
							if blank {
								act.Note, wantNote = " \t\n ", ""
							}
							var target *grievance.Officer
							switch k {
							case grievance.ActForward:
								target = MustOfficer(t, m, fx.forwardTo)
								act.Target = target
							case grievance.ActReassign:
								target = reassignTo
								act.Target, act.Department = target, "pwd"
							}

							orig := baseComplaint(t, m, s, fx.assignee)
							c := clone(orig)
							want := expectCode(k, s, ta, fx, blank)

							allowed := grievance.Allowed(k, ta.actor, &c)
							wantAllowed := want != grievance.EForbidden && want != grievance.EConflict
							if allowed != wantAllowed {
								t.Errorf("blank=%v: Allowed = %v; want %v", blank, allowed, wantAllowed)
							}

							ev, err := grievance.Apply(&c, act, ta.actor, now)
							if got := grievance.ErrorCode(err); got != want {
								t.Errorf("blank=%v: Apply code = %q (%v); want %q", blank, got, err, want)
								return
							}
							if err != nil {
								if !reflect.DeepEqual(c, orig) {
									t.Errorf("blank=%v: complaint changed on error:\n got %+v\nwant %+v", blank, c, orig)
								}
								if !reflect.DeepEqual(ev, grievance.Event{}) {
									t.Errorf("blank=%v: event on error = %+v; want zero", blank, ev)
								}
								return
							}

							wantC := clone(orig)
							wantC.Updated = now
							if sp.to != "" {
								wantC.Status = sp.to
							}
							switch k {
							case grievance.ActForward, grievance.ActReassign:
								wantC.AssigneeID, wantC.Level = target.ID, target.Level
							case grievance.ActReturn:
								wantC.AssigneeID, wantC.Level = 0, 0
							}
							if !reflect.DeepEqual(c, wantC) {
								t.Errorf("blank=%v: complaint after Apply:\n got %+v\nwant %+v", blank, c, wantC)
							}
							wantEv := grievance.Event{
								ComplaintID: 42, At: now, Kind: k, ActorID: ta.actor.UserID, ActorName: ta.actorName,
								From: s, To: wantC.Status, Note: wantNote, Public: sp.public, NotePublic: sp.notePub,
								AssigneeID: wantC.AssigneeID, Department: wantC.Department, Level: wantC.Level,
								FromAssignee: orig.AssigneeID,
							}
							if !reflect.DeepEqual(ev, wantEv) {
								t.Errorf("blank=%v: event:\n got %+v\nwant %+v", blank, ev, wantEv)
							}
						}
						run(false)
						run(true)
					})
				}
			}
		}
	}
	// 2 fixtures × 11 actions × 8 statuses × 11 actors × 2 notes.
	if want := 2 * 11 * 8 * 11 * 2; cases != want {
		t.Errorf("ran %d cases; want %d", cases, want)
	}
}

// TestApplyUnassigned covers the realistic states with no assignee: the
// control-room queue and a returned complaint. No officer is the assignee
// then, and officers do not see the queue.
func TestApplyUnassigned(t *testing.T) {
	m := MustMasters(t)
	queue := grievance.Complaint{ID: 7, Mobile: ownerMobile, Category: "road", Area: "w1", Status: sRegistered, Created: created, Updated: updated}
	returned := grievance.Complaint{ID: 8, Mobile: ownerMobile, Category: "road", Area: "w1", Status: sReturned, Department: "pwd", Created: created, Updated: updated}
	sup := staffActor(900, "sup", grievance.RoleSupervisor)
	je := officerActor(t, m, jeW1)
	tests := []struct {
		name  string
		c     grievance.Complaint
		actor grievance.Actor
		act   grievance.Action
		want  string
	}{
		{"queue: officer covering the area cannot see it", queue, je, grievance.Action{Kind: grievance.ActNote, Note: "x"}, grievance.EForbidden},
		{"queue: whole-district officer cannot see it", queue, officerActor(t, m, eeAll), grievance.Action{Kind: grievance.ActAccept}, grievance.EForbidden},
		{"queue: supervisor notes", queue, sup, grievance.Action{Kind: grievance.ActNote, Note: "x"}, ""},
		{"queue: supervisor rejects", queue, sup, grievance.Action{Kind: grievance.ActReject, Note: "not ours"}, ""},
		{"queue: owner cannot accept an unresolved one", queue, grievance.CitizenActor(ownerMobile), grievance.Action{Kind: grievance.ActCitizenAccept}, grievance.EConflict},
		{"queue: owner cannot note", queue, grievance.CitizenActor(ownerMobile), grievance.Action{Kind: grievance.ActNote, Note: "x"}, grievance.EForbidden},
		{"returned: officer of the ward sees it and notes", returned, je, grievance.Action{Kind: grievance.ActNote, Note: "x"}, ""},
		{"returned: nobody is the assignee", returned, je, grievance.Action{Kind: grievance.ActReport, Note: "done"}, grievance.EForbidden},
		{"returned: officer cannot reassign", returned, je, grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Target: MustOfficer(t, m, jeW1)}, grievance.EForbidden},
		{"returned: supervisor reassigns", returned, sup, grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Target: MustOfficer(t, m, jeW1)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clone(tt.c)
			_, err := grievance.Apply(&c, tt.act, tt.actor, now)
			if got := grievance.ErrorCode(err); got != tt.want {
				t.Errorf("Apply code = %q (%v); want %q", got, err, tt.want)
			}
			if got, want := grievance.Allowed(tt.act.Kind, tt.actor, &tt.c), tt.want != grievance.EForbidden && tt.want != grievance.EConflict; got != want {
				t.Errorf("Allowed = %v; want %v", got, want)
			}
		})
	}
}

// TestApplyPrecedence checks which error wins when several things are wrong.
func TestApplyPrecedence(t *testing.T) {
	m := MustMasters(t)
	resolved := baseComplaint(t, m, sResolved, jeW1)
	assigned := baseComplaint(t, m, sAssigned, jeW1)
	assignedL2 := baseComplaint(t, m, sAssigned, aeZ1)
	tests := []struct {
		name  string
		c     grievance.Complaint
		actor grievance.Actor
		act   grievance.Action
		want  string
		key   string
	}{
		{"cannot see beats wrong actor, status and note", resolved, officerActor(t, m, jalJeW1),
			grievance.Action{Kind: grievance.ActForward}, grievance.EForbidden, "error.forbidden"},
		{"wrong actor beats wrong status and missing note", resolved, officerActor(t, m, jeW1b),
			grievance.Action{Kind: grievance.ActReturn}, grievance.EForbidden, "error.action_forbidden"},
		{"citizen who cannot see", resolved, grievance.CitizenActor("9123456780"),
			grievance.Action{Kind: grievance.ActCitizenReject}, grievance.EForbidden, "error.forbidden"},
		{"wrong status beats missing note", resolved, officerActor(t, m, jeW1),
			grievance.Action{Kind: grievance.ActReturn}, grievance.EConflict, "error.action_status"},
		{"wrong status beats bad target", resolved, staffActor(900, "s", grievance.RoleSupervisor),
			grievance.Action{Kind: grievance.ActReassign}, grievance.EConflict, "error.action_status"},
		{"missing note", assigned, officerActor(t, m, jeW1),
			grievance.Action{Kind: grievance.ActReturn}, grievance.EInvalid, "error.invalid_form"},
		{"unknown action", assigned, grievance.SystemActor,
			grievance.Action{Kind: "teleport", Note: "x"}, grievance.EInvalid, "error.action"},
		{"file is not an action on a complaint", assigned, grievance.SystemActor,
			grievance.Action{Kind: grievance.ActFile, Note: "x"}, grievance.EInvalid, "error.action"},
		{"unknown action even for an actor who cannot see", assigned, grievance.CitizenActor("9123456780"),
			grievance.Action{Kind: "teleport"}, grievance.EInvalid, "error.action"},
		{"missing note beats bad forward target", assignedL2, officerActor(t, m, aeZ1),
			grievance.Action{Kind: grievance.ActForward, Target: MustOfficer(t, m, eeAll)}, grievance.EInvalid, "error.invalid_form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clone(tt.c)
			_, err := grievance.Apply(&c, tt.act, tt.actor, now)
			e := grievance.AsError(err)
			if err == nil || e.Code != tt.want || e.Key != tt.key {
				t.Fatalf("Apply = %v; want %s/%s", err, tt.want, tt.key)
			}
			if tt.key == "error.invalid_form" {
				if got := e.Fields["note"]; got != "error.note_required" {
					t.Errorf("note field = %q; want error.note_required (fields %v)", got, e.Fields)
				}
			}
			if !reflect.DeepEqual(c, tt.c) {
				t.Errorf("complaint changed on error")
			}
		})
	}
	if grievance.Allowed("teleport", grievance.SystemActor, &assigned) || grievance.Allowed(grievance.ActFile, grievance.SystemActor, &assigned) {
		t.Error("Allowed(unknown action) = true; want false")
	}
}

func TestApplyNote(t *testing.T) {
	m := MustMasters(t)
	deva := func(n int) string { return strings.Repeat("क", n) }
	tests := []struct {
		name     string
		kind     grievance.ActionKind
		note     string
		wantNote string
		field    string // "" for success
		key      string
	}{
		{"trimmed", grievance.ActNote, "\t  देखा गया  \r\n", "देखा गया", "", ""},
		{"inner lines kept", grievance.ActNote, "एक\nदो", "एक\nदो", "", ""},
		{"4000 Devanagari runes", grievance.ActNote, deva(4000), deva(4000), "", ""},
		{"4000 runes plus surrounding spaces", grievance.ActNote, "  " + deva(4000) + "\n", deva(4000), "", ""},
		{"4001 runes", grievance.ActNote, deva(4001), "", "note", "error.note_long"},
		{"4001 ASCII", grievance.ActReport, strings.Repeat("a", 4001), "", "note", "error.note_long"},
		{"empty", grievance.ActNote, "", "", "note", "error.note_required"},
		{"blank", grievance.ActReport, " \n\t ", "", "note", "error.note_required"},
		{"invalid UTF-8", grievance.ActNote, "ok\xff", "", "note", "error.utf8"},
		{"control character", grievance.ActNote, "ok\x00", "", "note", "error.control_chars"},
		{"not required and empty", grievance.ActAccept, "", "", "", ""},
		{"not required but too long", grievance.ActAccept, deva(4001), "", "note", "error.note_long"},
		{"not required but control character", grievance.ActAccept, "\x1b", "", "note", "error.control_chars"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseComplaint(t, m, sAssigned, jeW1)
			orig := clone(c)
			ev, err := grievance.Apply(&c, grievance.Action{Kind: tt.kind, Note: tt.note}, officerActor(t, m, jeW1), now)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Apply = %v; want nil", err)
				}
				if ev.Note != tt.wantNote {
					t.Errorf("event note = %q; want %q", ev.Note, tt.wantNote)
				}
				return
			}
			e := grievance.AsError(err)
			if err == nil || e.Code != grievance.EInvalid || e.Fields[tt.field] != tt.key {
				t.Fatalf("Apply = %v; want invalid with %s=%s", err, tt.field, tt.key)
			}
			if !reflect.DeepEqual(c, orig) {
				t.Errorf("complaint changed on error")
			}
		})
	}
}

func TestApplyReportAttachments(t *testing.T) {
	m := MustMasters(t)
	tests := []struct {
		name  string
		loc   *grievance.Point
		n     int
		field string
		key   string
	}{
		{"no location, no photo", nil, 0, "", ""},
		{"location in India, 5 photos", &grievance.Point{Lat: 26.8, Long: 80.9}, 5, "", ""},
		{"location outside India", &grievance.Point{Lat: 51.5, Long: -0.12}, 1, "location", "error.location"},
		{"location zero (no fix)", &grievance.Point{}, 1, "location", "error.location"},
		{"6 photos", nil, 6, "photo", "error.photo_count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseComplaint(t, m, sInProgress, jeW1)
			orig := clone(c)
			act := grievance.Action{Kind: grievance.ActReport, Note: "मरम्मत हो गई", Location: tt.loc, Photos: make([]grievance.Upload, tt.n)}
			ev, err := grievance.Apply(&c, act, officerActor(t, m, jeW1), now)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Apply = %v; want nil", err)
				}
				if c.Status != sResolved || ev.To != sResolved || !ev.Public || !ev.NotePublic {
					t.Errorf("report: status %s, event to %s public %v/%v; want resolved, public note", c.Status, ev.To, ev.Public, ev.NotePublic)
				}
				return
			}
			e := grievance.AsError(err)
			if err == nil || e.Code != grievance.EInvalid || e.Fields[tt.field] != tt.key {
				t.Fatalf("Apply = %v; want invalid with %s=%s", err, tt.field, tt.key)
			}
			if !reflect.DeepEqual(c, orig) {
				t.Errorf("complaint changed on error")
			}
		})
	}
}

func TestApplyForwardTarget(t *testing.T) {
	m := MustMasters(t)
	self := MustOfficer(t, m, aeZ1)
	tests := []struct {
		name   string
		target *grievance.Officer
		ok     bool
	}{
		{"level-1 officer of the ward", MustOfficer(t, m, jeW1), true},
		{"the other level-1 officer of the ward", MustOfficer(t, m, jeW1b), true},
		{"no target", nil, false},
		{"itself", self, false},
		{"same level", MustOfficer(t, m, aeZ1b), false},
		{"higher level", MustOfficer(t, m, eeAll), false},
		{"inactive", MustOfficer(t, m, jeOld), false},
		{"another department", MustOfficer(t, m, jalJeW1), false},
		{"does not cover the ward", MustOfficer(t, m, jeW3), false},
		{"jurisdiction names no known area", MustOfficer(t, m, jeGhost), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseComplaint(t, m, sInProgress, aeZ1)
			orig := clone(c)
			ev, err := grievance.Apply(&c, grievance.Action{Kind: grievance.ActForward, Note: "please see", Target: tt.target}, officerActor(t, m, aeZ1), now)
			if !tt.ok {
				e := grievance.AsError(err)
				if err == nil || e.Code != grievance.EInvalid || e.Fields["officer"] != "error.forward_target" {
					t.Fatalf("Apply = %v; want invalid with officer=error.forward_target", err)
				}
				if !reflect.DeepEqual(c, orig) {
					t.Errorf("complaint changed on error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply = %v; want nil", err)
			}
			if c.AssigneeID != tt.target.ID || c.Level != tt.target.Level || c.Status != sAssigned || c.Department != "pwd" {
				t.Errorf("after forward: assignee %d level %d status %s dept %s; want %d, %d, assigned, pwd",
					c.AssigneeID, c.Level, c.Status, c.Department, tt.target.ID, tt.target.Level)
			}
			if ev.AssigneeID != tt.target.ID || ev.NotePublic {
				t.Errorf("event assignee %d notePublic %v; want %d, false", ev.AssigneeID, ev.NotePublic, tt.target.ID)
			}
		})
	}
}

func TestApplyReassign(t *testing.T) {
	m := MustMasters(t)
	newDue := time.Date(2026, 3, 12, 18, 29, 59, 0, time.UTC)
	tests := []struct {
		name      string
		from      grievance.Status
		act       grievance.Action
		wantErr   string // field key
		wantField string
		status    grievance.Status
		dept      string
		assignee  int64
		level     int
		due       time.Time // zero: unchanged
	}{
		{name: "to an officer of the same department", from: sReturned,
			act:    grievance.Action{Department: "pwd", Target: MustOfficer(t, m, jeW1b)},
			status: sAssigned, dept: "pwd", assignee: jeW1b, level: 1},
		{name: "to another department's officer, with a new deadline", from: sInProgress,
			act:    grievance.Action{Department: "jal", Target: MustOfficer(t, m, jalJeW1), Due: newDue},
			status: sAssigned, dept: "jal", assignee: jalJeW1, level: 1, due: newDue},
		{name: "to a higher level", from: sReopened,
			act:    grievance.Action{Department: "pwd", Target: MustOfficer(t, m, eeAll)},
			status: sAssigned, dept: "pwd", assignee: eeAll, level: 3},
		{name: "to a department's queue: registered, no officer, department kept", from: sAssigned,
			act:    grievance.Action{Department: "nagar"},
			status: sRegistered, dept: "nagar", assignee: 0, level: 0},
		{name: "queue to queue", from: sRegistered,
			act:    grievance.Action{Department: "pwd", Note: "no JE in post"},
			status: sRegistered, dept: "pwd", assignee: 0, level: 0},
		{name: "no department", from: sReturned,
			act:     grievance.Action{Target: MustOfficer(t, m, jeW1b)},
			wantErr: "department", wantField: "error.department"},
		{name: "officer not of the department", from: sReturned,
			act:     grievance.Action{Department: "jal", Target: MustOfficer(t, m, jeW1b)},
			wantErr: "officer", wantField: "error.reassign_target"},
		{name: "inactive officer", from: sReturned,
			act:     grievance.Action{Department: "pwd", Target: MustOfficer(t, m, jeOld)},
			wantErr: "officer", wantField: "error.reassign_target"},
		{name: "officer not covering the area", from: sReturned,
			act:     grievance.Action{Department: "pwd", Target: MustOfficer(t, m, jeW3)},
			wantErr: "officer", wantField: "error.reassign_target"},
		{name: "officer covering nothing", from: sReturned,
			act:     grievance.Action{Department: "pwd", Target: MustOfficer(t, m, jeGhost)},
			wantErr: "officer", wantField: "error.reassign_target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseComplaint(t, m, tt.from, jeW1)
			orig := clone(c)
			act := tt.act
			act.Kind = grievance.ActReassign
			ev, err := grievance.Apply(&c, act, grievance.SystemActor, now)
			if tt.wantErr != "" {
				e := grievance.AsError(err)
				if err == nil || e.Code != grievance.EInvalid || e.Fields[tt.wantErr] != tt.wantField {
					t.Fatalf("Apply = %v; want invalid with %s=%s", err, tt.wantErr, tt.wantField)
				}
				if !reflect.DeepEqual(c, orig) {
					t.Errorf("complaint changed on error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply = %v; want nil", err)
			}
			wantDue := orig.Due
			if !tt.due.IsZero() {
				wantDue = tt.due
			}
			if c.Status != tt.status || c.Department != tt.dept || c.AssigneeID != tt.assignee || c.Level != tt.level || !c.Due.Equal(wantDue) {
				t.Errorf("after reassign: %s %q %d L%d due %s; want %s %q %d L%d due %s",
					c.Status, c.Department, c.AssigneeID, c.Level, c.Due, tt.status, tt.dept, tt.assignee, tt.level, wantDue)
			}
			if ev.From != tt.from || ev.To != tt.status || ev.Department != tt.dept || ev.AssigneeID != tt.assignee || ev.Level != tt.level || ev.ActorName != "system" {
				t.Errorf("event = %+v; want %s→%s in %q to %d", ev, tt.from, tt.status, tt.dept, tt.assignee)
			}
		})
	}
}

// TestApplySequence walks a complaint through a life: the events chain and
// a refused step in the middle changes nothing.
func TestApplySequence(t *testing.T) {
	m := MustMasters(t)
	c := baseComplaint(t, m, sRegistered, jeW1)
	c.AssigneeID, c.Level, c.Department = 0, 0, ""
	sup := staffActor(900, "sup", grievance.RoleSupervisor)
	je := officerActor(t, m, jeW1)
	owner := grievance.CitizenActor(ownerMobile)
	steps := []struct {
		actor grievance.Actor
		act   grievance.Action
		want  grievance.Status
		code  string
	}{
		{sup, grievance.Action{Kind: grievance.ActReassign, Department: "pwd", Target: MustOfficer(t, m, jeW1)}, sAssigned, ""},
		{je, grievance.Action{Kind: grievance.ActAccept}, sInProgress, ""},
		{je, grievance.Action{Kind: grievance.ActAccept}, sInProgress, grievance.EConflict},
		{je, grievance.Action{Kind: grievance.ActReport, Note: "भर दिया"}, sResolved, ""},
		{owner, grievance.Action{Kind: grievance.ActCitizenReject, Note: "अभी भी गड्ढा"}, sReopened, ""},
		{je, grievance.Action{Kind: grievance.ActReport, Note: "फिर से भरा"}, sResolved, ""},
		{owner, grievance.Action{Kind: grievance.ActCitizenAccept}, sClosed, ""},
		{owner, grievance.Action{Kind: grievance.ActCitizenReject, Note: "again"}, sClosed, grievance.EConflict},
		{sup, grievance.Action{Kind: grievance.ActReopen, Note: "audit"}, sReopened, ""},
		{sup, grievance.Action{Kind: grievance.ActReject, Note: "duplicate"}, sRejected, ""},
	}
	for i, st := range steps {
		at := now.Add(time.Duration(i) * time.Hour)
		before := c.Status
		ev, err := grievance.Apply(&c, st.act, st.actor, at)
		if got := grievance.ErrorCode(err); got != st.code {
			t.Fatalf("step %d %s: code %q (%v); want %q", i, st.act.Kind, got, err, st.code)
		}
		if c.Status != st.want {
			t.Fatalf("step %d %s: status %s; want %s", i, st.act.Kind, c.Status, st.want)
		}
		if err == nil && (ev.From != before || ev.To != st.want || !ev.At.Equal(at) || !c.Updated.Equal(at)) {
			t.Errorf("step %d %s: event %s→%s at %s, updated %s; want %s→%s at %s", i, st.act.Kind, ev.From, ev.To, ev.At, c.Updated, before, st.want, at)
		}
	}
}
