// Package pgtest gives tests a PostgreSQL database of their own: a new,
// uniquely named database on the server NIVARAN_TEST_POSTGRES names (with
// CI=true, postgres://postgres@127.0.0.1:5432/postgres when unset), dropped
// when the test ends. Without a server outside CI the test skips.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
)

// ServerURL is the PostgreSQL server the tests use, "" when none is
// configured.
func ServerURL() string {
	if u := os.Getenv("NIVARAN_TEST_POSTGRES"); u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		return "postgres://postgres@127.0.0.1:5432/postgres"
	}
	return ""
}

// MustDatabase creates an empty database and returns its URL; it is
// dropped at the end of the test (its connections are ended first).
func MustDatabase(t testing.TB) string {
	t.Helper()
	server := ServerURL()
	if server == "" {
		t.Skip("no PostgreSQL: set NIVARAN_TEST_POSTGRES=postgres://user@host:port/db (a role that may CREATE DATABASE) to run this test")
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("NIVARAN_TEST_POSTGRES: %v", err)
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("NIVARAN_TEST_POSTGRES: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		t.Fatalf("PostgreSQL at NIVARAN_TEST_POSTGRES does not answer: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "nivaran_test_" + hex.EncodeToString(b[:])
	// C.UTF-8 sorts by code point, as SQLite does.
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"); err != nil {
		if _, err2 := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"); err2 != nil {
			admin.Close()
			t.Fatalf("create database: %v; %v", err, err2)
		}
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
