package telephony

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// needTool skips the test when a Debian package's program is missing,
// except under CI=true, where .ci/run installs it and the test must run.
func needTool(t testing.TB, prog, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: .ci/run installs %s", prog, pkg)
		}
		t.Skipf("%s not installed (Debian package %s): skipping the real-peer test; CI installs it", prog, pkg)
	}
	return p
}

// freePort returns a port free on loopback now for UDP and TCP (and, for
// baresip, the next one too: its SIP/TLS transport binds TCP there). It
// draws from below the kernel's ephemeral range (32768 and up on Linux),
// which the machine's own outgoing connections (PostgreSQL, HTTP, other
// tests) take from at any moment: a port found free there can be gone
// before baresip binds it ("Address already in use"). Ports 20000-31999
// hold the tests' RTP ranges, so the draw is from 10000-19999.
func freePort(t testing.TB, pair bool) int {
	t.Helper()
	free := func(port int) bool {
		c, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", itoa(port)))
		if err != nil {
			return false
		}
		c.Close()
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
		if err != nil {
			return false
		}
		l.Close()
		return true
	}
	for range 200 {
		port := 10000 + rand.IntN(10000-1)
		if free(port) && (!pair || free(port+1)) {
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// peer is a real SIP peer process (sipp, baresip) stopped by its PID at
// the end of the test.
type peer struct {
	cmd  *exec.Cmd
	out  lockedBuffer
	done chan error
}

// lockedBuffer is the output of a peer process: written by the goroutine
// that copies the process's output, read by the test while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startPeer(t testing.TB, timeout time.Duration, dir, prog string, args ...string) *peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	p := &peer{done: make(chan error, 1)}
	p.cmd = exec.CommandContext(ctx, prog, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.cmd.Cancel = func() error { return syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) }
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("%s: %v", prog, err)
	}
	go func() { p.done <- p.cmd.Wait(); cancel() }()
	t.Cleanup(func() { p.stop() })
	return p
}

func (p *peer) stop() {
	select {
	case <-p.done:
		p.done <- nil
		return
	default:
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(3 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		err := <-p.done
		p.done <- err
	}
}

// wait returns the process's exit error.
func (p *peer) wait() error {
	err := <-p.done
	p.done <- err
	return err
}

// pcapPackets counts the packets in a pcap file (sipp's audio).
func pcapPackets(path string) int {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 24 {
		return 0
	}
	n := 0
	for p := 24; p+16 <= len(b); n++ {
		p += 16 + int(binary.LittleEndian.Uint32(b[p+8:]))
	}
	return n
}

// scenario returns the absolute path of a sipp scenario in testdata.
func scenario(t testing.TB, name string) string {
	p, err := filepath.Abs(filepath.Join("testdata", "sipp", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
