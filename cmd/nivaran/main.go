// Command nivaran runs the Integrated Control Room for public grievances:
// with no arguments it serves every surface on one machine with an embedded
// SQLite database; subcommands manage the masters and users.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "nivaran:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "masters":
			return mastersCmd(ctx, args[1:])
		case "user":
			return userCmd(ctx, args[1:])
		case "demo":
			return demoCmd(ctx, args[1:])
		case "backup":
			return backupCmd(ctx, args[1:], os.Stdout)
		case "migrate-to":
			return migrateToCmd(ctx, args[1:], os.Stdout)
		case "bench":
			return benchCmd(ctx, args[1:])
		case "help", "-h", "--help":
			fmt.Print(usage)
			return nil
		}
	}
	m := NewMain()
	if err := m.ParseFlags(args); err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	return m.Close()
}

const usage = `nivaran — Integrated Control Room for public grievances

  nivaran [--addr :8080] [--data ./nivaran-data]
        serve everything (citizen portal, officer console, control room, API)
  nivaran masters export [--format json|csv] [--data DIR] [FILE]
        write the district's masters (departments, categories, areas, officers, …)
  nivaran masters import [--format json|csv] [--data DIR] FILE
        replace the masters; the whole file is checked first and nothing changes if a row is wrong
  nivaran demo [--complaints 10000] [--days 180] [--data DIR]
        fill the data directory with synthetic complaints (demonstration, measurement)
  nivaran bench [--quick] [--duration 5s] [--json FILE] [--sustain 5m] [--server child|self]
        measure intake, ceilings, tracking reads, live-wall fan-out and memory
        on a server of its own (temporary data directory; by default a child
        process, so that memory figures are the server's alone)
  nivaran user password [--data DIR] LOGIN
        set a user's password (read from NIVARAN_NEW_PASSWORD or standard input)
  nivaran backup [--data DIR] FILE
        copy the SQLite database to FILE while the server goes on serving
  nivaran migrate-to --database postgres://… [--data DIR]
        copy the SQLite installation into an empty PostgreSQL database, verifying every table

Configuration comes from NIVARAN_* environment variables: see the README.
`
