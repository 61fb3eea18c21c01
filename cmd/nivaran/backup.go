package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"nivaran/internal/store"
)

// backupCmd writes a consistent copy of the SQLite database of the data
// directory to a new file while the server goes on serving (SQLite's
// VACUUM INTO in a read transaction: writers are not stopped). PostgreSQL
// is backed up with its own tools (pg_dump), see the README.
func backupCmd(ctx context.Context, args []string, out io.Writer) error {
	const usage = "usage: nivaran backup [--data DIR] FILE"
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	data := fs.String("data", defaultData(), "data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New(usage)
	}
	if os.Getenv("NIVARAN_DATABASE_URL") != "" {
		return errors.New("NIVARAN_DATABASE_URL is set: back up PostgreSQL with pg_dump (see the README); this command backs up SQLite")
	}
	path := filepath.Join(*data, "nivaran.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database in %s: %w", *data, err)
	}
	target, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("%s exists: choose a new file", target)
	}
	st, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, target); err != nil {
		return err
	}
	fmt.Fprintf(out, "backed up to %s; keep it with a copy of %s and %s\n", target,
		filepath.Join(*data, "blobs"), filepath.Join(*data, "secret.key"))
	return nil
}
