package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMastersExportImport: the administrator exports the masters as CSV,
// edits them, and imports them; a file with one wrong row changes nothing
// and names the row.
func TestMastersExportImport(t *testing.T) {
	data := t.TempDir()
	m := MustRunMain(t, data, nil)
	m.Close() // the commands open the database themselves
	ctx := context.Background()
	t.Setenv("NIVARAN_LOG_LEVEL", "error")
	csv := filepath.Join(t.TempDir(), "masters.csv")
	if err := run(ctx, []string{"masters", "export", "--data", data, csv}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(csv)
	if err != nil || !strings.HasPrefix(string(b), "\ufeff") || !strings.Contains(string(b), "नगर निगम") {
		t.Fatalf("export: %v, %.200q", err, b)
	}
	// A new category, in both languages.
	edited := strings.Replace(string(b), "\ncategories,mun-garbage,", "\ncategories,mun-new,mun,नया प्रकार,New kind,3,,false,true\ncategories,mun-garbage,", 1)
	if edited == string(b) {
		t.Fatalf("could not find the garbage category row to edit in:\n%.1500s", b)
	}
	good := filepath.Join(t.TempDir(), "good.csv")
	os.WriteFile(good, []byte(edited), 0o600)
	if err := run(ctx, []string{"masters", "import", "--data", data, good}); err != nil {
		t.Fatalf("import: %v", err)
	}
	// One wrong row: nothing changes, the message names it.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte(strings.Replace(edited, "mun-new,mun,नया प्रकार,New kind,3", "mun-newer,mun,और नया,Newer,abc", 1)), 0o600)
	err = run(ctx, []string{"masters", "import", "--data", data, bad})
	if err == nil || !strings.Contains(err.Error(), "categories") || !strings.Contains(err.Error(), "resolution_days") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("bad import: %v", err)
	}
	m2 := MustRunMain(t, data, nil)
	ms, _ := m2.Store.Masters(ctx)
	if ms.Category("mun-new") == nil || ms.Category("mun-newer") != nil {
		t.Errorf("after imports: mun-new %v, mun-newer %v", ms.Category("mun-new") != nil, ms.Category("mun-newer") != nil)
	}
}

// TestUserPassword: an administrator sets an officer's password from the
// command line; it then works for signing in.
func TestUserPassword(t *testing.T) {
	data := t.TempDir()
	m := MustRunMain(t, data, map[string]string{"NIVARAN_DEMO_PASSWORD": ""})
	m.Close()
	t.Setenv("NIVARAN_NEW_PASSWORD", "a-new-long-password")
	if err := run(context.Background(), []string{"user", "password", "--data", data, "pwd-l2"}); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"user", "password", "--data", data, "nobody"}); err == nil {
		t.Error("unknown user accepted")
	}
	t.Setenv("NIVARAN_NEW_PASSWORD", "short")
	if err := run(context.Background(), []string{"user", "password", "--data", data, "pwd-l2"}); err == nil {
		t.Error("short password accepted")
	}
	m2 := MustRunMain(t, data, nil)
	newClient(t, m2).login("pwd-l2", "a-new-long-password")
}
