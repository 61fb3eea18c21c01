package notify

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"nivaran/internal/grievance"
)

const (
	bearerbox = "/usr/sbin/bearerbox"
	smsbox    = "/usr/sbin/smsbox"
	fakesmsc  = "/usr/lib/kannel/test/fakesmsc"
)

// kannelConf is the configuration of the SMS recipe, with free ports.
const kannelConf = `group = core
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

func freePort(t *testing.T) string {
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
func startProc(t *testing.T, dir, name string, args ...string) (*exec.Cmd, <-chan struct{}) {
	t.Helper()
	out, err := os.OpenFile(filepath.Join(dir, filepath.Base(name)+".out"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		t.Fatalf("start %s: %v", name, err)
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
	return cmd, exited
}

// waitFor polls cond every 100 ms until it holds or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func httpGet(u string) (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// fakesmscLine is a message fakesmsc printed: "Got message N: <from to
// type [udh-bytes coding] payload>", the bytes URL-encoded.
var fakesmscLine = regexp.MustCompile(`Got message \d+: <([^>]*)>`)

type smscPart struct {
	from, to, typ string
	udh, payload  []byte
}

func fakeSMSCParts(t *testing.T, out string) []smscPart {
	t.Helper()
	var parts []smscPart
	for _, m := range fakesmscLine.FindAllStringSubmatch(out, -1) {
		f := strings.Fields(m[1])
		if len(f) < 4 {
			t.Fatalf("fakesmsc line %q", m[0])
		}
		p := smscPart{from: f[0], to: f[1], typ: f[2]}
		dec := func(s string) []byte {
			b, err := url.QueryUnescape(s)
			if err != nil {
				t.Fatalf("fakesmsc payload %q: %v", s, err)
			}
			return []byte(b)
		}
		if p.typ == "udh" && len(f) == 6 { // udh UDH coding payload
			p.udh, p.typ = dec(f[3]), f[4]
		}
		p.payload = dec(f[len(f)-1])
		parts = append(parts, p)
	}
	return parts
}

// utf16BE decodes raw big-endian UTF-16, as a UCS-2 SMS carries it.
func utf16BE(t *testing.T, raw []byte) string {
	t.Helper()
	if len(raw)%2 != 0 {
		t.Fatalf("UCS-2 payload of odd length %d", len(raw))
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
	}
	return string(utf16.Decode(u))
}

// TestKannel sends a Hindi message through a real Kannel (bearerbox, smsbox
// and the fake SMSC) and follows its delivery reports back to the outbox.
func TestKannel(t *testing.T) {
	for _, bin := range []string{bearerbox, smsbox, fakesmsc} {
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing in CI: %v", bin, err)
			}
			t.Skip("kannel not installed: apt-get install kannel kannel-extras")
		}
	}
	if testing.Short() {
		t.Skip("starts Kannel")
	}
	dir := t.TempDir()
	admin, box, smsc, sendsms := freePort(t), freePort(t), freePort(t), freePort(t)
	conf := strings.NewReplacer("{{admin}}", admin, "{{box}}", box, "{{smsc}}", smsc, "{{sendsms}}", sendsms, "{{dir}}", dir).Replace(kannelConf)
	confPath := filepath.Join(dir, "kannel.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	dumpLogs := func() {
		if !t.Failed() {
			return
		}
		for _, f := range []string{"bearerbox.out", "smsbox.out", "fakesmsc.out", "bearerbox.log", "smsbox.log", "access.log"} {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			t.Logf("--- %s\n%s", f, b)
		}
	}
	t.Cleanup(dumpLogs)

	status := "http://127.0.0.1:" + admin + "/status.txt?password=ci-status"
	startProc(t, dir, bearerbox, "-v", "1", confPath)
	waitFor(t, "bearerbox status", 20*time.Second, func() bool { code, _ := httpGet(status); return code == 200 })

	// fakesmsc exits at once when bearerbox's SMSC port is not listening yet.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, exited := startProc(t, dir, fakesmsc, "-H", "127.0.0.1", "-r", smsc, "-m", "0", "100 200 text nop")
		select {
		case <-exited:
			if time.Now().After(deadline) {
				t.Fatal("fakesmsc keeps exiting")
			}
			continue
		case <-time.After(700 * time.Millisecond):
		}
		break
	}
	startProc(t, dir, smsbox, "-v", "1", confPath)
	waitFor(t, "fake SMSC and smsbox online", 20*time.Second, func() bool {
		_, body := httpGet(status)
		return regexp.MustCompile(`fake1\S*\s+FAKE:\d+ \(online`).MatchString(body) && strings.Contains(body, "(on-line")
	})

	// The message as the planner renders it: Hindi, two SMS parts.
	p, m := MustPlanner(t), testMasters()
	c := &grievance.Complaint{ID: 1, Number: "26031234567", Mobile: "9876543210", Language: grievance.Hindi,
		Category: "pothole", Area: "sadar", Department: "pwd", Due: time.Now().Add(72 * time.Hour)}
	planned, err := p.Plan(c, grievance.Event{Kind: grievance.ActFile, At: time.Now()}, nil, m)
	if err != nil || len(planned) != 1 {
		t.Fatalf("Plan = %v, %v", planned, err)
	}
	msg := planned[0]
	t.Logf("sending %q (%d units, %d parts)", msg.Text, UTF16Units(msg.Text), Parts(msg.Text))
	ob := newMemOutbox()
	id := ob.add(msg)

	srv := httptest.NewUnstartedServer(nil)
	signer, err := NewSigner("http://"+srv.Listener.Addr().String(), []byte("kannel-test-secret-0123"))
	if err != nil {
		t.Fatal(err)
	}
	gw := &KannelGateway{URL: "http://127.0.0.1:" + sendsms, Username: "nivaran", Password: "ci-secret",
		PETLV: "dlt_pe_id", TemplateTLV: "dlt_template_id"}
	d := MustDispatcher(t, ob, gw, DispatcherOptions{Gateway: "kannel", Signer: signer,
		EntityID: p.Catalogue().EntityID, Header: p.Catalogue().Header})
	srv.Config.Handler = DLRHandler(d)
	srv.Start()
	defer srv.Close()

	if n, err := d.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if s := ob.get(id).Status; s != grievance.MsgSent {
		t.Fatalf("status after send = %s, want sent", s)
	}

	var got []smscPart
	waitFor(t, "fakesmsc to print the message", 20*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "fakesmsc.out"))
		got = fakeSMSCParts(t, string(b))
		return len(got) >= Parts(msg.Text)
	})
	if len(got) != Parts(msg.Text) {
		t.Errorf("fakesmsc got %d parts, want %d", len(got), Parts(msg.Text))
	}
	var raw []byte
	for i, g := range got {
		if g.from != "GRVCEL" || g.to != "919876543210" {
			t.Errorf("part %d from %s to %s, want GRVCEL to 919876543210", i, g.from, g.to)
		}
		// A concatenated part carries UDH 05 00 03 ref total seq.
		if len(got) > 1 && (len(g.udh) != 6 || int(g.udh[4]) != len(got) || int(g.udh[5]) != i+1) {
			t.Errorf("part %d UDH % x, want part %d of %d", i, g.udh, i+1, len(got))
		}
		if len(got) == 1 && g.typ != "ucs-2" {
			t.Errorf("coding %s, want ucs-2", g.typ)
		}
		raw = append(raw, g.payload...)
	}
	if text := utf16BE(t, raw); text != msg.Text {
		t.Errorf("fakesmsc got text\n%q\nwant\n%q", text, msg.Text)
	}
	waitFor(t, "the delivery report", 20*time.Second, func() bool { return ob.get(id).Status == grievance.MsgDelivered })
}
