// Package kanneltest runs a real Kannel — bearerbox, smsbox and the fake
// SMSC that prints every message it receives — on free loopback ports in a
// temporary directory, for tests only. It follows the SMS recipe: Debian's
// kannel and kannel-extras packages provide the programs.
package kanneltest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"
)

// The programs Kannel needs.
const (
	Bearerbox = "/usr/sbin/bearerbox"
	Smsbox    = "/usr/sbin/smsbox"
	FakeSMSC  = "/usr/lib/kannel/test/fakesmsc"
)

// The sendsms account and sender of the configuration.
const (
	Username = "nivaran"
	Password = "ci-secret"
	Sender   = "GRVCEL"
)

// conf is the configuration of the SMS recipe, with free ports.
const conf = `group = core
admin-port = {{admin}}
admin-interface = "127.0.0.1"
admin-password = ci-admin
status-password = ci-status
admin-allow-ip = "127.0.0.1"
smsbox-port = {{box}}
smsbox-interface = "127.0.0.1"
box-allow-ip = "127.0.0.1"
dlr-storage = internal
log-file = "{{dir}}/bearerbox.log"
access-log = "{{dir}}/access.log"

group = smsc
smsc = fake
smsc-id = fake1
allowed-smsc-id = fake1
port = {{smsc}}
our-host = "127.0.0.1"
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {{box}}
sendsms-port = {{sendsms}}
sendsms-interface = "127.0.0.1"
global-sender = "GRVCEL"
log-file = "{{dir}}/smsbox.log"

group = sendsms-user
username = nivaran
password = ci-secret
user-allow-ip = "127.0.0.1"
default-smsc = fake1
max-messages = 6
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
text = ""
`

// Missing returns an error naming the first Kannel program that is not
// installed, or nil when all are.
func Missing() error {
	for _, bin := range []string{Bearerbox, Smsbox, FakeSMSC} {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("kanneltest: %w (apt-get install kannel kannel-extras)", err)
		}
	}
	return nil
}

// Kannel is a running Kannel.
type Kannel struct {
	Dir string // configuration, logs and fakesmsc.out
	URL string // smsbox's sendsms base URL, e.g. http://127.0.0.1:40123
}

// Start starts bearerbox, the fake SMSC and smsbox, waits until all are
// online and stops them by PID when the test ends; on a failed test it logs
// their output. It fails the test when Kannel does not come up; check
// Missing first to skip where Kannel is not installed.
func Start(t testing.TB) *Kannel {
	t.Helper()
	dir := t.TempDir()
	admin, box, smsc, sendsms := FreePort(t), FreePort(t), FreePort(t), FreePort(t)
	text := strings.NewReplacer("{{admin}}", admin, "{{box}}", box, "{{smsc}}", smsc, "{{sendsms}}", sendsms, "{{dir}}", dir).Replace(conf)
	confPath := filepath.Join(dir, "kannel.conf")
	if err := os.WriteFile(confPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, f := range []string{"bearerbox.out", "smsbox.out", "fakesmsc.out", "bearerbox.log", "smsbox.log", "access.log"} {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			t.Logf("--- kannel %s\n%s", f, b)
		}
	})

	status := "http://127.0.0.1:" + admin + "/status.txt?password=ci-status"
	startProc(t, dir, Bearerbox, "-v", "1", confPath)
	WaitFor(t, "bearerbox status", 45*time.Second, func() bool { code, _ := get(status); return code == 200 })

	// fakesmsc exits at once when bearerbox's SMSC port is not listening yet.
	deadline := time.Now().Add(45 * time.Second)
	for {
		exited := startProc(t, dir, FakeSMSC, "-H", "127.0.0.1", "-r", smsc, "-m", "0", "100 200 text nop")
		select {
		case <-exited:
			if time.Now().After(deadline) {
				t.Fatal("kanneltest: fakesmsc keeps exiting")
			}
			continue
		case <-time.After(700 * time.Millisecond):
		}
		break
	}
	startProc(t, dir, Smsbox, "-v", "1", confPath)
	online := regexp.MustCompile(`fake1\S*\s+FAKE:\d+ \(online`)
	WaitFor(t, "fake SMSC and smsbox online", 45*time.Second, func() bool {
		_, body := get(status)
		return online.MatchString(body) && strings.Contains(body, "(on-line")
	})
	return &Kannel{Dir: dir, URL: "http://127.0.0.1:" + sendsms}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// startProc starts a process with its output in dir/name.out and stops it
// by PID when the test ends. The returned channel closes when it exits.
func startProc(t testing.TB, dir, name string, args ...string) <-chan struct{} {
	t.Helper()
	out, err := os.OpenFile(filepath.Join(dir, filepath.Base(name)+".out"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		t.Fatalf("kanneltest: start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); out.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	return exited
}

// WaitFor polls cond every 100 ms until it holds, and fails the test when
// timeout passes first.
func WaitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func get(u string) (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Part is one SMS the fake SMSC received: a whole message or one part of a
// concatenated one.
type Part struct {
	From, To string
	Coding   string // "text", "data" or "ucs-2"
	UDH      []byte // user data header; 05 00 03 ref total seq for a concatenated part
	Payload  []byte // as sent: UTF-16BE for ucs-2
}

// fakesmscLine is a message fakesmsc printed: "Got message N: <from to
// type [udh-bytes coding] payload>", the bytes URL-encoded.
var fakesmscLine = regexp.MustCompile(`Got message \d+: <([^>]*)>`)

// Parts returns every part the fake SMSC has received so far, in order.
func (k *Kannel) Parts(t testing.TB) []Part {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(k.Dir, "fakesmsc.out"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var parts []Part
	for _, m := range fakesmscLine.FindAllStringSubmatch(string(b), -1) {
		f := strings.Fields(m[1])
		if len(f) < 4 {
			t.Fatalf("kanneltest: fakesmsc line %q", m[0])
		}
		dec := func(s string) []byte {
			v, err := url.QueryUnescape(s)
			if err != nil {
				t.Fatalf("kanneltest: fakesmsc payload %q: %v", s, err)
			}
			return []byte(v)
		}
		p := Part{From: f[0], To: f[1], Coding: f[2]}
		if p.Coding == "udh" && len(f) == 6 { // udh UDH coding payload
			p.UDH, p.Coding = dec(f[3]), f[4]
		}
		p.Payload = dec(f[len(f)-1])
		parts = append(parts, p)
	}
	return parts
}

// SMS is a message the fake SMSC received, its parts joined.
type SMS struct {
	From, To string
	// Coding is fakesmsc's: "text", "ucs-2", or "data", which is all it
	// says of the parts of a concatenated message, whatever their coding.
	Coding string
	Raw    []byte // the payloads of the parts, joined
	Text   string // Raw decoded from UTF-16BE when Coding is ucs-2; else Raw as it is
	Parts  int
}

// UCS2 returns Raw decoded from UTF-16BE, as a UCS-2 SMS carries it,
// whatever fakesmsc called its coding.
func (m SMS) UCS2() (string, error) { return UTF16BE(m.Raw) }

// Messages returns the messages the fake SMSC has received so far, in the
// order of their first parts; a concatenated message whose parts have not
// all arrived yet is left out.
func (k *Kannel) Messages(t testing.TB) []SMS {
	t.Helper()
	type msg struct {
		first int // index of the first part
		parts []Part
		total int
	}
	var msgs []*msg
	open := map[string]*msg{} // concatenated messages by sender, recipient and reference
	for i, p := range k.Parts(t) {
		if len(p.UDH) != 6 || p.UDH[0] != 5 || p.UDH[1] != 0 || p.UDH[2] != 3 {
			msgs = append(msgs, &msg{first: i, parts: []Part{p}, total: 1})
			continue
		}
		key := fmt.Sprintf("%s|%s|%d", p.From, p.To, p.UDH[3])
		m := open[key]
		if m == nil {
			m = &msg{first: i, total: int(p.UDH[4])}
			open[key] = m
			msgs = append(msgs, m)
		}
		m.parts = append(m.parts, p)
		if len(m.parts) == m.total {
			delete(open, key) // the reference may be used again
		}
	}
	var out []SMS
	for _, m := range msgs {
		if len(m.parts) != m.total {
			continue
		}
		sort.SliceStable(m.parts, func(a, b int) bool { return len(m.parts[a].UDH) == 6 && m.parts[a].UDH[5] < m.parts[b].UDH[5] })
		var raw []byte
		for _, p := range m.parts {
			raw = append(raw, p.Payload...)
		}
		p := m.parts[0]
		text := string(raw)
		if p.Coding == "ucs-2" {
			s, err := UTF16BE(raw)
			if err != nil {
				t.Fatal(err)
			}
			text = s
		}
		out = append(out, SMS{From: p.From, To: p.To, Coding: p.Coding, Raw: raw, Text: text, Parts: len(m.parts)})
	}
	return out
}

// UTF16BE decodes raw big-endian UTF-16, as a UCS-2 SMS carries it.
func UTF16BE(raw []byte) (string, error) {
	if len(raw)%2 != 0 {
		return "", fmt.Errorf("kanneltest: UCS-2 payload of odd length %d", len(raw))
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
	}
	return string(utf16.Decode(u)), nil
}
