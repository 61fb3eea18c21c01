package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// The store under test uses the default duplicate rule: 7 days, 200 metres.

// place is where the suite's duplicates are; north moves d metres north of it.
var place = grievance.Point{Lat: 26.8467, Long: 80.9462}

func north(d float64) *grievance.Point {
	return &grievance.Point{Lat: place.Lat + d/111_195, Long: place.Long}
}

// fileAt files a complaint of category in area from mobile at p.
func (e *env) fileAt(category, area, mobile string, p *grievance.Point) *grievance.Complaint {
	e.t.Helper()
	in := newComplaint(category, area)
	in.Mobile, in.Location = mobile, p
	return e.MustFile(in)
}

// mustComplaint reads a complaint as the control room.
func (e *env) mustComplaint(number string) *grievance.Complaint {
	e.t.Helper()
	c, err := e.h.Complaint(e.ctx, control, number)
	if err != nil {
		e.t.Fatalf("Complaint(%s): %v", number, err)
	}
	return c
}

func (e *env) mustLink(a grievance.Actor, child, parent string) *grievance.Complaint {
	e.t.Helper()
	c, err := e.h.Act(e.ctx, a, child, grievance.Action{Kind: grievance.ActLink, Parent: parent})
	if err != nil {
		e.t.Fatalf("link %s to %s: %v", child, parent, err)
	}
	return c
}

func numbers(ms []grievance.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Number)
	}
	return out
}

func testDuplicates(t *testing.T, e *env) {
	a := e.fileAt("road", "w1", mobileA, &place)
	e.clock.Advance(time.Hour)
	near := e.fileAt("road", "w1", mobileB, north(120))
	nearer := e.fileAt("road", "w1", "7654321098", north(40))
	far := e.fileAt("road", "w1", "7000000001", north(400))
	sameMobile := e.fileAt("road", "w2", mobileA, nil) // another ward: not the JE of w1's
	e.fileAt("mosquito", "w1", mobileA, &place)        // another category
	e.fileAt("road", "w1", "7000000002", nil)          // no place, another mobile
	e.clock.Advance(6 * 24 * time.Hour)
	inWindow := e.fileAt("road", "w1", "7000000003", north(10))
	e.clock.Advance(2 * 24 * time.Hour)
	outWindow := e.fileAt("road", "w1", "7000000004", &place) // 8 days after a, 2 after inWindow

	tests := []struct {
		name   string
		actor  grievance.Actor
		number string
		want   []string
	}{
		{"control room", control, a.Number, []string{sameMobile.Number, inWindow.Number, nearer.Number, near.Number}},
		{"JE of the ward does not see another ward's", e.officer("pwd-je-w1"), a.Number, []string{inWindow.Number, nearer.Number, near.Number}},
		{"from the other side", control, near.Number, []string{nearer.Number, inWindow.Number, a.Number}},
		{"window counts both ways", control, inWindow.Number, []string{a.Number, outWindow.Number, nearer.Number, near.Number}},
		{"by mobile without a place", control, sameMobile.Number, []string{a.Number}},
		{"nothing near", control, far.Number, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.h.Duplicates(e.ctx, tt.actor, tt.number)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(numbers(got), tt.want) {
				t.Fatalf("Duplicates = %v, want %v", numbers(got), tt.want)
			}
			for _, m := range got {
				if !tt.actor.CanSee(m.Complaint) || m.Category != "road" || m.DuplicateOf != "" {
					t.Errorf("offered %s: category %s duplicate of %q", m.Number, m.Category, m.DuplicateOf)
				}
				if m.Number == sameMobile.Number && (!m.SameMobile || m.Metres != -1) {
					t.Errorf("%s: same mobile %v, metres %.0f; want same mobile and no distance", m.Number, m.SameMobile, m.Metres)
				}
				if m.Number == near.Number && tt.number == a.Number && (m.Metres < 115 || m.Metres > 125) {
					t.Errorf("%s: %.1f metres, want about 120", m.Number, m.Metres)
				}
			}
		})
	}

	for name, a := range map[string]grievance.Actor{"another department": e.officer("health-mo-z1"), "a stranger": grievance.CitizenActor(mobileB)} {
		if _, err := e.h.Duplicates(e.ctx, a, far.Number); grievance.ErrorCode(err) != grievance.ENotFound {
			t.Errorf("%s: Duplicates = %v, want not found", name, err)
		}
	}
	if _, err := e.h.Duplicates(e.ctx, control, "26010000000"); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Errorf("unknown number: %v, want not found", err)
	}

	// Linked or closed complaints are not offered, and have none to offer.
	e.mustLink(control, nearer.Number, a.Number)
	if _, err := e.h.Act(e.ctx, control, near.Number, grievance.Action{Kind: grievance.ActReject, Note: "not a road"}); err != nil {
		t.Fatal(err)
	}
	got, err := e.h.Duplicates(e.ctx, control, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{sameMobile.Number, inWindow.Number}; !slices.Equal(numbers(got), want) {
		t.Errorf("after a link and a rejection: %v, want %v", numbers(got), want)
	}
	for _, n := range []string{nearer.Number, near.Number} {
		if got, err := e.h.Duplicates(e.ctx, control, n); err != nil || len(got) != 0 {
			t.Errorf("Duplicates(%s) = %v, %v; want none", n, numbers(got), err)
		}
	}
}

func testLink(t *testing.T, e *env) {
	je1, ae1 := e.officer("pwd-je-w1"), e.officer("pwd-ae-z1")
	parent := e.fileAt("road", "w1", mobileA, &place)
	child := e.fileAt("road", "w1", mobileB, north(50))
	third := e.fileAt("road", "w1", "7654321098", north(60))
	otherWard := e.fileAt("road", "w3", mobileB, north(70))
	otherCat := e.fileAt("mosquito", "w1", mobileB, north(50))
	closed := e.fileAt("road", "w1", mobileB, north(50))
	if _, err := e.h.Act(e.ctx, control, closed.Number, grievance.Action{Kind: grievance.ActReject, Note: "duplicate call"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name          string
		actor         grievance.Actor
		kind          grievance.ActionKind
		child, parent string
		code, key     string
	}{
		{"by an officer who may see but is not the assignee", ae1, grievance.ActLink, child.Number, parent.Number, grievance.EForbidden, ""},
		{"by a citizen", grievance.CitizenActor(mobileB), grievance.ActLink, child.Number, parent.Number, grievance.EForbidden, ""},
		{"to itself", je1, grievance.ActLink, child.Number, child.Number, grievance.EInvalid, "error.link_self"},
		{"to an unknown complaint", je1, grievance.ActLink, child.Number, "26010000000", grievance.EInvalid, "error.link_parent"},
		{"to a complaint the officer may not see", je1, grievance.ActLink, child.Number, otherWard.Number, grievance.EInvalid, "error.link_parent"},
		{"to another category", control, grievance.ActLink, child.Number, otherCat.Number, grievance.EConflict, "error.link_category"},
		{"to a closed complaint", control, grievance.ActLink, child.Number, closed.Number, grievance.EConflict, "error.link_closed"},
		{"a closed complaint", control, grievance.ActLink, closed.Number, parent.Number, grievance.EConflict, "error.action_status"},
		{"unlink one not linked", je1, grievance.ActUnlink, child.Number, "", grievance.EConflict, "error.not_linked"},
		{"link", je1, grievance.ActLink, child.Number, parent.Number, "", ""},
		{"link again", je1, grievance.ActLink, child.Number, parent.Number, grievance.EConflict, "error.link_linked"},
		{"link elsewhere", control, grievance.ActLink, child.Number, third.Number, grievance.EConflict, "error.link_linked"},
		{"a parent under another", control, grievance.ActLink, parent.Number, third.Number, grievance.EConflict, "error.link_has_links"},
		{"to a duplicate: to its root", control, grievance.ActLink, third.Number, child.Number, "", ""},
		{"the root to its duplicate", control, grievance.ActLink, parent.Number, child.Number, grievance.EInvalid, "error.link_self"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.mustComplaint(tt.child)
			c, err := e.h.Act(e.ctx, tt.actor, tt.child, grievance.Action{Kind: tt.kind, Parent: tt.parent})
			if tt.code != "" {
				wantCode(t, err, tt.code, "")
				ae := grievance.AsError(err)
				if tt.key != "" && ae.Key != tt.key && ae.Fields["parent"] != tt.key {
					t.Fatalf("error %v (fields %v), want %s", err, ae.Fields, tt.key)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.DuplicateOf != parent.Number || c.Status != before.Status || c.AssigneeID != before.AssigneeID {
				t.Fatalf("after link: duplicate of %q status %s; want %s, status kept", c.DuplicateOf, c.Status, parent.Number)
			}
		})
	}
	if got := e.mustComplaint(parent.Number).Links; got != 2 {
		t.Fatalf("parent links = %d, want 2", got)
	}
	// The complainant sees which complaint theirs goes with; the parent's
	// history records its duplicates internally.
	_, evs, err := e.h.Track(e.ctx, child.Number, mobileB)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Kind != grievance.ActLink || last.Note != parent.Number || !last.NotePublic || last.ActorName != "officer:pwd-je-w1" {
		t.Fatalf("child's last public event %+v, want the link to %s", last, parent.Number)
	}
	pevs, err := e.h.History(e.ctx, control, parent.Number)
	if err != nil {
		t.Fatal(err)
	}
	var linked []string
	for _, ev := range pevs {
		if ev.Kind == grievance.ActLinked {
			if ev.Public {
				t.Error("the parent's link event is public")
			}
			linked = append(linked, ev.Note)
		}
	}
	if want := []string{child.Number, third.Number}; !slices.Equal(linked, want) {
		t.Fatalf("parent's link events %v, want %v", linked, want)
	}
	if _, evs, _ := e.h.Track(e.ctx, parent.Number, mobileA); evs[len(evs)-1].Kind == grievance.ActLinked {
		t.Error("the parent's complainant sees the internal link event")
	}

	// Unlinked: no longer a duplicate, and the parent counts one less.
	c, err := e.h.Act(e.ctx, control, third.Number, grievance.Action{Kind: grievance.ActUnlink})
	if err != nil {
		t.Fatal(err)
	}
	if c.DuplicateOf != "" || e.mustComplaint(parent.Number).Links != 1 {
		t.Fatalf("after unlink: duplicate of %q, parent links %d", c.DuplicateOf, e.mustComplaint(parent.Number).Links)
	}
}

func testReportResolvesLinked(t *testing.T, e *env) {
	je1 := e.officer("pwd-je-w1")
	parent := e.fileAt("road", "w1", mobileA, &place)
	child := e.fileAt("road", "w1", mobileB, north(30))
	otherWard := e.fileAt("road", "w2", "7654321098", nil) // another officer's
	alone := e.fileAt("road", "w1", "6543210987", north(20))
	for _, c := range []*grievance.Complaint{child, otherWard, alone} {
		e.mustLink(control, c.Number, parent.Number)
	}
	// One duplicate was resolved on its own before: it stays as it was.
	if _, err := e.h.Act(e.ctx, je1, alone.Number, grievance.Action{Kind: grievance.ActReport, Note: "filled"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	photo := []grievance.Upload{{ContentType: "image/jpeg", Data: []byte("the road, repaired")}}
	if _, err := e.h.Act(e.ctx, je1, parent.Number, grievance.Action{Kind: grievance.ActReport, Note: "Pothole filled", Photos: photo}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		c      *grievance.Complaint
		mobile string
	}{{child, mobileB}, {otherWard, "7654321098"}} {
		c := e.mustComplaint(tt.c.Number)
		if c.Status != grievance.StatusResolved || len(c.Attachments) != 0 || c.AssigneeID != tt.c.AssigneeID {
			t.Errorf("%s: status %s, %d attachments, assignee %d; want resolved, none, %d",
				c.Number, c.Status, len(c.Attachments), c.AssigneeID, tt.c.AssigneeID)
		}
		_, evs, err := e.h.Track(e.ctx, c.Number, tt.mobile)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		want := parent.Number + ": Pothole filled"
		if last.Kind != grievance.ActReport || last.Note != want || !last.NotePublic || last.To != grievance.StatusResolved ||
			last.ActorName != "officer:pwd-je-w1" || !last.At.Equal(e.clock.Now().UTC().Truncate(time.Millisecond)) {
			t.Errorf("%s: last event %+v, want the report %q", c.Number, last, want)
		}
		var resolved []grievance.Message
		for _, m := range e.messagesOf(c.ID) {
			if m.Event == string(grievance.ActReport) {
				resolved = append(resolved, m)
			}
		}
		if len(resolved) != 1 || resolved[0].To != tt.mobile || resolved[0].Audience != "citizen" {
			t.Errorf("%s: report messages %+v, want one to %s", c.Number, resolved, tt.mobile)
		}
	}
	evs, err := e.h.History(e.ctx, control, alone.Number)
	if err != nil {
		t.Fatal(err)
	}
	var reports int
	for _, ev := range evs {
		if ev.Kind == grievance.ActReport {
			reports++
		}
	}
	if reports != 1 {
		t.Errorf("the duplicate resolved alone has %d reports, want 1", reports)
	}
	if p := e.mustComplaint(parent.Number); p.Status != grievance.StatusResolved || len(p.Attachments) != 1 {
		t.Errorf("parent: status %s with %d attachments, want resolved with the photo", p.Status, len(p.Attachments))
	}
}

// testLinksOrder: in deadline order, complaints with more duplicates come
// first, and a walk by pages of any size sees each complaint once, in order.
func testLinksOrder(t *testing.T, e *env) {
	var cs []*grievance.Complaint
	for i := range 12 {
		e.clock.Advance(time.Duration(i%3) * 9 * time.Hour) // some with the same deadline, some not
		cs = append(cs, e.fileAt("road", []string{"w1", "w2"}[i%2], mobileA, nil))
	}
	// The newest complaint (latest deadline) gets two duplicates, an older
	// one one; the duplicates themselves stay in the list.
	e.mustLink(control, cs[0].Number, cs[11].Number)
	e.mustLink(control, cs[1].Number, cs[11].Number)
	e.mustLink(control, cs[2].Number, cs[5].Number)
	before := func(a, b *grievance.Complaint) bool {
		if a.Links != b.Links {
			return a.Links > b.Links
		}
		return a.Due.Before(b.Due) || a.Due.Equal(b.Due) && a.ID < b.ID
	}
	for _, limit := range []int{1, 2, 3, 5, 12} {
		t.Run(fmt.Sprintf("by %d", limit), func(t *testing.T) {
			for _, a := range []grievance.Actor{control, e.officer("pwd-ae-z1")} {
				got := e.walk(a, grievance.ComplaintFilter{Order: grievance.OrderDue, OpenOnly: true, Limit: limit})
				if len(got) != len(cs) {
					t.Fatalf("%s: walk returned %d complaints, want %d", a.Login, len(got), len(cs))
				}
				if got[0].Number != cs[11].Number || got[0].Links != 2 || got[1].Number != cs[5].Number || got[1].Links != 1 {
					t.Fatalf("%s: first %s (%d links), %s (%d links); want %s, %s", a.Login,
						got[0].Number, got[0].Links, got[1].Number, got[1].Links, cs[11].Number, cs[5].Number)
				}
				seen := map[int64]bool{}
				for i, c := range got {
					if seen[c.ID] {
						t.Fatalf("%s returned twice", c.Number)
					}
					seen[c.ID] = true
					if i > 0 && !before(got[i-1], c) {
						t.Fatalf("row %d (%s, %d links, due %v) out of order after %s (%d links, due %v)",
							i, c.Number, c.Links, c.Due, got[i-1].Number, got[i-1].Links, got[i-1].Due)
					}
				}
			}
		})
	}
	// The officer's own list too.
	mine := e.walk(e.officer("pwd-je-w2"), grievance.ComplaintFilter{Order: grievance.OrderDue, AssigneeID: e.officerID("pwd-je-w2"), Limit: 2})
	if len(mine) != 6 || mine[0].Number != cs[11].Number || mine[1].Number != cs[5].Number {
		t.Fatalf("JE w2's inbox: %d complaints starting %s; want 6 starting %s, %s", len(mine), mine[0].Number, cs[11].Number, cs[5].Number)
	}
}
