package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/store/pgtest"
)

// TestMigrateTo: an installation on SQLite is copied into PostgreSQL with
// every table verified; a server started on PostgreSQL with the same data
// directory serves its complaints, users and search, and goes on numbering;
// a second copy into the now full database is refused.
func TestMigrateTo(t *testing.T) {
	dbURL := pgtest.MustDatabase(t)
	data := t.TempDir()
	sqlite := map[string]string{"NIVARAN_DATABASE_URL": ""}
	m := MustRunMain(t, data, sqlite)
	ctx := context.Background()
	// Rows in the tables of the later migrations: a webhook (and so its
	// deliveries), a citizen's API token, a call-back request, the
	// scorecard's day sums.
	adminActor := grievance.Actor{UserID: 1, Login: "admin", Roles: []grievance.Role{grievance.RoleAdmin}}
	if _, err := m.Store.AdminAddWebhook(ctx, adminActor, "http://127.0.0.1:1/hook", grievance.HookEvents); err != nil {
		t.Fatal(err)
	}
	if err := m.Store.CreateToken(ctx, &grievance.APIToken{Hash: strings.Repeat("ab", 32), Mobile: "9876543210",
		Label: "phone", Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := m.Store.AddCallback(ctx, &grievance.CallbackRequest{Number: "9876543210", Helpline: "1076", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	api := newClient(t, m)
	var numbers []string
	for _, d := range []string{"किसानों के खेत में पानी भर गया", "क्षेत्र में सड़क टूटी", "Street light broken"} {
		numbers = append(numbers, fileJSON(t, api, map[string]any{"description": d})["number"].(string))
	}
	// A keyed message beside the filings' messages, which have no key.
	test := grievance.Message{Key: "test:9876543210:1", Event: "test:registered", Audience: "citizen", To: "9876543210",
		Lang: grievance.Hindi, TemplateID: "1", Text: "test"}
	if err := m.Store.QueueMessages(ctx, []grievance.Message{test}); err != nil {
		t.Fatal(err)
	}
	admin := newClient(t, m)
	admin.login("admin", testAdminPassword)
	if _, err := m.Store.FoldScores(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := migrateToCmd(ctx, []string{"--database", dbURL, "--data", data}, &out); err != nil {
		t.Fatalf("migrate-to: %v\n%s", err, out.String())
	}
	if !regexp.MustCompile(`(?m)^complaints\s+3\s+[0-9a-f]{16} ok$`).MatchString(out.String()) ||
		!regexp.MustCompile(`(?m)^events\s+3\s`).MatchString(out.String()) || strings.Contains(out.String(), "MISMATCH") {
		t.Fatalf("migrate-to's report:\n%s", out.String())
	}
	for _, table := range []string{"webhooks 1", "webhook_deliveries 3", "api_tokens 1", "callback_requests 1", "score_folded 1"} {
		name, rows, _ := strings.Cut(table, " ")
		if !regexp.MustCompile(`(?m)^` + name + `\s+` + rows + `\s+[0-9a-f]{16} ok$`).MatchString(out.String()) {
			t.Errorf("migrate-to's report has no %s with %s rows:\n%s", name, rows, out.String())
		}
	}
	if !regexp.MustCompile(`(?m)^messages\s+([4-9]|[1-9][0-9]+)\s+[0-9a-f]{16} ok$`).MatchString(out.String()) {
		t.Errorf("migrate-to's report has not the filings' messages and the test message:\n%s", out.String())
	}
	if !regexp.MustCompile(`(?m)^score_days\s+[1-9]`).MatchString(out.String()) {
		t.Errorf("migrate-to's report has no score_days:\n%s", out.String())
	}

	pg := MustRunMain(t, data, map[string]string{"NIVARAN_DATABASE_URL": dbURL})
	c := newClient(t, pg)
	for _, n := range numbers {
		if r := c.get("/api/v1/complaints/" + n + "?mobile=9876543210"); r.Status != 200 || !strings.Contains(r.Body, n) {
			t.Errorf("complaint %s on PostgreSQL: %d", n, r.Status)
		}
	}
	signed := newClient(t, pg)
	signed.http.Jar = admin.http.Jar // the session made on SQLite
	if r := signed.get("/control"); r.Status != 200 || !strings.Contains(r.Body, numbers[0]) {
		t.Errorf("the session made before the move: /control %d", r.Status)
	}
	newer := fileJSON(t, c, nil)["number"].(string)
	got, err := pg.Store.Complaint(ctx, grievance.SystemActor, newer)
	if err != nil || got.ID != 4 {
		t.Errorf("complaint filed after the move: %+v %v, want ID 4", got, err)
	}
	if hooks, err := pg.Store.Webhooks(ctx); err != nil || len(hooks) != 1 || hooks[0].URL != "http://127.0.0.1:1/hook" {
		t.Errorf("webhooks after the move: %+v %v", hooks, err)
	}
	cb := &grievance.CallbackRequest{Number: "9876543211", Helpline: "1076", At: time.Now()}
	if err := pg.Store.AddCallback(ctx, cb); err != nil || cb.ID != 2 {
		t.Errorf("call-back request after the move: ID %d %v, want ID 2", cb.ID, err)
	}
	// The copied key still queues its message once; the filing after the
	// move queued its own.
	before, err := pg.Store.Messages(ctx, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Store.QueueMessages(ctx, []grievance.Message{test}); err != nil {
		t.Fatal(err)
	}
	if after, err := pg.Store.Messages(ctx, "", 500); err != nil || len(after) != len(before) {
		t.Errorf("a copied key queued again on PostgreSQL: %d messages, then %d (%v)", len(before), len(after), err)
	}
	if len(before) == 0 || before[0].ComplaintID != got.ID {
		t.Errorf("newest message on PostgreSQL %+v, want one of complaint %d filed after the move", before, got.ID)
	}
	p, err := pg.Store.Search(ctx, grievance.SystemActor, grievance.ComplaintFilter{Text: "किसान"})
	if err != nil || len(p.Complaints) != 1 || p.Complaints[0].Number != numbers[0] {
		t.Errorf("search after the move: %d complaints (%v)", len(p.Complaints), err)
	}

	out.Reset()
	err = migrateToCmd(ctx, []string{"--database", dbURL, "--data", data}, &out)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second copy into a full database: %v, want a refusal", err)
	}
}
