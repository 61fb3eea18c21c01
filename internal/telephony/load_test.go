package telephony

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"nivaran/internal/bench"
	"nivaran/internal/grievance"
)

// writeShortPrompts writes 0.2 s prompts (a 400 Hz square wave) for every
// prompt the server needs, into a new directory.
func writeShortPrompts(t testing.TB) string {
	dir := t.TempDir()
	names := append([]string{"greeting_hi", "greeting_en", "greeting_foreign_en", "greeting_foreign_hi"}, promptNames...)
	for _, n := range names {
		pcm := make([]byte, 44+3200)
		writeWAVHeader(pcm, 1, 3200)
		for i := 0; i < 1600; i++ {
			binary.LittleEndian.PutUint16(pcm[44+2*i:], uint16(int16(3000*((i/10)%2*2-1))))
		}
		if err := os.WriteFile(filepath.Join(dir, n+".wav"), pcm, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func peakRSS() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}

// TestLoadSipp is the load figure of the README: NIVARAN_LOAD_CALLS
// concurrent helpline calls from sipp (load_caller.xml: G.711 A-law audio,
// held -d ms), each through greeting, menu timeout and queue to an agent
// (sipp's uas_answer.xml stands in for the agents' phones, one binding per
// agent), bridged by the mixer and recorded. It fails on any failed call
// or if fewer than 99 % of the due 20 ms frames were mixed, and prints the
// server's CPU and memory.
//
//	NIVARAN_LOAD_CALLS=200 go test ./internal/telephony -run TestLoadSipp -v -timeout 10m
func TestLoadSipp(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("NIVARAN_LOAD_CALLS"))
	if n <= 0 {
		t.Skip("set NIVARAN_LOAD_CALLS (e.g. 200) to run the load test")
	}
	hold := 30 * time.Second
	if v, _ := strconv.Atoi(os.Getenv("NIVARAN_LOAD_HOLD_SECONDS")); v > 0 {
		hold = time.Duration(v) * time.Second
	}
	sipp := needTool(t, "sipp", "sip-tester")
	r := newRig(t, Config{PromptDir: writeShortPrompts(t), MenuTimeout: 300 * time.Millisecond, WrapUp: -1, RingTimeout: 10 * time.Second})
	defer r.srv.Close()

	uasPort := freePort(t, false)
	uas := startPeer(t, hold+5*time.Minute, t.TempDir(), sipp, "-sf", scenario(t, "uas_answer.xml"), "-i", "127.0.0.1",
		"-p", strconv.Itoa(uasPort), "-mp", "42000", "-nostdin")
	defer func() {
		if t.Failed() {
			t.Logf("sipp UAS:\n%s", tail(uas.out.String(), 2000))
		}
	}()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		u := fmt.Sprintf("load%03d", i)
		user := &grievance.User{Login: u, Name: u, Roles: []grievance.Role{grievance.RoleAgent}, Language: grievance.Hindi}
		if err := r.st.CreateUser(ctx, user); err != nil {
			t.Fatal(err)
		}
		ag := grievance.SIPAgent{UserID: user.ID, Login: u, SIPUser: u, HA1: HA1(u, "nivaran", "x"),
			Languages: []grievance.Lang{grievance.Hindi}, Helplines: []string{"district"}}
		// Registration by the registrar's own entry: n REGISTER dialogs
		// would only test sipp; the media path is what is measured.
		r.srv.register(ag, fmt.Sprintf("sip:%s@127.0.0.1:%d", u, uasPort), time.Now().Add(time.Hour))
	}
	time.Sleep(500 * time.Millisecond) // sipp's UAS socket

	runtime.GC()
	cpu0, wall0 := bench.ProcessCPU(), time.Now()
	callerPort := freePort(t, false)
	rate := 50
	caller := startPeer(t, hold+5*time.Minute, t.TempDir(), sipp, "127.0.0.1:"+strconv.Itoa(int(r.srv.Addr().Port())),
		"-sf", scenario(t, "load_caller.xml"), "-s", "1076", "-i", "127.0.0.1", "-p", strconv.Itoa(callerPort), "-mp", "20000",
		"-r", strconv.Itoa(rate), "-l", strconv.Itoa(n), "-m", strconv.Itoa(n), "-d", strconv.Itoa(int(hold/time.Millisecond)),
		"-nostdin", "-timeout", strconv.Itoa(int((hold+3*time.Minute)/time.Second))+"s", "-timeout_error")
	peak, peakTalking := 0, 0
	tick := time.NewTicker(500 * time.Millisecond)
	waited := make(chan error, 1)
	go func() { waited <- caller.wait() }()
	var sippErr error
loop:
	for {
		select {
		case sippErr = <-waited:
			break loop
		case <-tick.C:
			live := r.srv.Snapshot()
			peak = max(peak, live.Calls)
			talking := 0
			for _, a := range live.Agents {
				if a.Status == grievance.AgentOnCall {
					talking++
				}
			}
			peakTalking = max(peakTalking, talking)
		}
	}
	tick.Stop()
	wall := time.Since(wall0)
	waitFor(t, "calls to end", time.Minute, func() bool { return r.srv.Snapshot().Calls == 0 })
	cpu := bench.ProcessCPU() - cpu0
	if sippErr != nil {
		t.Errorf("sipp caller: %v\n%s", sippErr, tail(caller.out.String(), 3000))
	}
	st := r.srv.Stats()
	calls, _ := r.st.Calls(ctx, wall0.Add(-time.Minute), time.Now().Add(time.Minute), n+10)
	answered, recorded := 0, 0
	for _, c := range calls {
		if c.Outcome == "answered" {
			answered++
		}
		if c.RecordingKey != "" && c.RecordingSize > 44 {
			recorded++
		}
	}
	sent := int64(pcapPackets("/usr/share/sip-tester/g711a.pcap")) * int64(n)
	mixed := float64(st.FramesMixed) / float64(st.FramesDue) * 100
	rx := float64(st.CallerPackets) / float64(sent) * 100
	t.Logf("%d calls (rate %d/s, hold %s): peak %d live calls, %d talking to agents at once; answered %d, recorded %d",
		n, rate, hold, peak, peakTalking, answered, recorded)
	t.Logf("frames mixed on time %.2f %% (%d of %d due); caller packets received %.2f %% (%d of %d sent)",
		mixed, st.FramesMixed, st.FramesDue, rx, st.CallerPackets, sent)
	t.Logf("server process CPU %.2f s over %.1f s = %.0f %% of one core (machine has %d); peak RSS %s (test process: server, store, Go heap)",
		cpu.Seconds(), wall.Seconds(), cpu.Seconds()/wall.Seconds()*100, runtime.NumCPU(), peakRSS())
	if answered != n || recorded != n || peakTalking < n {
		t.Errorf("answered %d, recorded %d, at once %d: want %d each", answered, recorded, peakTalking, n)
	}
	if mixed < 99 || rx < 99 {
		t.Errorf("audio frames below 99 %%")
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
