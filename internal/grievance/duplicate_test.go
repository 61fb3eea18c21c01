package grievance_test

import (
	"slices"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

const parentNumber = "26030000007"

// TestApplyLinkWho runs link and unlink for every status and actor of the
// first fixture: the assignee and the control room may, from the working
// statuses (and registered, in the control room's queue); nobody else.
func TestApplyLinkWho(t *testing.T) {
	m := MustMasters(t)
	fx := fixtures[0]
	from := []grievance.Status{sRegistered, sAssigned, sInProgress, sReopened}
	for _, k := range []grievance.ActionKind{grievance.ActLink, grievance.ActUnlink} {
		for _, s := range allStatuses {
			for _, ta := range fixtureActors(t, m, fx) {
				t.Run(string(k)+"/"+string(s)+"/"+ta.name, func(t *testing.T) {
					c := baseComplaint(t, m, s, fx.assignee)
					if k == grievance.ActUnlink {
						c.DuplicateOf = parentNumber
					}
					before := clone(c)
					ev, err := grievance.Apply(&c, grievance.Action{Kind: k, Parent: parentNumber}, ta.actor, now)
					want := ""
					switch {
					case !ta.sees, !ta.is(byAssignee) && !ta.is(byControl):
						want = grievance.EForbidden
					case !slices.Contains(from, s):
						want = grievance.EConflict
					}
					if got := grievance.ErrorCode(err); got != want {
						t.Fatalf("Apply: code %q (%v), want %q", got, err, want)
					}
					if want != "" {
						if c.DuplicateOf != before.DuplicateOf {
							t.Fatalf("refused action changed DuplicateOf to %q", c.DuplicateOf)
						}
						return
					}
					if grievance.Allowed(k, ta.actor, &before) != true {
						t.Error("Allowed = false for an action Apply accepts")
					}
					wantDup := parentNumber
					if k == grievance.ActUnlink {
						wantDup = ""
					}
					if c.DuplicateOf != wantDup || c.Status != s || c.AssigneeID != before.AssigneeID {
						t.Errorf("after %s: duplicate_of %q status %s assignee %d; want %q, %s, %d",
							k, c.DuplicateOf, c.Status, c.AssigneeID, wantDup, s, before.AssigneeID)
					}
					// The citizen's history says which complaint it is linked to.
					if ev.Kind != k || ev.Note != parentNumber || !ev.Public || !ev.NotePublic || ev.From != s || ev.To != s {
						t.Errorf("event %+v: want kind %s, note %s, public with note, status kept", ev, k, parentNumber)
					}
					if ev.AssigneeID != before.AssigneeID || ev.Department != before.Department {
						t.Errorf("event assignee %d dept %q, want the complaint's", ev.AssigneeID, ev.Department)
					}
				})
			}
		}
	}
}

func TestApplyLinkRefusals(t *testing.T) {
	m := MustMasters(t)
	control := staffActor(900, "sup", grievance.RoleSupervisor)
	tests := []struct {
		name      string
		kind      grievance.ActionKind
		parent    string
		dup       string // the complaint's DuplicateOf before
		links     int
		code, key string
	}{
		{"no parent", grievance.ActLink, "", "", 0, grievance.EInvalid, ""},
		{"malformed parent", grievance.ActLink, "12ab", "", 0, grievance.EInvalid, ""},
		{"itself", grievance.ActLink, "26030000042", "", 0, grievance.EInvalid, ""},
		{"already linked", grievance.ActLink, parentNumber, "26030000009", 0, grievance.EConflict, "error.link_linked"},
		{"has duplicates of its own", grievance.ActLink, parentNumber, "", 2, grievance.EConflict, "error.link_has_links"},
		{"unlink when not linked", grievance.ActUnlink, "", "", 0, grievance.EConflict, "error.not_linked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseComplaint(t, m, sAssigned, jeW1)
			c.DuplicateOf, c.Links = tt.dup, tt.links
			before := clone(c)
			_, err := grievance.Apply(&c, grievance.Action{Kind: tt.kind, Parent: tt.parent}, control, now)
			if got := grievance.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if tt.key != "" && grievance.AsError(err).Key != tt.key {
				t.Errorf("key %q, want %q", grievance.AsError(err).Key, tt.key)
			}
			if tt.code == grievance.EInvalid && grievance.AsError(err).Fields["parent"] == "" {
				t.Errorf("fields %v, want an error for parent", grievance.AsError(err).Fields)
			}
			if c.DuplicateOf != before.DuplicateOf || c.Updated != before.Updated {
				t.Error("refused link changed the complaint")
			}
		})
	}
}

func TestDuplicateRuleMatch(t *testing.T) {
	rule := grievance.DuplicateRule{Window: 7 * 24 * time.Hour, Distance: 200}
	at := &grievance.Point{Lat: 26.8467, Long: 80.9462}
	near := &grievance.Point{Lat: 26.8467 + 0.001, Long: 80.9462} // about 111 m north
	far := &grievance.Point{Lat: 26.8467 + 0.003, Long: 80.9462}  // about 334 m north
	base := func() *grievance.Complaint {
		return &grievance.Complaint{ID: 1, Number: "26030000001", Mobile: "9876543210", Category: "road",
			Status: sAssigned, Location: at, Created: created}
	}
	other := func(f func(d *grievance.Complaint)) *grievance.Complaint {
		d := &grievance.Complaint{ID: 2, Number: "26030000002", Mobile: "8765432109", Category: "road",
			Status: sAssigned, Location: near, Created: created.Add(time.Hour)}
		f(d)
		return d
	}
	tests := []struct {
		name       string
		d          *grievance.Complaint
		want       bool
		sameMobile bool
	}{
		{"near", other(func(d *grievance.Complaint) {}), true, false},
		{"far", other(func(d *grievance.Complaint) { d.Location = far }), false, false},
		{"far, same mobile", other(func(d *grievance.Complaint) { d.Location, d.Mobile = far, "9876543210" }), true, true},
		{"no location, same mobile", other(func(d *grievance.Complaint) { d.Location, d.Mobile = nil, "9876543210" }), true, true},
		{"no location", other(func(d *grievance.Complaint) { d.Location = nil }), false, false},
		{"other category", other(func(d *grievance.Complaint) { d.Category = "drain" }), false, false},
		{"other category, same mobile", other(func(d *grievance.Complaint) { d.Category, d.Mobile = "drain", "9876543210" }), false, false},
		{"edge of window before", other(func(d *grievance.Complaint) { d.Created = created.Add(-7 * 24 * time.Hour) }), true, false},
		{"outside window after", other(func(d *grievance.Complaint) { d.Created = created.Add(7*24*time.Hour + time.Millisecond) }), false, false},
		{"resolved", other(func(d *grievance.Complaint) { d.Status = sResolved }), false, false},
		{"already a duplicate", other(func(d *grievance.Complaint) { d.DuplicateOf = "26030000003" }), false, false},
		{"itself", base(), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := rule.Match(base(), tt.d)
			if ok != tt.want {
				t.Fatalf("Match = %v, want %v (metres %.0f)", ok, tt.want, m.Metres)
			}
			if ok && m.SameMobile != tt.sameMobile {
				t.Errorf("SameMobile = %v, want %v", m.SameMobile, tt.sameMobile)
			}
			if ok && tt.d.Location != nil && (m.Metres < 100 || m.Metres > 400) {
				t.Errorf("Metres = %.0f, want the distance between the two", m.Metres)
			}
		})
	}
	// A complaint already linked, or closed, has no duplicates to offer.
	c := base()
	c.DuplicateOf = "26030000003"
	if _, ok := rule.Match(c, other(func(d *grievance.Complaint) {})); ok {
		t.Error("a linked complaint matched")
	}
}

func TestResolveWith(t *testing.T) {
	m := MustMasters(t)
	parent := baseComplaint(t, m, sResolved, jeW1)
	parent.Number = parentNumber
	report := grievance.Event{Kind: grievance.ActReport, ActorID: 7, ActorName: "officer:pwd-je-w1", Note: "गड्ढा भर दिया",
		Attachments: []grievance.Attachment{{ID: 9}}}

	c := baseComplaint(t, m, sInProgress, jeW1b)
	c.DuplicateOf, c.OnHold, c.HoldSince = parentNumber, true, created
	ev, err := grievance.ResolveWith(&c, &parent, report, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != sResolved || c.OnHold || !c.Updated.Equal(now) || c.AssigneeID != jeW1b {
		t.Errorf("complaint after: status %s hold %v updated %v assignee %d", c.Status, c.OnHold, c.Updated, c.AssigneeID)
	}
	want := grievance.Event{ComplaintID: c.ID, At: now, Kind: grievance.ActReport, ActorID: 7, ActorName: "officer:pwd-je-w1",
		From: sInProgress, To: sResolved, Note: parentNumber + ": गड्ढा भर दिया", Public: true, NotePublic: true,
		AssigneeID: jeW1b, Department: "pwd", Level: c.Level}
	if ev.Attachments != nil || ev.Note != want.Note || ev.From != want.From || ev.To != want.To || ev.AssigneeID != want.AssigneeID ||
		!ev.Public || !ev.NotePublic || ev.ActorName != want.ActorName || ev.Kind != want.Kind || !ev.At.Equal(now) {
		t.Errorf("event = %+v\nwant %+v", ev, want)
	}

	for name, f := range map[string]func(c *grievance.Complaint){
		"not a duplicate":        func(c *grievance.Complaint) { c.DuplicateOf = "" },
		"duplicate of another":   func(c *grievance.Complaint) { c.DuplicateOf = "26030000009" },
		"already resolved alone": func(c *grievance.Complaint) { c.DuplicateOf, c.Status = parentNumber, sResolved },
	} {
		t.Run(name, func(t *testing.T) {
			c := baseComplaint(t, m, sAssigned, jeW1)
			f(&c)
			before := clone(c)
			if _, err := grievance.ResolveWith(&c, &parent, report, now); grievance.ErrorCode(err) != grievance.EConflict {
				t.Fatalf("err = %v, want conflict", err)
			}
			if c.Status != before.Status {
				t.Error("refused resolution changed the status")
			}
		})
	}
}
