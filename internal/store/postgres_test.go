package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
		// As a new store on an empty database, in order with the
		// listener's own reload.
		if err := s.reloadMasters(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
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

// TestMastersReadYourWrites: on PostgreSQL every admin change is in this
// server's masters when the call returns, however its listener's reloads
// (woken by the change before) interleave with it; another server sees the
// last one soon after.
func TestMastersReadYourWrites(t *testing.T) {
	if pgtest.ServerURL() == "" {
		t.Skip("no PostgreSQL: set NIVARAN_TEST_POSTGRES=postgres://user@host:port/db to run PostgreSQL's tests")
	}
	url := pgtest.MustDatabase(t)
	// Every reload dawdles between reading the masters and installing
	// them, as on a loaded machine.
	mastersLoaded = func() { time.Sleep(5 * time.Millisecond) }
	t.Cleanup(func() { mastersLoaded = nil }) // after the stores close
	s := MustOpenPostgres(t, url, time.Now)
	other := MustOpenPostgres(t, url, time.Now)
	mustFixture(t, s)
	ctx := context.Background()
	admin := grievance.Actor{UserID: 1, Login: "admin", Roles: []grievance.Role{grievance.RoleAdmin}}
	m, _ := s.Masters(ctx)
	area := *m.Area("w1")
	name := func(m *grievance.Masters) string { return m.Area("w1").Name.En }
	for i := range 20 {
		// Two changes in quick succession: the listener's reload woken by
		// the first is under way while the second commits.
		for _, take := range []string{"a", "b"} {
			area.Name.En = fmt.Sprintf("Ward one, take %d%s", i, take)
			if err := s.AdminSaveArea(ctx, admin, area); err != nil {
				t.Fatal(err)
			}
			if m, _ := s.Masters(ctx); name(m) != area.Name.En {
				t.Fatalf("after rename %d%s this server's masters say %q", i, take, name(m))
			}
		}
		// Nor may a reload that began before it put the first back.
		for end := time.Now().Add(20 * time.Millisecond); time.Now().Before(end); time.Sleep(200 * time.Microsecond) {
			if m, _ := s.Masters(ctx); name(m) != area.Name.En {
				t.Fatalf("after rename %d this server's masters went back to %q", i, name(m))
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, _ := other.Masters(ctx)
		if name(m) == area.Name.En {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other server's masters still say %q, want %q", name(m), area.Name.En)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSearchWords: on PostgreSQL a query word is turned into the words of
// the index it begins (search_words); a complaint indexed later (at
// start-up, after migrate-to) gives its words too, a word that begins more
// than maxExpansion words is still found as a prefix, and a word that
// begins none finds nothing.
func TestSearchWords(t *testing.T) {
	s := MustOpenPostgres(t, pgtest.MustDatabase(t), time.Now)
	mustFixture(t, s)
	ctx := context.Background()
	file := func(desc string) string {
		in := sample()
		in.Photos, in.Description = nil, desc
		c, err := s.File(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return c.Number
	}
	find := func(q string) []string {
		var got []string
		f := grievance.ComplaintFilter{Text: q, Limit: 500}
		p, err := s.Search(ctx, grievance.SystemActor, f)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		for _, c := range p.Complaints {
			got = append(got, c.Number)
		}
		return got
	}
	// More words beginning with "झील" than a query is expanded into.
	var many []string
	for i := range maxExpansion + 5 {
		many = append([]string{file(fmt.Sprintf("झील%03d किनारे", i))}, many...)
	}
	if got := find("झील"); !slices.Equal(got, many) {
		t.Errorf("झील: %d found, want %d", len(got), len(many))
	}
	if got := find("झील000"); len(got) != 1 || got[0] != many[len(many)-1] {
		t.Errorf("झील000: %v, want %v", got, many[len(many)-1:])
	}
	if got := find("झील01 किनारे"); !slices.Equal(got, many[len(many)-20:len(many)-10]) {
		t.Errorf("झील01 किनारे: %v, want %v", got, many[len(many)-20:len(many)-10])
	}
	if got := find("झील2"); got != nil {
		t.Errorf("झील2: %v, want nothing", got)
	}
	// Indexed by the backlog, as after migrate-to: its words are added.
	late := file("तालाबघाट की सफ़ाई")
	if _, err := s.wdb.ExecContext(ctx, "UPDATE complaints SET search = NULL WHERE number = $1", late); err != nil {
		t.Fatal(err)
	}
	if _, err := s.wdb.ExecContext(ctx, "DELETE FROM search_words WHERE word LIKE 'तालाब%'"); err != nil {
		t.Fatal(err)
	}
	if got := find("तालाब"); got != nil {
		t.Fatalf("before indexing: %v", got)
	}
	s.knownWords.Clear() // as a new process's, after migrate-to
	if err := s.indexBacklog(ctx); err != nil {
		t.Fatal(err)
	}
	if got := find("तालाब किनारे"); got != nil {
		t.Errorf("तालाब किनारे: %v, want nothing", got)
	}
	if got := find("तालाब"); !slices.Equal(got, []string{late}) {
		t.Errorf("तालाब after indexing: %v, want %v", got, []string{late})
	}
}

// TestListenerReplay: a server whose listener lost its connection while a
// complaint was filed publishes that filing when it is back, rebuilt from
// the history with its event's ID, as the live event would have been.
func TestListenerReplay(t *testing.T) {
	url := pgtest.MustDatabase(t)
	got := make(chan grievance.Change, 64)
	blobs, err := blob.NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Options{DatabaseURL: url, Now: time.Now, Blobs: blobs,
		Messenger: storetest.Messenger{}, Publish: func(c grievance.Change) { got <- c }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustFixture(t, s)
	ctx := context.Background()
	file := func() *grievance.Complaint {
		in := sample()
		in.Photos = nil
		c, err := s.File(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	wait := func(number string) grievance.Change {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case c := <-got:
				if c.Number == number && c.Kind == grievance.ActFile {
					return c
				}
			case <-deadline:
				t.Fatalf("no live event for %s", number)
			}
		}
	}
	first := file()
	heard := wait(first.Number)
	hist, err := s.History(ctx, grievance.SystemActor, first.Number)
	if err != nil || heard.Seq != hist[0].ID {
		t.Fatalf("live event's Seq %d, want the filing's event %v (%v)", heard.Seq, hist, err)
	}

	broken, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	listenBroken = func() {
		once.Do(func() { close(broken) })
		<-resume
	}
	t.Cleanup(func() { listenBroken = nil })
	if _, err := s.wdb.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"); err != nil {
		t.Fatal(err)
	}
	<-broken
	missed := file() // nobody listens on this server now
	close(resume)
	c := wait(missed.Number)
	hist, err = s.History(ctx, grievance.SystemActor, missed.Number)
	if err != nil || c.Seq != hist[0].ID || c.Status != missed.Status || c.Area != missed.Area || c.Department != missed.Department {
		t.Fatalf("replayed %+v; want the filing of %+v (event %v, %v)", c, missed, hist, err)
	}
}
