package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"nivaran/internal/auth"
	"nivaran/internal/config"
	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
	"nivaran/internal/masters"
	"nivaran/internal/store"
)

// openStore opens the database of the data directory for a command.
func openStore(ctx context.Context, data string) (*store.Store, config.Config, error) {
	c, err := config.Load([]string{"--data", data}, os.Getenv)
	if err != nil {
		return nil, c, err
	}
	if _, err := os.Stat(c.Data); err != nil {
		return nil, c, fmt.Errorf("data directory %s: %w (run nivaran once first)", c.Data, err)
	}
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(c.Data, "nivaran.db"), DatabaseURL: c.Database, Location: c.Location})
	return st, c, err
}

func defaultData() string {
	if d := os.Getenv("NIVARAN_DATA"); d != "" {
		return d
	}
	return config.Default().Data
}

func mastersCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "import") {
		return errors.New("usage: nivaran masters export|import [--format json|csv] [--data DIR] [FILE]")
	}
	fs := flag.NewFlagSet("masters "+args[0], flag.ContinueOnError)
	format := fs.String("format", "", "json or csv (default: from the file name, else json)")
	data := fs.String("data", defaultData(), "data directory")
	lang := fs.String("lang", "en", "language of error messages: hi or en")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	file := fs.Arg(0)
	if *format == "" {
		*format = "json"
		if strings.HasSuffix(strings.ToLower(file), ".csv") {
			*format = "csv"
		}
	}
	if *format != "json" && *format != "csv" {
		return fmt.Errorf("--format: want json or csv, got %q", *format)
	}
	st, c, err := openStore(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "export" {
		m, err := st.Masters(ctx)
		if err != nil {
			return err
		}
		w := io.Writer(os.Stdout)
		if file != "" && file != "-" {
			f, err := os.Create(file)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		return masters.Export(w, m, *format)
	}
	if file == "" {
		return errors.New("usage: nivaran masters import [--format json|csv] FILE")
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := masters.Import(f, *format)
	if err != nil {
		var re *masters.RowError
		if errors.As(err, &re) {
			cat, cerr := i18n.Load()
			if cerr == nil {
				return errors.New(masters.Message(re, *lang, cat) + " — nothing was changed")
			}
		}
		return fmt.Errorf("%w — nothing was changed", err)
	}
	if err := st.ReplaceMasters(ctx, m); err != nil {
		return fmt.Errorf("%w — nothing was changed", err)
	}
	if err := ensureOfficerAccounts(ctx, st, c.DemoPassword); err != nil {
		return err
	}
	fmt.Printf("imported %d departments, %d categories, %d areas, %d officers\n",
		len(m.Departments), len(m.Categories), len(m.Areas), len(m.Officers))
	return nil
}

func userCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "password" {
		return errors.New("usage: nivaran user password [--data DIR] LOGIN")
	}
	fs := flag.NewFlagSet("user password", flag.ContinueOnError)
	data := fs.String("data", defaultData(), "data directory")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: nivaran user password [--data DIR] LOGIN")
	}
	pw := os.Getenv("NIVARAN_NEW_PASSWORD")
	if pw == "" {
		fmt.Fprint(os.Stderr, "new password: ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no password given (set NIVARAN_NEW_PASSWORD or type it)")
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if err := auth.CheckNewPassword(pw); err != nil {
		return errors.New("the password must have 10 to 128 characters")
	}
	st, _, err := openStore(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByLogin(ctx, fs.Arg(0))
	if grievance.ErrorCode(err) == grievance.ENotFound {
		return fmt.Errorf("no user %q", fs.Arg(0))
	} else if err != nil {
		return err
	}
	if err := st.SetPassword(ctx, u.ID, auth.HashPassword(pw, auth.DefaultParams), false); err != nil {
		return err
	}
	fmt.Printf("password set for %s\n", u.Login)
	return nil
}
