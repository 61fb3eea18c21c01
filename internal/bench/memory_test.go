package bench

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

// TestGCTraceHelper is the child process of TestMemoryOfAChild: it keeps
// 48 MiB live, collects twice, says so and waits for its standard input
// to close.
func TestGCTraceHelper(t *testing.T) {
	if os.Getenv("NIVARAN_BENCH_GC_HELPER") != "1" {
		t.Skip("the child of TestMemoryOfAChild")
	}
	keep := make([][]byte, 48)
	for i := range keep {
		keep[i] = make([]byte, 1<<20)
		for j := range keep[i] {
			keep[i][j] = byte(j)
		}
	}
	runtime.GC()
	runtime.GC()
	os.Stdout.WriteString("ready\n")
	bufio.NewReader(os.Stdin).ReadString('\n')
	runtime.KeepAlive(keep)
}

// TestMemoryOfAChild runs a Go process with its GC trace on, as nivaran
// bench runs the server, and reads its memory from outside: RSS from /proc
// and the live heap from the trace must show the 48 MiB it holds.
func TestMemoryOfAChild(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestGCTraceHelper$")
	cmd.Env = append(os.Environ(), "NIVARAN_BENCH_GC_HELPER=1", "GODEBUG=gctrace=1")
	gc := &GCTrace{}
	cmd.Stderr = gc
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	// The trace arrives on another pipe than "ready", and collections
	// during the allocation came before the forced ones: wait for the
	// latest to be read.
	const held = 48 << 20
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(10 * time.Millisecond) {
		if live, _ := gc.Live(); live >= held {
			break
		}
	}
	m := ReadMemoryOf(cmd.Process.Pid, gc)
	if gc.Collections() < 2 {
		t.Errorf("%d collections seen in the trace, want at least 2", gc.Collections())
	}
	if m.LiveHeapBytes < held || m.HeapGoalBytes < m.LiveHeapBytes {
		t.Errorf("live heap %d, goal %d; want at least %d live and a goal above it", m.LiveHeapBytes, m.HeapGoalBytes, held)
	}
	if m.RSSBytes < held || m.AnonBytes < held || m.AnonBytes > m.RSSBytes {
		t.Errorf("RSS %d, anonymous %d; want both at least %d, anonymous within RSS", m.RSSBytes, m.AnonBytes, held)
	}
	runtime.GC()
	self := ReadMemory()
	if self.RSSBytes <= 0 || self.LiveHeapBytes == 0 || self.HeapGoalBytes == 0 {
		t.Errorf("this process: %+v; want RSS, live heap and goal", self)
	}
}
