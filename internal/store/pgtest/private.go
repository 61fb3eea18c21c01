package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// Private is a PostgreSQL server of the test's own, in a temporary
// directory on a free port, for tests that stop and start the database:
// the machine's shared server is never touched.
type Private struct {
	t    testing.TB
	bin  string // directory of initdb, pg_ctl
	dir  string // the cluster
	port int
	as   []string // command prefix: run as the postgres user when root
}

// Binaries finds the PostgreSQL server programs (initdb, pg_ctl): under
// NIVARAN_TEST_PG_BIN, or Debian's /usr/lib/postgresql/<version>/bin.
func Binaries() string {
	if d := os.Getenv("NIVARAN_TEST_PG_BIN"); d != "" {
		return d
	}
	for _, v := range []string{"18", "17", "16", "15", "14", "13"} {
		d := "/usr/lib/postgresql/" + v + "/bin"
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

// StartPrivate initialises and starts a private server, stopped at the end
// of the test. Without the server programs the test skips (outside CI).
func StartPrivate(t testing.TB) *Private {
	t.Helper()
	bin := Binaries()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no PostgreSQL server programs (initdb, pg_ctl): install postgresql or set NIVARAN_TEST_PG_BIN")
		}
		t.Skip("no PostgreSQL server programs (initdb, pg_ctl): install postgresql or set NIVARAN_TEST_PG_BIN to run this test")
	}
	dir, err := os.MkdirTemp("", "nivaran-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := &Private{t: t, bin: bin, dir: filepath.Join(dir, "data"), port: freePort(t)}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user to run a private PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		p.as = []string{"runuser", "-u", "postgres", "--"}
	}
	p.run(filepath.Join(bin, "initdb"), "-D", p.dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	p.Start()
	t.Cleanup(func() { p.ctl("stop", "-m", "immediate") })
	return p
}

// URL is the address of the server's postgres database.
func (p *Private) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// Start starts the server and waits until it accepts connections.
func (p *Private) Start() {
	p.t.Helper()
	p.ctl("start", "-w", "-t", "60", "-l", filepath.Join(filepath.Dir(p.dir), "log"),
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", p.port, filepath.Dir(p.dir)))
}

// Kill stops the server at once, as a crash would (no checkpoint; recovery
// from the WAL on the next start).
func (p *Private) Kill() {
	p.t.Helper()
	p.ctl("stop", "-m", "immediate", "-w")
}

func (p *Private) ctl(args ...string) {
	p.t.Helper()
	p.run(filepath.Join(p.bin, "pg_ctl"), append([]string{"-D", p.dir}, args...)...)
}

func (p *Private) run(name string, args ...string) {
	p.t.Helper()
	argv := append(append(append([]string{}, p.as...), name), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(filepath.Dir(p.dir), "log"))
		p.t.Fatalf("%s: %v\n%s\n%s", filepath.Base(name), err, out, log)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
