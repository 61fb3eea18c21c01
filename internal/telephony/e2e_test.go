package telephony

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"nivaran/internal/blob"
	"nivaran/internal/grievance"
	"nivaran/internal/store"
)

// phone is a SIP phone made with diago for tests: the citizen's or an
// agent's. It sends a tone and keeps what it hears.
type phone struct {
	t    *testing.T
	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	dg   *diago.Diago
	conn net.PacketConn
	port int

	mu    sync.Mutex
	heard []int16
	wg    sync.WaitGroup
}

func newPhone(t *testing.T, answer func(*phone, *diago.DialogServerSession)) *phone {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &phone{t: t, conn: conn, port: conn.LocalAddr().(*net.UDPAddr).Port}
	p.ua, _ = sipgo.NewUA()
	p.srv, _ = sipgo.NewServer(p.ua)
	p.dg = diago.NewDiago(p.ua, diago.WithServer(p.srv),
		diago.WithTransport(diago.Transport{Transport: "udp", BindHost: "127.0.0.1", BindPort: p.port}),
		diago.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	p.dg.HandleFunc(func(d *diago.DialogServerSession) {
		if answer != nil {
			answer(p, d)
		}
	})
	p.wg.Add(1)
	go func() { defer p.wg.Done(); p.srv.ServeUDP(conn) }()
	if err := waitServing(p.ua, conn.LocalAddr().String()); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *phone) close() {
	p.srv.Close()
	p.conn.Close()
	p.ua.Close()
	p.wg.Wait()
}

// register registers user with the server, returning the SIP status.
func (p *phone) register(s *Server, user, pass string, expiry time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: int(s.Addr().Port())}
	tx, err := p.dg.RegisterTransaction(ctx, u, diago.RegisterOptions{Username: user, Password: pass, Expiry: expiry})
	if err != nil {
		return err
	}
	return tx.Register(ctx)
}

// talk sends a tone of f Hz on l every 20 ms, and keeps what it hears,
// until ctx ends or the leg closes. Digits queued on keys are sent first
// after delay.
func (p *phone) talk(ctx context.Context, l *leg, f float64, keys string, delay time.Duration) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	start := time.Now()
	frame := make([]int16, frameSamples)
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-l.done:
			return
		case <-t.C:
		}
		if keys != "" && time.Since(start) > delay {
			l.sendDigit(rune(keys[0]))
			keys = keys[1:]
			continue
		}
		l.write(sine(frameSamples, n*frameSamples, f, 0.3))
		for l.frame(frame) {
			p.mu.Lock()
			p.heard = append(p.heard, frame...)
			p.mu.Unlock()
		}
	}
}

func (p *phone) heardSince(from int) []int16 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if from > len(p.heard) {
		return nil
	}
	return append([]int16(nil), p.heard[from:]...)
}

func (p *phone) heardLen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.heard)
}

type rig struct {
	st    *store.Store
	blobs *blob.Dir
	srv   *Server
	rec   string
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	dir := t.TempDir()
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(dir, "n.db"), Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Addr = "127.0.0.1:0"
	cfg.Secret = []byte("test secret")
	cfg.RecordDir = filepath.Join(dir, "rec")
	if cfg.Trunks == nil && cfg.TrunkUser == "" {
		cfg.Trunks = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := New(cfg, st, blobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	return &rig{st: st, blobs: blobs, srv: srv, rec: cfg.RecordDir}
}

// agent creates a Nivaran user with the agent role and a phone account.
func (r *rig) agent(t *testing.T, user, pass string, langs ...grievance.Lang) int64 {
	t.Helper()
	ctx := context.Background()
	u := &grievance.User{Login: user, Name: user, Roles: []grievance.Role{grievance.RoleAgent}, Language: grievance.Hindi}
	if err := r.st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := r.st.SetSIPAgent(ctx, grievance.SIPAgent{UserID: u.ID, SIPUser: user, HA1: HA1(user, "nivaran", pass),
		Languages: langs, Helplines: []string{"district", "visitors"}}); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func waitFor(t *testing.T, what string, d time.Duration, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func openFDs() int {
	e, _ := os.ReadDir("/proc/self/fd")
	return len(e)
}

// TestHelplineEndToEnd: a citizen calls the district helpline from a diago
// phone, hears the greeting, presses 2 (English), waits in the queue; the
// longest-idle agent's phone rings and is not answered, so that agent goes
// on break and the call goes to the next agent, who answers. They talk
// (each phone sends its own tone), the citizen hangs up. The recording
// holds the caller's tone on the left and the agent's on the right; the
// call record has its legs; nothing leaks.
func TestHelplineEndToEnd(t *testing.T) {
	goroutines, fds := runtime.NumGoroutine(), openFDs()
	r := newRig(t, Config{RingTimeout: 1500 * time.Millisecond, WrapUp: -1, MenuTimeout: 3 * time.Second})
	idle := r.agent(t, "agent1", "secret1", grievance.Hindi, grievance.English)
	answering := r.agent(t, "agent2", "secret2", grievance.English)

	// agent1 registers first (idle longest) and never answers: it rings.
	silent := newPhone(t, func(p *phone, d *diago.DialogServerSession) {
		d.Ringing()
		<-d.Context().Done()
	})
	answered := make(chan struct{})
	agentPhone := newPhone(t, func(p *phone, d *diago.DialogServerSession) {
		if d.FromUser() != "9876543210" {
			t.Errorf("agent's phone shows caller %q, want 9876543210", d.FromUser())
		}
		med, err := d.Answer(diago.AnswerOptions{})
		if err != nil {
			t.Errorf("agent answer: %v", err)
			return
		}
		l := newLeg(med)
		close(answered)
		p.talk(d.Context(), l, 1000, "", 0)
		med.Close()
		<-l.done
	})
	if err := silent.register(r.srv, "agent1", "secret1", time.Minute); err != nil {
		t.Fatalf("agent1 register: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	if err := agentPhone.register(r.srv, "agent2", "secret2", time.Minute); err != nil {
		t.Fatalf("agent2 register: %v", err)
	}
	waitFor(t, "two agents available", 2*time.Second, func() bool {
		n := 0
		for _, a := range r.srv.Snapshot().Agents {
			if a.Status == grievance.AgentAvailable {
				n++
			}
		}
		return n == 2
	})

	citizen := newPhone(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dst := sip.Uri{Scheme: "sip", User: "1076", Host: "127.0.0.1", Port: int(r.srv.Addr().Port())}
	opts := diago.InviteOptions{}
	opts.Headers = []sip.Header{&sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "9876543210", Host: "127.0.0.1", Port: citizen.port}, Params: sip.NewParams()}}
	d, med, err := citizen.dg.Invite(ctx, dst, opts)
	if err != nil {
		t.Fatalf("citizen's call: %v", err)
	}
	cl := newLeg(med)
	talkCtx, stopTalk := context.WithCancel(ctx)
	talked := make(chan struct{})
	go func() { defer close(talked); citizen.talk(talkCtx, cl, 440, "2", 700*time.Millisecond) }()

	// The greeting plays before the key.
	waitFor(t, "greeting audio", 3*time.Second, func() bool { return citizen.heardLen() >= 8000*4/10 })
	if lvl := rms(citizen.heardSince(0)); lvl < 300 {
		t.Errorf("greeting: caller heard RMS %.0f, want speech", lvl)
	}
	select {
	case <-answered:
	case <-time.After(15 * time.Second):
		t.Fatal("no agent answered")
	}
	// agent1 rang without answering: on break for ring-no-answer.
	waitFor(t, "agent2 on the call", 2*time.Second, func() bool {
		for _, a := range r.srv.Snapshot().Agents {
			if a.SIPUser == "agent2" && a.Status == grievance.AgentOnCall {
				return true
			}
		}
		return false
	})
	for _, a := range r.srv.Snapshot().Agents {
		switch a.SIPUser {
		case "agent1":
			if a.Status != grievance.AgentBreak || a.Reason != grievance.BreakRingNoAnswer {
				t.Errorf("agent1: %s %q, want break ring_no_answer", a.Status, a.Reason)
			}
		case "agent2":
			if a.Status != grievance.AgentOnCall || a.Caller != "9876543210" {
				t.Errorf("agent2: %s caller %q, want on_call with the caller's number", a.Status, a.Caller)
			}
		}
	}
	mark, agentMark := citizen.heardLen(), agentPhone.heardLen()
	time.Sleep(1500 * time.Millisecond)
	conv := citizen.heardSince(mark)
	t.Logf("tone levels (a steady tone reads 0.09): caller hears agent %.4f, agent hears caller %.4f, caller hears self %.4f",
		toneLevel(conv, 1000), toneLevel(agentPhone.heardSince(agentMark), 440), toneLevel(conv, 440))
	if g := toneLevel(conv, 1000); g < 0.02 {
		t.Errorf("caller does not hear the agent's 1000 Hz tone (level %.4f)", g)
	}
	if g := toneLevel(agentPhone.heardSince(agentMark), 440); g < 0.02 {
		t.Errorf("agent does not hear the caller's 440 Hz tone (level %.4f)", g)
	}
	// Not heard: under 0.002 (a heard tone reads 0.04–0.09 here; the μ-law
	// noise of the agent's tone reads up to 0.0008 at 440 Hz under load).
	if g := toneLevel(conv, 440); g > 0.002 {
		t.Errorf("caller hears their own voice (level %.4f)", g)
	}
	stopTalk()
	<-talked
	d.Hangup(context.Background())
	med.Close()
	<-cl.done
	d.Close()

	var rec grievance.CallRecord
	waitFor(t, "the call record", 10*time.Second, func() bool {
		calls, err := r.st.Calls(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 10)
		if err != nil || len(calls) == 0 {
			return false
		}
		rec = calls[0]
		return true
	})
	full, err := r.st.Call(context.Background(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if full.Outcome != "answered" || full.Language != grievance.English || full.HungUpBy != "caller" || full.AgentID != answering ||
		full.Caller != "9876543210" || full.Helpline != "district" || full.DID != "1076" || full.Queued.IsZero() || full.Answered.Before(full.Queued) {
		t.Errorf("call record: %+v", full)
	}
	var legs []string
	for _, l := range full.Legs {
		legs = append(legs, l.Role+":"+l.Party+":"+l.Result)
	}
	if want := "[caller:9876543210: agent:agent1:no_answer agent:agent2:answered]"; fmt.Sprint(legs) != want {
		t.Errorf("legs %v, want %s", legs, want)
	}
	// The recording: a stereo WAV in the blob store with its checksum;
	// left is the caller (440 Hz), right what the caller heard (greeting,
	// then the agent's 1000 Hz).
	f, err := r.blobs.Open(context.Background(), full.RecordingKey)
	if err != nil {
		t.Fatalf("recording: %v", err)
	}
	data, _ := io.ReadAll(f)
	f.Close()
	if int64(len(data)) != full.RecordingSize || sha(data) != full.RecordingSHA {
		t.Errorf("recording size/checksum do not match the call record")
	}
	pcm, err := readWAV(data, 2)
	if err != nil {
		t.Fatal(err)
	}
	left, right := deinterleave(pcm)
	if g := toneLevel(left, 440); g < 0.02 {
		t.Errorf("recording: caller's tone at %.4f, want it there", g)
	}
	// What the caller heard from the agent's answer on (the last second
	// alone, measured before, holds the hang-up: on a loaded machine the
	// phones' last frames straggle).
	from := min(max(int(full.Answered.Sub(full.Arrived).Seconds()*8000), 0), len(right))
	talk := right[from:]
	t.Logf("recording levels: caller %.4f, agent from the answer %.4f (%.1f s)", toneLevel(left, 440), toneLevel(talk, 1000), float64(len(talk))/8000)
	if g := toneLevel(talk, 1000); g < 0.02 {
		t.Errorf("recording: agent's tone at %.4f in what the caller heard", g)
	}
	if secs := float64(len(left)) / 8000; secs < 2 {
		t.Errorf("recording is %.1f s, want the whole call", secs)
	}

	// Retention: a recording older than the period goes, its record stays.
	if n, err := r.srv.ExpireRecordings(context.Background(), time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("expire recordings before an hour ago: %d %v, want none", n, err)
	}
	if n, err := r.srv.ExpireRecordings(context.Background(), time.Now().Add(time.Minute)); err != nil || n != 1 {
		t.Errorf("expire recordings: %d %v, want 1", n, err)
	}
	if _, err := r.blobs.Open(context.Background(), full.RecordingKey); grievance.ErrorCode(err) != grievance.ENotFound {
		t.Errorf("expired recording still in the blob store: %v", err)
	}
	if again, _ := r.st.Call(context.Background(), full.ID); again.RecordingKey != "" || again.RecordingSHA == "" {
		t.Errorf("after retention the record should keep its checksum and lose the key: %+v", again)
	}

	// Stored transitions: agent1 offline → available → ringing → break.
	trs, err := r.st.AgentTransitions(context.Background(), idle, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	for _, tr := range trs {
		path = append(path, string(tr.To)+"/"+tr.Reason)
	}
	if want := "[available/ ringing/ break/ring_no_answer]"; fmt.Sprint(path) != want {
		t.Errorf("agent1 transitions %v, want %s", path, want)
	}
	trs, _ = r.st.AgentTransitions(context.Background(), answering, time.Now().Add(-time.Hour))
	path = path[:0]
	for _, tr := range trs {
		path = append(path, string(tr.To))
	}
	if want := "[available ringing on_call wrap_up available]"; fmt.Sprint(path) != want {
		t.Errorf("agent2 transitions %v, want %s", path, want)
	}

	// Leaks: close everything, then goroutines, files, ports and
	// temporary recordings are back where they were.
	addr := r.srv.Addr()
	if err := r.srv.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	citizen.close()
	agentPhone.close()
	silent.close()
	if left, _ := filepath.Glob(filepath.Join(r.rec, "*")); len(left) != 0 {
		t.Errorf("temporary recordings left: %v", left)
	}
	c, err := net.ListenPacket("udp", addr.String())
	if err != nil {
		t.Errorf("SIP port still held after Close: %v", err)
	} else {
		c.Close()
	}
	r.st.Close()
	waitFor(t, "goroutines to end", 10*time.Second, func() bool { return runtime.NumGoroutine() <= goroutines+2 })
	waitFor(t, "files to close", 5*time.Second, func() bool { return openFDs() <= fds })
}

func rms(s []int16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	if len(s) == 0 {
		return 0
	}
	return sqrt(sum / float64(len(s)))
}

func deinterleave(pcm []int16) (l, r []int16) {
	for i := 0; i+1 < len(pcm); i += 2 {
		l, r = append(l, pcm[i]), append(r, pcm[i+1])
	}
	return l, r
}
