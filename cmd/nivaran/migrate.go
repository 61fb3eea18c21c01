package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"nivaran/internal/store"
)

// migrateToCmd copies an installation's SQLite database (in the data
// directory) into an empty PostgreSQL database, checking every table's rows
// and checksum before it commits. Photos and the secret stay in the data
// directory, which the servers on PostgreSQL share.
func migrateToCmd(ctx context.Context, args []string, out io.Writer) error {
	const usage = "usage: nivaran migrate-to --database postgres://… [--data DIR]"
	fs := flag.NewFlagSet("migrate-to", flag.ContinueOnError)
	database := fs.String("database", os.Getenv("NIVARAN_DATABASE_URL"), "the PostgreSQL database to fill (empty)")
	data := fs.String("data", defaultData(), "data directory of the SQLite installation")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *database == "" {
		return errors.New(usage)
	}
	if !strings.HasPrefix(*database, "postgres://") && !strings.HasPrefix(*database, "postgresql://") {
		return errors.New("--database: want postgres://user:password@host:port/database")
	}
	path := filepath.Join(*data, "nivaran.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no SQLite database in %s: %w", *data, err)
	}
	src, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.Open(ctx, store.Options{DatabaseURL: *database})
	if err != nil {
		return err
	}
	defer dst.Close()
	tables, err := src.CopyTo(ctx, dst)
	if store.ErrTargetNotEmpty(err) {
		return fmt.Errorf("%w; nothing was copied", err)
	}
	fmt.Fprintf(out, "%-14s %10s  %s\n", "table", "rows", "checksum")
	for _, t := range tables {
		ok := "ok"
		if t.Rows != t.TargetRows || t.Sum != t.TargetSum {
			ok = fmt.Sprintf("MISMATCH: %d rows, %016x in PostgreSQL", t.TargetRows, t.TargetSum)
		}
		fmt.Fprintf(out, "%-14s %10d  %016x %s\n", t.Table, t.Rows, t.Sum, ok)
	}
	if err != nil {
		return fmt.Errorf("%w; nothing was copied", err)
	}
	fmt.Fprintf(out, "copied and verified. Start the servers with NIVARAN_DATABASE_URL set and NIVARAN_DATA=%s (photos and the secret key stay there; share it between servers).\n", *data)
	return nil
}
