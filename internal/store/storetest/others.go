package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// officerSummary lists code:id:active of every officer, in order.
func officerSummary(m *grievance.Masters) string {
	var s []string
	for _, o := range m.Officers {
		s = append(s, fmt.Sprintf("%s:%d:%v", o.Code, o.ID, o.Active))
	}
	return strings.Join(s, " ")
}

// mastersSummary describes m for comparison: codes of every table, officer
// IDs and the district.
func mastersSummary(m *grievance.Masters) string {
	var b strings.Builder
	fmt.Fprintf(&b, "district %v\n", m.District)
	for _, d := range m.Departments {
		fmt.Fprintf(&b, "dept %s %v %v\n", d.Code, d.Name, d.Levels)
	}
	for _, c := range m.Categories {
		fmt.Fprintf(&b, "cat %s %s %d %v %v\n", c.Code, c.Department, c.ResolutionDays, c.RequirePhoto, c.Active)
	}
	for _, a := range m.Areas {
		fmt.Fprintf(&b, "area %s %s %s\n", a.Code, a.Kind, a.Parent)
	}
	for _, o := range m.Officers {
		fmt.Fprintf(&b, "off %d %s %s %d %v %s %v\n", o.ID, o.Code, o.Department, o.Level, o.Jurisdiction, o.Superior, o.Active)
	}
	for _, r := range m.Rules {
		fmt.Fprintf(&b, "rule %+v\n", r)
	}
	for _, h := range m.Holidays {
		fmt.Fprintf(&b, "holiday %s\n", h.Date)
	}
	return b.String()
}

func testReplaceMasters(t *testing.T, e *env) {
	before := e.m
	if got, want := mastersSummary(before), mastersSummary(Fixture()); strings.Count(got, "\n") != strings.Count(want, "\n") {
		t.Fatalf("stored masters:\n%s\nwant like:\n%s", got, want)
	}
	ids := map[string]int64{}
	for _, o := range before.Officers {
		if o.ID == 0 || !o.Active {
			t.Fatalf("officer %s: ID %d, active %v", o.Code, o.ID, o.Active)
		}
		ids[o.Code] = o.ID
	}
	if len(ids) != len(Fixture().Officers) {
		t.Fatalf("%d distinct officers, want %d", len(ids), len(Fixture().Officers))
	}
	if o := before.OfficerByCode("pwd-je-w1"); len(o.Areas) != 1 || o.Areas[0] != "w1" || before.Category("road") == nil {
		t.Fatalf("cached masters not indexed: %+v", o)
	}
	if before.District.En != "Test District" || len(before.Departments[0].Levels) != 3 {
		t.Fatalf("district %v, levels %v", before.District, before.Departments[0].Levels)
	}

	c := e.MustFile(newComplaint("road", "w2")) // to pwd-je-w2, who is about to go

	next := Fixture()
	next.Officers = slices.DeleteFunc(next.Officers, func(o grievance.Officer) bool { return o.Code == "pwd-je-w2" })
	next.Officers = append(next.Officers, off("pwd-je-w4", "pwd", 1, "pwd-ae-z2", "9000000009", "w4"))
	slices.Reverse(next.Officers)
	next.Officers[3].ID = 424242 // an ID in the input is ignored: officers match by code
	next.Categories[0].ResolutionDays = 7
	if err := e.h.ReplaceMasters(e.ctx, next); err != nil {
		t.Fatalf("ReplaceMasters: %v", err)
	}
	after, err := e.h.Masters(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for code, id := range ids {
		o := after.OfficerByCode(code)
		if o == nil || o.ID != id {
			t.Fatalf("officer %s: %+v, want ID %d kept", code, o, id)
		}
		if o.Active != (code != "pwd-je-w2") {
			t.Fatalf("officer %s active %v", code, o.Active)
		}
		if after.Officer(id) != o {
			t.Fatalf("officer %s not indexed by ID", code)
		}
	}
	newOff := after.OfficerByCode("pwd-je-w4")
	if newOff == nil || newOff.ID == 0 || after.Officer(newOff.ID) != newOff {
		t.Fatalf("new officer %+v", newOff)
	}
	for _, id := range ids {
		if id == newOff.ID {
			t.Fatalf("new officer reuses ID %d", id)
		}
	}
	if after.Category("road").ResolutionDays != 7 {
		t.Fatal("category change not stored")
	}
	if next.Officers[0].ID != 0 {
		t.Fatal("ReplaceMasters changed its argument")
	}
	// The inactive officer's complaint keeps its assignee; new complaints
	// route past them.
	got, err := e.h.Complaint(e.ctx, control, c.Number)
	if err != nil || got.AssigneeID != ids["pwd-je-w2"] {
		t.Fatalf("old complaint: %+v, %v", got, err)
	}
	if c2 := e.MustFile(newComplaint("road", "w2")); c2.AssigneeID != ids["pwd-ae-z1"] {
		t.Fatalf("routed to %d, want the AE (%d) now that the JE is inactive", c2.AssigneeID, ids["pwd-ae-z1"])
	}
	if c3 := e.MustFile(newComplaint("road", "w4")); c3.AssigneeID != newOff.ID {
		t.Fatalf("routed to %d, want the new JE (%d)", c3.AssigneeID, newOff.ID)
	}

	// Bringing the officer back restores them under the same ID.
	if err := e.h.ReplaceMasters(e.ctx, Fixture()); err != nil {
		t.Fatal(err)
	}
	again, _ := e.h.Masters(e.ctx)
	if o := again.OfficerByCode("pwd-je-w2"); o.ID != ids["pwd-je-w2"] || !o.Active {
		t.Fatalf("returning officer %+v, want ID %d, active", o, ids["pwd-je-w2"])
	}
}

func testReplaceMastersInvalid(t *testing.T, e *env) {
	tests := []struct {
		name   string
		change func(m *grievance.Masters)
		want   string // prefix of the problem
	}{
		{"category of an unknown department", func(m *grievance.Masters) { m.Categories[1].Department = "water" }, "categories row 2"},
		{"repeated department", func(m *grievance.Masters) { m.Departments[1].Code = "pwd" }, "departments row 2"},
		{"department without levels", func(m *grievance.Masters) { m.Departments[0].Levels = nil }, "departments row 1"},
		{"zero resolution days", func(m *grievance.Masters) { m.Categories[2].ResolutionDays = 0 }, "categories row 3"},
		{"area with an unknown parent", func(m *grievance.Masters) { m.Areas[4].Parent = "z9" }, "areas row 5"},
		{"areas in a cycle", func(m *grievance.Masters) { m.Areas[0].Parent = "w1" }, "areas row 1"},
		{"unknown area kind", func(m *grievance.Masters) { m.Areas[2].Kind = "village" }, "areas row 3"},
		{"officer of an unknown department", func(m *grievance.Masters) { m.Officers[2].Department = "water" }, "officers row 3"},
		{"officer level above the ladder", func(m *grievance.Masters) { m.Officers[6].Level = 3 }, "officers row 7"},
		{"officer level zero", func(m *grievance.Masters) { m.Officers[3].Level = 0 }, "officers row 4"},
		{"officer jurisdiction unknown", func(m *grievance.Masters) { m.Officers[4].Jurisdiction = []string{"w1", "w7"} }, "officers row 5"},
		{"officer superior unknown", func(m *grievance.Masters) { m.Officers[5].Superior = "pwd-se" }, "officers row 6"},
		{"repeated officer", func(m *grievance.Masters) { m.Officers[5].Code = "pwd-je-w1" }, "officers row 6"},
		{"rule to an unknown area", func(m *grievance.Masters) { m.Rules[0].Area = "w9" }, "routing rules row 1"},
		{"rule for an unknown category", func(m *grievance.Masters) { m.Rules[1].Category = "noise" }, "routing rules row 2"},
		{"rule to an unknown department", func(m *grievance.Masters) { m.Rules[1].Department = "water" }, "routing rules row 2"},
		{"bad holiday date", func(m *grievance.Masters) { m.Holidays[0].Date = "26/01/2026" }, "holidays row 1"},
	}
	before := mastersSummary(e.m)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Fixture()
			m.Officers = append(m.Officers, off("pwd-new", "pwd", 1, "", "9000000010", "w4"))
			tt.change(m)
			err := e.h.ReplaceMasters(e.ctx, m)
			wantCode(t, err, grievance.EInvalid, "masters.invalid")
			args := grievance.AsError(err).Args
			if len(args) != 1 {
				t.Fatalf("args %v, want one problem", args)
			}
			if s, _ := args[0].(string); !strings.HasPrefix(s, tt.want+":") {
				t.Fatalf("problem %q, want it to start %q", s, tt.want+":")
			}
			got, err := e.h.Masters(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if s := mastersSummary(got); s != before {
				t.Fatalf("masters changed by a refused replacement:\n%s\nwant\n%s", s, before)
			}
			if got.OfficerByCode("pwd-new") != nil {
				t.Fatal("refused replacement added an officer")
			}
		})
	}
}

func testUsers(t *testing.T, e *env) {
	je := e.officerID("pwd-je-w1")
	u := &grievance.User{Login: "  Officer.One ", Name: "Officer One", PasswordHash: "$argon2id$x",
		Roles: []grievance.Role{grievance.RoleOfficer, grievance.RoleDeptHead}, OfficerID: je, Language: grievance.English}
	if err := e.h.CreateUser(e.ctx, u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u.ID == 0 || u.Login != "officer.one" || !u.Created.Equal(Start) {
		t.Fatalf("created user %+v: want an ID, the login in lower case, created now", u)
	}
	err := e.h.CreateUser(e.ctx, &grievance.User{Login: "OFFICER.ONE", Name: "Impostor"})
	wantCode(t, err, grievance.EConflict, "error.login_taken")

	for _, login := range []string{"officer.one", "Officer.ONE"} {
		got, err := e.h.UserByLogin(e.ctx, login)
		if err != nil {
			t.Fatalf("UserByLogin(%q): %v", login, err)
		}
		if got.ID != u.ID || got.Name != "Officer One" || !slices.Equal(got.Roles, u.Roles) || got.OfficerID != je ||
			got.Language != grievance.English || got.PasswordHash != u.PasswordHash || got.Disabled || got.MustChange {
			t.Fatalf("UserByLogin(%q) = %+v, want %+v", login, got, u)
		}
	}
	if got, err := e.h.User(e.ctx, u.ID); err != nil || got.Login != "officer.one" {
		t.Fatalf("User(%d) = %+v, %v", u.ID, got, err)
	}
	_, err = e.h.User(e.ctx, u.ID+1000)
	wantCode(t, err, grievance.ENotFound, "error.not_found")
	_, err = e.h.UserByLogin(e.ctx, "nobody")
	wantCode(t, err, grievance.ENotFound, "error.not_found")

	lock := Start.Add(15 * time.Minute)
	for i, wantLocked := range []bool{false, false, true, true} {
		n, err := e.h.LoginFailed(e.ctx, u.ID, 3, lock)
		if err != nil {
			t.Fatal(err)
		}
		if n != i+1 {
			t.Fatalf("LoginFailed returned %d, want %d", n, i+1)
		}
		got, _ := e.h.User(e.ctx, u.ID)
		if got.FailedLogins != i+1 || got.LockedUntil.Equal(lock) != wantLocked || !wantLocked && !got.LockedUntil.IsZero() {
			t.Fatalf("after %d failures: count %d, locked until %v", i+1, got.FailedLogins, got.LockedUntil)
		}
	}
	if err := e.h.SetPassword(e.ctx, u.ID, "$argon2id$new", true); err != nil {
		t.Fatal(err)
	}
	got, _ := e.h.User(e.ctx, u.ID)
	if got.PasswordHash != "$argon2id$new" || !got.MustChange || got.FailedLogins != 0 || !got.LockedUntil.IsZero() {
		t.Fatalf("after SetPassword: %+v", got)
	}
	e.h.LoginFailed(e.ctx, u.ID, 3, lock)
	if err := e.h.LoginSucceeded(e.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.h.User(e.ctx, u.ID); got.FailedLogins != 0 || !got.LockedUntil.IsZero() {
		t.Fatalf("after LoginSucceeded: %+v", got)
	}
	_, err = e.h.LoginFailed(e.ctx, 999999, 3, lock)
	wantCode(t, err, grievance.ENotFound, "")
	wantCode(t, e.h.SetPassword(e.ctx, 999999, "x", false), grievance.ENotFound, "")
}

func testSessions(t *testing.T, e *env) {
	u := &grievance.User{Login: "clerk", Name: "Clerk", Roles: []grievance.Role{grievance.RoleAgent}}
	if err := e.h.CreateUser(e.ctx, u); err != nil {
		t.Fatal(err)
	}
	mk := func(id string, ttl time.Duration) *grievance.Session {
		s := &grievance.Session{ID: id, UserID: u.ID, CSRF: "csrf-" + id, Expires: e.clock.Now().Add(ttl)}
		if err := e.h.CreateSession(e.ctx, s); err != nil {
			t.Fatalf("CreateSession(%s): %v", id, err)
		}
		return s
	}
	s1 := mk(strings.Repeat("a", 64), time.Hour)
	got, err := e.h.Session(e.ctx, s1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != u.ID || got.CSRF != s1.CSRF || !got.Expires.Equal(s1.Expires) || !got.Created.Equal(Start) || !got.LastSeen.Equal(Start) {
		t.Fatalf("Session = %+v, want %+v", got, s1)
	}
	e.clock.Advance(time.Hour)
	_, err = e.h.Session(e.ctx, s1.ID)
	wantCode(t, err, grievance.ENotFound, "error.not_found")

	s2, s3 := mk(strings.Repeat("b", 64), time.Hour), mk(strings.Repeat("c", 64), time.Hour)
	other := &grievance.User{Login: "other", Name: "Other"}
	if err := e.h.CreateUser(e.ctx, other); err != nil {
		t.Fatal(err)
	}
	s4 := &grievance.Session{ID: strings.Repeat("d", 64), UserID: other.ID, Expires: e.clock.Now().Add(time.Hour)}
	if err := e.h.CreateSession(e.ctx, s4); err != nil {
		t.Fatal(err)
	}
	if err := e.h.DeleteUserSessions(e.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*grievance.Session{s2, s3} {
		_, err := e.h.Session(e.ctx, s.ID)
		wantCode(t, err, grievance.ENotFound, "")
	}
	if _, err := e.h.Session(e.ctx, s4.ID); err != nil {
		t.Fatalf("another user's session was deleted: %v", err)
	}
	if err := e.h.DeleteSession(e.ctx, s4.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.h.Session(e.ctx, s4.ID)
	wantCode(t, err, grievance.ENotFound, "")
	_, err = e.h.Session(e.ctx, "missing")
	wantCode(t, err, grievance.ENotFound, "")
}

func testOutbox(t *testing.T, e *env) {
	c1 := e.MustFile(newComplaint("road", "w1")) // two messages
	c2 := e.MustFile(newComplaint("road", "w2")) // two messages
	now := e.clock.Now()
	const lease = time.Minute

	claimed, err := e.h.ClaimMessages(e.ctx, now, 3, lease)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 3 {
		t.Fatalf("claimed %d, want 3", len(claimed))
	}
	for i := 1; i < len(claimed); i++ {
		if claimed[i].ID <= claimed[i-1].ID {
			t.Fatalf("claimed out of order: %+v", claimed)
		}
	}
	if claimed[0].ComplaintID != c1.ID || claimed[2].ComplaintID != c2.ID {
		t.Fatalf("claimed %+v", claimed)
	}
	m1, m2, m3 := claimed[0], claimed[1], claimed[2]
	rest, err := e.h.ClaimMessages(e.ctx, now, 10, lease)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 1 || rest[0].ComplaintID != c2.ID {
		t.Fatalf("second claim %+v, want the one unleased message", rest)
	}
	m4 := rest[0]
	if none, _ := e.h.ClaimMessages(e.ctx, now, 10, lease); len(none) != 0 {
		t.Fatalf("third claim got %d leased messages", len(none))
	}

	status := func(id int64) *grievance.Message {
		t.Helper()
		m, err := e.h.Message(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	updates := []struct {
		u    grievance.MessageUpdate
		want grievance.MessageStatus
	}{
		{grievance.MessageUpdate{ID: m1.ID, Status: grievance.MsgSent, Attempts: 1, GatewayRef: "gw-1"}, grievance.MsgSent},
		{grievance.MessageUpdate{ID: m1.ID, Status: grievance.MsgQueued, Attempts: 2}, grievance.MsgSent}, // backwards: ignored
		{grievance.MessageUpdate{ID: m1.ID, Status: grievance.MsgDelivered}, grievance.MsgDelivered},
		{grievance.MessageUpdate{ID: m1.ID, Status: grievance.MsgAccepted}, grievance.MsgDelivered}, // late report: ignored
	}
	for i, tt := range updates {
		if err := e.h.UpdateMessage(e.ctx, tt.u); err != nil {
			t.Fatalf("update %d: %v", i+1, err)
		}
		if got := status(tt.u.ID); got.Status != tt.want {
			t.Fatalf("update %d (%s): status %s, want %s", i+1, tt.u.Status, got.Status, tt.want)
		}
	}
	if got := status(m1.ID); got.GatewayRef != "gw-1" || got.Attempts != 1 {
		t.Fatalf("delivered message %+v: want the gateway reference and attempts kept", got)
	}

	// A retry stays queued until its next attempt, free of its lease.
	retryAt := now.Add(10 * time.Minute)
	if err := e.h.UpdateMessage(e.ctx, grievance.MessageUpdate{ID: m2.ID, Status: grievance.MsgQueued, Attempts: 1,
		NextAttempt: retryAt, Error: "gateway timeout"}); err != nil {
		t.Fatal(err)
	}
	if got := status(m2.ID); got.Status != grievance.MsgQueued || got.Attempts != 1 || got.LastError != "gateway timeout" || !got.NextAttempt.Equal(retryAt) {
		t.Fatalf("retried message %+v", got)
	}
	if err := e.h.UpdateMessage(e.ctx, grievance.MessageUpdate{ID: m4.ID, Status: grievance.MsgFailed, Attempts: 5, Error: "invalid number"}); err != nil {
		t.Fatal(err)
	}

	e.clock.Advance(2 * time.Minute) // m3's lease has run out; m2 waits
	got, err := e.h.ClaimMessages(e.ctx, e.clock.Now(), 10, lease)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != m3.ID {
		t.Fatalf("claim after the lease: %+v, want only message %d", got, m3.ID)
	}
	if err := e.h.UpdateMessage(e.ctx, grievance.MessageUpdate{ID: m3.ID, Status: grievance.MsgSent, Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	got, err = e.h.ClaimMessages(e.ctx, e.clock.Now(), 10, lease)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != m2.ID || got[0].Attempts != 1 || got[0].LastError != "gateway timeout" {
		t.Fatalf("claim after the retry time: %+v, want message %d", got, m2.ID)
	}

	_, err = e.h.Message(e.ctx, 999999)
	wantCode(t, err, grievance.ENotFound, "error.not_found")
	wantCode(t, e.h.UpdateMessage(e.ctx, grievance.MessageUpdate{ID: 999999, Status: grievance.MsgSent}), grievance.ENotFound, "")
	wantCode(t, e.h.UpdateMessage(e.ctx, grievance.MessageUpdate{ID: m3.ID, Status: "lost"}), grievance.EInvalid, "")
	if got := status(m3.ID); got.Status != grievance.MsgSent {
		t.Fatalf("message %d is %s after an invalid update, want sent", m3.ID, got.Status)
	}

	// Several updates in one write (the dispatcher's): each is applied,
	// ignored or refused as it would be alone, and the others still apply.
	errs, err := e.h.UpdateMessages(e.ctx, []grievance.MessageUpdate{
		{ID: m3.ID, Status: grievance.MsgDelivered, Attempts: 1},
		{ID: 999999, Status: grievance.MsgSent},
		{ID: m4.ID, Status: grievance.MsgSent, Attempts: 6}, // failed for good: ignored
		{ID: m2.ID, Status: "lost"},
		{ID: m2.ID, Status: grievance.MsgQueued, Attempts: 2, NextAttempt: retryAt.Add(time.Hour), Error: "again"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 5 || errs[0] != nil || errs[2] != nil || errs[4] != nil {
		t.Fatalf("batch of updates: errors %v, want nil for the first, third and fifth", errs)
	}
	wantCode(t, errs[1], grievance.ENotFound, "")
	wantCode(t, errs[3], grievance.EInvalid, "")
	if got := status(m3.ID); got.Status != grievance.MsgDelivered {
		t.Fatalf("message %d is %s after the batch, want delivered", m3.ID, got.Status)
	}
	if got := status(m4.ID); got.Status != grievance.MsgFailed || got.Attempts != 5 {
		t.Fatalf("message %d is %s after %d attempts, want failed after 5", m4.ID, got.Status, got.Attempts)
	}
	if got := status(m2.ID); got.Status != grievance.MsgQueued || got.Attempts != 2 || got.LastError != "again" {
		t.Fatalf("message %d after the batch: %+v, want queued after 2 attempts", m2.ID, got)
	}

	list, err := e.h.Messages(e.ctx, "+91"+mobileA, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID <= list[1].ID || list[0].To != mobileA {
		t.Fatalf("Messages to the citizen: %+v, want two, newest first", list)
	}
	if list, _ := e.h.Messages(e.ctx, "", 3); len(list) != 3 || list[0].ID != m4.ID {
		t.Fatalf("Messages limit 3: %+v", list)
	}
}

func testConcurrentFiling(t *testing.T, e *env) {
	const workers, each = 64, 50
	numbers := make([][]string, workers)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				in := newComplaint([]string{"road", "garbage", "hospital"}[i%3], []string{"w1", "w2", "w3", "w4"}[w%4])
				in.Mobile = fmt.Sprintf("9%09d", w*1000+i)
				c, err := e.h.File(e.ctx, in)
				if err != nil {
					errs <- fmt.Errorf("worker %d filing %d: %w", w, i, err)
					return
				}
				numbers[w] = append(numbers[w], c.Number)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, ns := range numbers {
		for _, n := range ns {
			if seen[n] {
				t.Fatalf("number %s given twice", n)
			}
			seen[n] = true
		}
	}
	if len(seen) != workers*each {
		t.Fatalf("%d numbers, want %d", len(seen), workers*each)
	}
	stored := e.all(grievance.ComplaintFilter{Limit: 500})
	if len(stored) != workers*each {
		t.Fatalf("%d complaints stored, want %d", len(stored), workers*each)
	}
	for _, c := range stored {
		if !seen[c.Number] {
			t.Fatalf("stored complaint %s was never returned by File", c.Number)
		}
	}
}
