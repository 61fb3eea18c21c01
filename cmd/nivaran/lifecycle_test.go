package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"nivaran/internal/config"
	"nivaran/internal/grievance"
)

// TestFirstRunAndRestart: the first run prints a generated admin password
// once and the portals' addresses; a second run on the same data keeps
// everything and prints no password.
func TestFirstRunAndRestart(t *testing.T) {
	data := t.TempDir()
	start := func() (*Main, string) {
		c, err := config.Load([]string{"--addr", "127.0.0.1:0", "--data", data}, func(k string) string {
			return map[string]string{"NIVARAN_LOG_LEVEL": "error"}[k]
		})
		if err != nil {
			t.Fatal(err)
		}
		m := NewMain()
		m.Config = c
		var out bytes.Buffer
		m.Out = &out
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return m, out.String()
	}
	m, out := start()
	pw := regexp.MustCompile(`(?m)^\s{4}(\S{16})$`).FindStringSubmatch(out)
	if pw == nil || !strings.Contains(out, "/officer") || !strings.Contains(out, "/control") {
		t.Fatalf("first run output lacks the password or addresses:\n%s", out)
	}
	if r := newClient(t, m).get("/healthz"); r.Status != 200 {
		t.Errorf("healthz: %d", r.Status)
	}
	if r := newClient(t, m).get("/readyz"); r.Status != 200 {
		t.Errorf("readyz: %d", r.Status)
	}
	// The generated password works and must be changed first.
	c := newClient(t, m)
	page := c.get("/officer/login")
	r := c.postForm("/officer/login", map[string][]string{"csrf": {csrf(t, page.Body)}, "login": {"admin"}, "password": {pw[1]}})
	if r.Status != 303 {
		t.Fatalf("admin login: %d", r.Status)
	}
	if r := c.get("/control"); r.Status != 303 || r.Location != "/officer/password" {
		t.Errorf("first sign-in: status %d to %q, want the password page", r.Status, r.Location)
	}
	number := fileJSON(t, newClient(t, m), nil)["number"].(string)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m2, out2 := start()
	defer m2.Close()
	if strings.Contains(out2, pw[1]) || strings.Contains(out2, "First run") {
		t.Errorf("second run printed the password again:\n%s", out2)
	}
	if _, err := m2.Store.Complaint(context.Background(), grievance.SystemActor, number); err != nil {
		t.Errorf("complaint lost across restart: %v", err)
	}
	ms, _ := m2.Store.Masters(context.Background())
	if len(ms.Departments) < 10 || len(ms.Categories) < 40 {
		t.Errorf("masters after restart: %d departments, %d categories", len(ms.Departments), len(ms.Categories))
	}
}

// TestCitizenPageWeight: the citizen's first load (HTML, CSS, script)
// stays under 100 KB, and nothing else is fetched.
func TestCitizenPageWeight(t *testing.T) {
	m := MustRunMain(t, "", nil)
	c := newClient(t, m)
	for _, path := range []string{"/", "/track"} {
		page := c.get(path)
		total := len(page.Body)
		for _, ref := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(page.Body, -1) {
			r := c.get(ref[1])
			if r.Status != 200 {
				t.Errorf("%s: %d", ref[1], r.Status)
			}
			if !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("%s is not cached long", ref[1])
			}
			total += len(r.Body)
		}
		if regexp.MustCompile(`(?:href|src)="https?://`).MatchString(page.Body) {
			t.Errorf("%s loads from another site", path)
		}
		t.Logf("%s first load: %d bytes", path, total)
		if total > 100<<10 {
			t.Errorf("%s weighs %d bytes, want under 100 KB", path, total)
		}
	}
}
