package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"nivaran/internal/blob"
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
	if pgtest.ServerURL() == "" {
		t.Skip("no PostgreSQL: set NIVARAN_TEST_POSTGRES=postgres://user@host:port/db to run the conformance suite on PostgreSQL")
	}
	storetest.Run(t, func(t *testing.T, now func() time.Time) storetest.Harness {
		return MustOpenPostgres(t, pgtest.MustDatabase(t), now)
	})
}
