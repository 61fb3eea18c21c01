package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"nivaran/internal/bench"
	"nivaran/internal/config"
)

// benchServer is the server nivaran bench measures: in this process
// ("self") or the same binary run as a child process ("child"), so that
// memory figures are the server's alone.
type benchServer struct {
	mode string // "child" or "self"
	base string // http://127.0.0.1:port
	// memory samples the server's memory (the whole process's for self).
	memory func() bench.Memory
	// subscribers counts the event streams the server holds open; nil for
	// a child, whose walls are counted from the client side.
	subscribers func() int
	close       func() error
}

// benchServerEnv is the server's configuration: rate limits off (one client
// files thousands of complaints a second), SMS through the log gateway,
// only errors logged.
func benchServerEnv(password string) map[string]string {
	return map[string]string{"NIVARAN_ADMIN_PASSWORD": password, "NIVARAN_RATE_LIMITS": "off", "NIVARAN_LOG_LEVEL": "error"}
}

// startSelfServer runs Main in this process on data.
func startSelfServer(ctx context.Context, data, password string) (*benchServer, error) {
	env := benchServerEnv(password)
	c, err := config.Load([]string{"--addr", "127.0.0.1:0", "--data", data}, func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	m := NewMain()
	m.Config, m.Out = c, io.Discard
	if err := m.Run(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return &benchServer{mode: "self", base: "http://" + m.Addr(), memory: bench.ReadMemory,
		subscribers: m.Bus.Subscribers, close: m.Close}, nil
}

// startChildServer runs bin (this program by default) as a server on data
// with the GC trace on, so that its live heap can be followed, and waits
// until it is ready. Its log (errors only) is kept for the error message
// should it stop.
func startChildServer(ctx context.Context, bin, data, password string) (*benchServer, error) {
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("bench: the server's binary: %w", err)
		}
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--data", data)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir(), "GODEBUG=gctrace=1"}
	for k, v := range benchServerEnv(password) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if v := os.Getenv("GOMAXPROCS"); v != "" {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+v)
	}
	log := &tailBuffer{max: 16 << 10}
	gc := &bench.GCTrace{Out: log}
	cmd.Stderr = gc
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the server: %w", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	stop := func() error {
		select {
		case <-exited:
			return nil
		default:
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			return nil
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
			return errors.New("bench: the server did not stop within 30 s of SIGTERM")
		}
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Nivaran is serving on "); ok {
				select {
				case addr <- strings.Fields(rest)[0]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	s := &benchServer{mode: "child", close: stop,
		memory: func() bench.Memory { return bench.ReadMemoryOf(cmd.Process.Pid, gc) }}
	select {
	case s.base = <-addr:
	case <-exited:
		return nil, fmt.Errorf("bench: the server exited at start-up: %v\n%s", waitErr, log)
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	case <-time.After(time.Minute):
		stop()
		return nil, fmt.Errorf("bench: the server did not start within a minute\n%s", log)
	}
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Since(start) > 30*time.Second || ctx.Err() != nil {
			stop()
			return nil, fmt.Errorf("bench: the server was not ready after 30 s: %v\n%s", err, log)
		}
	}
}

// startBenchServer starts the server o asks for on a data directory under
// dir.
func startBenchServer(ctx context.Context, o benchOptions, dir, password string) (*benchServer, error) {
	data := filepath.Join(dir, "server")
	if o.server == "self" {
		return startSelfServer(ctx, data, password)
	}
	return startChildServer(ctx, o.serverBin, data, password)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// connected returns how many of the walls' event streams are open: the
// server's own count when it runs here, otherwise the streams the server
// has not ended, seen from the client.
func (s *benchServer) connected(ws *bench.Walls) int {
	if s.subscribers != nil {
		return s.subscribers()
	}
	return ws.Open()
}
