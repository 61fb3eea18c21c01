package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"nivaran/internal/blob"
	"nivaran/internal/grievance"
	"nivaran/internal/store/pgtest"
	"nivaran/internal/store/storetest"
)

// MustOpenPostgres opens a store on a new PostgreSQL database (see
// pgtest), with the suite's messenger and a blob directory.
func MustOpenPostgres(t testing.TB, url string, now func() time.Time) *Store {
	t.Helper()
	blobs, err := blob.NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Options{
		DatabaseURL: url, Now: now, Blobs: blobs, Messenger: storetest.Messenger{},
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformancePostgres(t *testing.T) {
	open := emptyPostgres(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) storetest.Harness { return open(t, now) })
}

// TestHelplineConformancePostgres runs the helpline's conformance suite on
// PostgreSQL as TestHelplineConformance does on SQLite.
func TestHelplineConformancePostgres(t *testing.T) {
	open := emptyPostgres(t)
	storetest.RunHelpline(t, func(t *testing.T, now func() time.Time) storetest.HelplineHarness { return open(t, now) })
}

// emptyPostgres skips t without PostgreSQL, else returns what opens a
// store on one database for the whole suite, emptied before each case (a
// new database per case costs a second each here).
func emptyPostgres(t *testing.T) func(*testing.T, func() time.Time) *Store {
	if pgtest.ServerURL() == "" {
		t.Skip("no PostgreSQL: set NIVARAN_TEST_POSTGRES=postgres://user@host:port/db to run the conformance suite on PostgreSQL")
	}
	url := pgtest.MustDatabase(t)
	empty := "TRUNCATE " + strings.Join(copyTables, ", ") + " RESTART IDENTITY CASCADE"
	return func(t *testing.T, now func() time.Time) *Store {
		s := MustOpenPostgres(t, url, now)
		if _, err := s.wdb.ExecContext(context.Background(), empty); err != nil {
			t.Fatal(err)
		}
		m, err := loadMasters(context.Background(), s.rdb) // as a new store on an empty database
		if err != nil {
			t.Fatal(err)
		}
		s.setMasters(m)
		return s
	}
}

// TestTextSearchWindow: on PostgreSQL a text search looks among the newest
// complaints first and then through the index; either way every match is
// found once, newest first, across pages.
func TestTextSearchWindow(t *testing.T) {
	s := MustOpenPostgres(t, pgtest.MustDatabase(t), time.Now)
	mustFixture(t, s)
	defer func(w int) { textWindow = w }(textWindow)
	textWindow = 3
	ctx := context.Background()
	var want []string
	for i := range 12 {
		in := sample()
		in.Photos = nil
		if i%3 == 0 {
			in.Description = "पुराना किसान मामला"
		}
		c, err := s.File(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			want = append([]string{c.Number}, want...)
		}
	}
	for _, limit := range []int{1, 2, 3, 50} {
		var got []string
		f := grievance.ComplaintFilter{Text: "किसान", Limit: limit}
		for {
			p, err := s.Search(ctx, grievance.SystemActor, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Complaints {
				got = append(got, c.Number)
			}
			if p.Next == "" {
				break
			}
			f.Cursor = p.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages of %d: %v, want %v", limit, got, want)
		}
	}
}
