// Package storetest is the conformance suite of the grievance services: any
// storage implementation (SQLite now, PostgreSQL later) runs Run and must
// pass it unchanged.
//
// The suite builds its own small masters (Fixture), drives the store's
// clock, and expects the store to plan messages with Messenger, this
// package's deterministic fake.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// Harness is a store under test: the five grievance services and Ready.
type Harness interface {
	grievance.ComplaintService
	grievance.MastersService
	grievance.UserService
	grievance.SessionService
	grievance.OutboxService
	grievance.OTPService
	grievance.Scheduler
	grievance.ReportService
	grievance.DuplicateService
	grievance.AnalyticsService
	grievance.AdminService
	grievance.SMSTemplateService
	grievance.TokenService
	grievance.Open311KeyService
	grievance.WebhookService
	grievance.FeedbackCallService
	Ready(ctx context.Context) error
}

// Run runs the suite. open returns a new, empty store whose clock is now,
// whose messenger is Messenger{} and whose blob store works; it registers
// the store's Close with t.Cleanup. It is called once per subtest.
func Run(t *testing.T, open func(t *testing.T, now func() time.Time) Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"Ready", testReady},
		{"FileRouting", testFileRouting},
		{"FileDeadline", testFileDeadline},
		{"FilePhotos", testFilePhotos},
		{"FileMessages", testFileMessages},
		{"FileInvalid", testFileInvalid},
		{"Track", testTrack},
		{"Scope", testScope},
		{"Actions", testActions},
		{"ActClose", testActClose},
		{"History", testHistory},
		{"SearchFilters", testSearchFilters},
		{"Pagination", testPagination},
		{"ReplaceMasters", testReplaceMasters},
		{"ReplaceMastersInvalid", testReplaceMastersInvalid},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Outbox", testOutbox},
		{"ConcurrentFiling", testConcurrentFiling},
		{"OTP", testOTP},
		{"Triage", testTriage},
		{"FailedMessages", testFailedMessages},
		{"SweepLadder", testSweepLadder},
		{"SweepHold", testSweepHold},
		{"SweepVerify", testSweepVerify},
		{"SweepLadderHours", testSweepLadderHours},
		{"FeedbackCalls", testFeedbackCalls},
		{"FinalStatusKept", testFinalStatusKept},
		{"Duplicates", testDuplicates},
		{"Link", testLink},
		{"ReportResolvesLinked", testReportResolvesLinked},
		{"LinksOrder", testLinksOrder},
		{"ReportScorecard", testReportScorecard},
		{"ReportDefaulters", testReportDefaulters},
		{"AdminAudit", testAdminAudit},
		{"AdminDisableOfficer", testAdminDisableOfficer},
		{"AdminDepartments", testAdminDepartments},
		{"AdminAreas", testAdminAreas},
		{"AdminRules", testAdminRules},
		{"AdminCategoryCreate", testAdminCategoryCreate},
		{"AdminEnableOfficer", testAdminEnableOfficer},
		{"AdminDeleteArea", testAdminDeleteArea},
		{"AdminSMSTemplates", testAdminSMSTemplates},
		{"Analytics", testAnalytics},
		{"Tokens", testTokens},
		{"Open311Keys", testOpen311Keys},
		{"SearchCreated", testSearchCreated},
		{"SearchText", testSearchText},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"Webhooks", testWebhooks},
		{"WebhookClaimsOnce", testWebhookClaimsOnce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newEnv(t, open))
		})
	}
}

// IST is the district time zone of the fixture (Asia/Kolkata).
var IST = time.FixedZone("IST", 5*3600+1800)

// Start is when every subtest begins: Friday 23 January 2026, 10:00 IST.
// Sunday the 25th is a day off and Monday the 26th a holiday (Fixture).
var Start = time.Date(2026, 1, 23, 10, 0, 0, 0, IST)

// Clock is a settable clock for the store under test.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Markers in a complaint's description that steer Messenger.
const (
	FailMarker = "[fail-messenger]" // Plan returns an error
	DupMarker  = "[dup-message]"    // Plan returns the citizen's message twice
)

// Messenger is the fake messenger the store under test must use. It plans,
// for every public event, one message to the citizen, and for the events
// that hand the complaint to an officer (file, forward, reassign) one to the
// officer; keys are "<number>/<action>/<event id>/<audience>".
type Messenger struct{}

// Plan implements grievance.Messenger.
func (Messenger) Plan(c *grievance.Complaint, ev grievance.Event, officer *grievance.Officer, m *grievance.Masters) ([]grievance.Message, error) {
	if strings.Contains(c.Description, FailMarker) {
		return nil, errors.New("messenger: planned failure")
	}
	if c.Number == "" {
		return nil, fmt.Errorf("messenger: complaint without a number")
	}
	// The store may plan a filing before the complaint or its event has an
	// ID (it plans outside its writer); later events have theirs.
	key := fmt.Sprintf("%s/%s/%d", c.Number, ev.Kind, ev.ID)
	var out []grievance.Message
	if ev.Public {
		out = append(out, grievance.Message{
			Key: key + "/citizen", ComplaintID: c.ID, Event: string(ev.Kind),
			Audience: "citizen", To: c.Mobile, Lang: c.Language, TemplateID: "T-" + string(ev.Kind),
			Text: fmt.Sprintf("Complaint %s: %s", c.Number, ev.To),
		})
	}
	switch ev.Kind {
	case grievance.ActFile, grievance.ActForward, grievance.ActReassign:
		if officer != nil {
			out = append(out, grievance.Message{
				Key: key + "/officer", ComplaintID: c.ID, Event: "assigned",
				Audience: "officer", To: officer.Mobile, Lang: officer.Language, TemplateID: "T-assigned",
				Text: fmt.Sprintf("Complaint %s assigned to you", c.Number),
			})
		}
	}
	if strings.Contains(c.Description, DupMarker) && len(out) > 0 {
		out = append(out, out[0])
	}
	return out, nil
}

// Fixture returns the suite's masters: two departments (pwd with three
// levels, health with two), two zones of two wards each, officers at levels
// 1-3 with jurisdictions, routing rules that override a category's
// department (by area, and for every area) and a holiday on Monday
// 26 January 2026. Health has no officer in zone z2.
func Fixture() *grievance.Masters {
	t := func(s string) grievance.Text { return grievance.Text{Hi: s + " (हि)", En: s} }
	return &grievance.Masters{
		District: grievance.Text{Hi: "परीक्षा जिला", En: "Test District"},
		Departments: []grievance.Department{
			{Code: "pwd", Name: t("Public Works"), Levels: []grievance.Text{t("Junior Engineer"), t("Assistant Engineer"), t("Executive Engineer")}},
			{Code: "health", Name: t("Health"), Levels: []grievance.Text{t("Medical Officer"), t("Chief Medical Officer")}},
		},
		Categories: []grievance.Category{
			{Code: "road", Department: "pwd", Name: t("Road"), ResolutionDays: 3, Active: true},
			{Code: "drain", Department: "pwd", Name: t("Drain"), ResolutionDays: 2, RequirePhoto: true, Active: true},
			{Code: "hospital", Department: "health", Name: t("Hospital"), ResolutionDays: 5, Active: true},
			{Code: "garbage", Department: "health", Name: t("Garbage"), ResolutionDays: 2, Active: true},
			{Code: "mosquito", Department: "pwd", Name: t("Mosquito"), ResolutionDays: 4, Active: true},
			{Code: "old", Department: "pwd", Name: t("Old"), ResolutionDays: 3, Active: false},
		},
		Areas: []grievance.Area{
			{Code: "z1", Kind: grievance.AreaZone, Name: t("Zone 1")},
			{Code: "w1", Kind: grievance.AreaWard, Parent: "z1", Name: t("Ward 1")},
			{Code: "w2", Kind: grievance.AreaWard, Parent: "z1", Name: t("Ward 2")},
			{Code: "z2", Kind: grievance.AreaZone, Name: t("Zone 2")},
			{Code: "w3", Kind: grievance.AreaWard, Parent: "z2", Name: t("Ward 3")},
			{Code: "w4", Kind: grievance.AreaWard, Parent: "z2", Name: t("Ward 4")},
		},
		Officers: []grievance.Officer{
			off("pwd-ee", "pwd", 3, "", "9000000001"),
			off("pwd-ae-z1", "pwd", 2, "pwd-ee", "9000000002", "z1"),
			off("pwd-ae-z2", "pwd", 2, "pwd-ee", "9000000003", "z2"),
			off("pwd-je-w1", "pwd", 1, "pwd-ae-z1", "9000000004", "w1"),
			off("pwd-je-w2", "pwd", 1, "pwd-ae-z1", "9000000005", "w2"),
			off("pwd-je-w3", "pwd", 1, "pwd-ae-z2", "9000000006", "w3"),
			off("health-cmo", "health", 2, "", "9000000007", "z1"),
			off("health-mo-z1", "health", 1, "health-cmo", "9000000008", "z1"),
		},
		Rules: []grievance.RoutingRule{
			{Category: "garbage", Area: "w3", Department: "pwd"},
			{Category: "mosquito", Department: "health"},
		},
		Holidays: []grievance.Holiday{{Date: "2026-01-26", Name: t("Republic Day")}},
	}
}

func off(code, dept string, level int, superior, mobile string, jur ...string) grievance.Officer {
	return grievance.Officer{
		Code: code, Department: dept, Level: level, Superior: superior, Mobile: mobile,
		Designation: grievance.Text{Hi: code + " (हि)", En: code}, Name: "Officer " + code,
		Language: grievance.Hindi, Jurisdiction: jur, Active: true,
	}
}

// env is one subtest's store with its clock and masters.
type env struct {
	t     *testing.T
	ctx   context.Context
	h     Harness
	clock *Clock
	m     *grievance.Masters // after ReplaceMasters(Fixture()), with IDs
}

func newEnv(t *testing.T, open func(t *testing.T, now func() time.Time) Harness) *env {
	t.Helper()
	clock := &Clock{t: Start}
	e := &env{t: t, ctx: context.Background(), clock: clock}
	e.h = open(t, clock.Now)
	if err := e.h.ReplaceMasters(e.ctx, Fixture()); err != nil {
		t.Fatalf("ReplaceMasters(Fixture()): %v", err)
	}
	m, err := e.h.Masters(e.ctx)
	if err != nil {
		t.Fatalf("Masters: %v", err)
	}
	e.m = m
	return e
}

// Actors of the suite.
var (
	control = grievance.Actor{UserID: 1, Login: "control", Roles: []grievance.Role{grievance.RoleSupervisor}}
	admin   = grievance.Actor{UserID: 2, Login: "admin", Roles: []grievance.Role{grievance.RoleAdmin}}
	agent   = grievance.Actor{UserID: 3, Login: "agent", Roles: []grievance.Role{grievance.RoleAgent}}
)

// Mobiles of the suite's citizens.
const (
	mobileA = "9876543210"
	mobileB = "8765432109"
)

// officer returns the actor of the officer with code.
func (e *env) officer(code string, roles ...grievance.Role) grievance.Actor {
	e.t.Helper()
	o := e.m.OfficerByCode(code)
	if o == nil {
		e.t.Fatalf("no officer %s in masters", code)
	}
	return grievance.Actor{UserID: 100 + o.ID, Login: code, Roles: append([]grievance.Role{grievance.RoleOfficer}, roles...), Officer: o}
}

func (e *env) officerID(code string) int64 {
	e.t.Helper()
	o := e.m.OfficerByCode(code)
	if o == nil {
		e.t.Fatalf("no officer %s in masters", code)
	}
	return o.ID
}

func newComplaint(category, area string) grievance.NewComplaint {
	return grievance.NewComplaint{
		Name: "Ram Kumar", Mobile: mobileA, Language: grievance.Hindi, Channel: grievance.ChannelWeb,
		Category: category, Area: area, Address: "Gali 4, Station Road", Description: "Deep pothole near the school",
	}
}

// MustFile files in and fails the test on error.
func (e *env) MustFile(in grievance.NewComplaint) *grievance.Complaint {
	e.t.Helper()
	c, err := e.h.File(e.ctx, in)
	if err != nil {
		e.t.Fatalf("File(%s in %s): %v", in.Category, in.Area, err)
	}
	return c
}

// all returns every complaint by walking Search as the system.
func (e *env) all(f grievance.ComplaintFilter) []*grievance.Complaint {
	e.t.Helper()
	return e.walk(grievance.SystemActor, f)
}

func (e *env) walk(a grievance.Actor, f grievance.ComplaintFilter) []*grievance.Complaint {
	e.t.Helper()
	var out []*grievance.Complaint
	for pages := 0; ; pages++ {
		if pages > 10000 {
			e.t.Fatal("Search never ends")
		}
		p, err := e.h.Search(e.ctx, a, f)
		if err != nil {
			e.t.Fatalf("Search(%+v): %v", f, err)
		}
		out = append(out, p.Complaints...)
		if p.Next == "" {
			return out
		}
		if f.Limit > 0 && len(p.Complaints) != f.Limit {
			e.t.Fatalf("page of %d before the end, want %d", len(p.Complaints), f.Limit)
		}
		f.Cursor = p.Next
	}
}

func (e *env) count() int {
	e.t.Helper()
	return len(e.all(grievance.ComplaintFilter{Limit: 500}))
}

func (e *env) messagesOf(id int64) []grievance.Message {
	e.t.Helper()
	all, err := e.h.Messages(e.ctx, "", 500)
	if err != nil {
		e.t.Fatalf("Messages: %v", err)
	}
	var out []grievance.Message
	for _, m := range all {
		if m.ComplaintID == id {
			out = append(out, m)
		}
	}
	return out
}

// wantCode fails unless err carries code (and key, when not empty).
func wantCode(t *testing.T, err error, code, key string) {
	t.Helper()
	if got := grievance.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if key != "" {
		if got := grievance.AsError(err).Key; got != key {
			t.Fatalf("error key = %q (%v), want %q", got, err, key)
		}
	}
}

// wantField fails unless err is EInvalid with key for field.
func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	wantCode(t, err, grievance.EInvalid, "")
	fields := grievance.AsError(err).Fields
	if got, ok := fields[field]; !ok || key != "" && got != key {
		t.Fatalf("field errors = %v, want %s: %q", fields, field, key)
	}
}

func testReady(t *testing.T, e *env) {
	if err := e.h.Ready(e.ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
}

// claimConcurrently calls claim from workers goroutines at once, each until
// it claims nothing, and returns everything claimed (a thing claimed twice
// appears twice).
func claimConcurrently[T any](t *testing.T, workers int, claim func() ([]T, error)) []T {
	t.Helper()
	var (
		mu  sync.Mutex
		all []T
		wg  sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for {
				got, err := claim()
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				all = append(all, got...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return all
}
