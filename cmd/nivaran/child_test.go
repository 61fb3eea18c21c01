package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"nivaran/internal/store"
)

// The crash, signal and log tests run the real binary as a child process:
// only a separate process can be killed at a random moment.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// nivaranBinary builds ./cmd/nivaran once per test run and returns its path.
func nivaranBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "nivaran-bin-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "nivaran")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// TestMain removes the built binary after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// child is a nivaran server running as a child process.
type child struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer // the server's log
	exited chan struct{}
	err    error // Wait's answer, once exited is closed
}

// startChild runs the binary on a free loopback port with the data
// directory and env (added to the test defaults), and waits until it is
// ready.
func startChild(t testing.TB, bin, data string, env map[string]string) *child {
	t.Helper()
	vars := map[string]string{
		"NIVARAN_ADMIN_PASSWORD": testAdminPassword,
		"NIVARAN_RATE_LIMITS":    "off",
		"NIVARAN_LOG_LEVEL":      "error",
	}
	for k, v := range env {
		vars[k] = v
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--data", data)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() { c.kill() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Nivaran is serving on "); ok {
				addr <- strings.Fields(rest)[0]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case c.url = <-addr:
	case <-c.exited:
		t.Fatalf("nivaran exited at start-up: %v\n%s", c.err, c.stderr)
	case <-time.After(time.Minute):
		t.Fatalf("nivaran did not start within a minute\n%s", c.stderr)
	}
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get(c.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return c
			}
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("nivaran not ready after 30 s: %v\n%s", err, c.stderr)
		}
	}
}

// kill ends the child with SIGKILL (if it still runs) and waits for it.
func (c *child) kill() {
	select {
	case <-c.exited:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.exited
}

// waitExit waits up to limit for the child to exit and returns its error
// and how long it took; ok is false if it was still running.
func (c *child) waitExit(limit time.Duration) (err error, took time.Duration, ok bool) {
	start := time.Now()
	select {
	case <-c.exited:
		return c.err, time.Since(start), true
	case <-time.After(limit):
		return nil, time.Since(start), false
	}
}

// withStore opens the data directory's database (no server running) for
// checks.
func withStore(t testing.TB, data string, fn func(ctx context.Context, st *store.Store)) {
	t.Helper()
	ctx := context.Background()
	st, _, err := openStore(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(ctx, st)
}
