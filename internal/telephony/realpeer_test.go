package telephony

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// baresipPeer is a headless baresip softphone registered to the server,
// sending a tone of f Hz and dumping what it receives (sndfile module).
type baresipPeer struct {
	dir  string
	proc *peer
}

func startBaresip(t *testing.T, prog string, srvPort int, user, pass string, f float64, auto bool, rtpBase int) *baresipPeer {
	t.Helper()
	dir := t.TempDir()
	tone := make([]byte, 44+2*8000*120)
	writeWAVHeader(tone, 1, 2*8000*120)
	pcm := sine(8000*120, 0, f, 0.3)
	for i, v := range pcm {
		tone[44+2*i], tone[45+2*i] = byte(v), byte(uint16(v)>>8)
	}
	if err := os.WriteFile(filepath.Join(dir, "tone.wav"), tone, 0o600); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "dump"), 0o700)
	port := freePort(t, true)
	cfg := fmt.Sprintf(`poll_method epoll
sip_listen 127.0.0.1:%d
call_local_timeout 120
call_max_calls 4
audio_player alsa,null
audio_source aufile,%s/tone.wav
audio_alert alsa,null
ausrc_srate 8000
auplay_srate 8000
ausrc_channels 1
auplay_channels 1
audio_level no
rtp_ports %d-%d
rtcp_mux no
jitter_buffer_delay 5-10
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module sndfile.so
module alsa.so
module_tmp account.so
module_app menu.so
snd_path %s/dump
`, port, dir, rtpBase, rtpBase+99, dir)
	mode := "manual"
	if auto {
		mode = "auto"
	}
	acc := fmt.Sprintf("<sip:%s@127.0.0.1:%d;transport=udp>;auth_pass=%s;answermode=%s;regint=60;audio_codecs=PCMA,PCMU\n", user, srvPort, pass, mode)
	os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o600)
	os.WriteFile(filepath.Join(dir, "accounts"), []byte(acc), 0o600)
	os.WriteFile(filepath.Join(dir, "contacts"), nil, 0o600)
	p := startPeer(t, 3*time.Minute, dir, prog, "-f", dir, "-n", "127.0.0.1")
	return &baresipPeer{dir: dir, proc: p}
}

// received returns what the phone received (its decoded dump), as PCM.
func (b *baresipPeer) received(t *testing.T) []int16 {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(b.dir, "dump", "*dec*.wav"))
	if len(m) == 0 {
		entries, _ := os.ReadDir(filepath.Join(b.dir, "dump"))
		t.Logf("no decoded dump in %s (%d files); baresip said:\n%s", b.dir, len(entries), tail(b.proc.out.String(), 1500))
		return nil
	}
	data, err := os.ReadFile(m[len(m)-1])
	if err != nil {
		t.Fatal(err)
	}
	pcm, err := readWAV(data, 1)
	if err != nil {
		t.Fatalf("dump %s: %v", m[0], err)
	}
	return pcm
}

func (r *rig) live(user string) grievance.AgentLive {
	for _, a := range r.srv.Live().Agents {
		if a.SIPUser == user {
			return a
		}
	}
	return grievance.AgentLive{}
}

// TestRealPeers: sipp is the citizen (greeting, key 2, speech from a
// capture), baresip the agents, officer and supervisor, each sending its
// own tone. The first agent's phone only rings: ring-no-answer puts them on
// break and the second agent answers. Then the officer is conferenced in
// and the supervisor listens, whispers and barges, switched mid-call. What
// each party receives (baresip's dumps; for the citizen, the recording's
// right channel) shows exactly whom each hears; the recording's left
// channel holds the citizen's speech.
func TestRealPeers(t *testing.T) {
	sipp := needTool(t, "sipp", "sip-tester")
	bs := needTool(t, "baresip", "baresip-core")
	r := newRig(t, Config{RingTimeout: 3 * time.Second, WrapUp: -1, MenuTimeout: 2 * time.Second})
	defer r.srv.Close()
	srvPort := int(r.srv.Addr().Port())
	for _, u := range []string{"agent1", "agent2", "officer1", "sup1"} {
		uid := r.agent(t, u, u+"pw", grievance.Hindi, grievance.English)
		if !strings.HasPrefix(u, "agent") {
			r.st.SetSIPAgent(context.Background(), grievance.SIPAgent{UserID: uid, SIPUser: u, HA1: HA1(u, "nivaran", u+"pw"),
				Languages: []grievance.Lang{grievance.Hindi}})
		}
	}
	registered := func(u string) bool { return r.live(u).Status == grievance.AgentAvailable }
	// A phone that does not register: say what baresip said (a port taken
	// by another process on a shared machine, a missing module).
	waitRegistered := func(what string, f func() bool, peers ...*baresipPeer) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !f() {
			if time.Now().After(deadline) {
				for _, p := range peers {
					t.Logf("baresip in %s:\n%s", p.dir, p.proc.out.String())
				}
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	a1 := startBaresip(t, bs, srvPort, "agent1", "agent1pw", 800, false, 31000)
	waitRegistered("agent1 registered", func() bool { return registered("agent1") }, a1)
	time.Sleep(50 * time.Millisecond)
	a2 := startBaresip(t, bs, srvPort, "agent2", "agent2pw", 1000, true, 31200)
	off := startBaresip(t, bs, srvPort, "officer1", "officer1pw", 600, true, 31400)
	sup := startBaresip(t, bs, srvPort, "sup1", "sup1pw", 300, true, 31600)
	waitRegistered("every phone registered", func() bool {
		return registered("agent2") && registered("officer1") && registered("sup1")
	}, a2, off, sup)

	callerPort := freePort(t, false)
	caller := startPeer(t, 2*time.Minute, t.TempDir(), sipp, "127.0.0.1:"+strconv.Itoa(srvPort), "-sf", scenario(t, "caller.xml"),
		"-s", "1076", "-i", "127.0.0.1", "-p", strconv.Itoa(callerPort), "-mp", "24000", "-m", "1", "-d", "12000", "-nostdin")
	waitFor(t, "agent2 on the call", 30*time.Second, func() bool { return r.live("agent2").Status == grievance.AgentOnCall })
	if a := r.live("agent1"); a.Status != grievance.AgentBreak || a.Reason != grievance.BreakRingNoAnswer {
		t.Errorf("agent1 after ringing unanswered: %s %q, want break ring_no_answer", a.Status, a.Reason)
	}
	callID := r.live("agent2").CallID
	ctx := context.Background()
	type window struct {
		name     string
		from, to time.Time
	}
	var ws []window
	stage := func(name string, f func() error) {
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		from := time.Now().Add(700 * time.Millisecond)
		time.Sleep(2500 * time.Millisecond)
		ws = append(ws, window{name, from, time.Now().Add(-200 * time.Millisecond)})
	}
	stage("conference", func() error { return r.srv.Conference(ctx, callID, "officer1") })
	stage("listen", func() error { return r.srv.Supervise(ctx, callID, "sup1", grievance.SuperviseListen) })
	stage("whisper", func() error { return r.srv.Supervise(ctx, callID, "sup1", grievance.SuperviseWhisper) })
	stage("barge", func() error { return r.srv.Supervise(ctx, callID, "sup1", grievance.SuperviseBarge) })
	if err := caller.wait(); err != nil {
		t.Errorf("sipp caller: %v\n%s", err, tail(caller.out.String(), 2000))
	}
	var rec *grievance.CallRecord
	waitFor(t, "the call record", 15*time.Second, func() bool {
		calls, _ := r.st.Calls(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 1)
		if len(calls) == 0 {
			return false
		}
		rec, _ = r.st.Call(ctx, calls[0].ID)
		return rec != nil
	})
	legs := ""
	for _, l := range rec.Legs {
		legs += l.Role + ":" + l.Party + ":" + l.Result + " "
	}
	if !strings.HasPrefix(legs, "caller:9876543210: agent:agent1:no_answer agent:agent2:answered officer:officer1:answered supervisor:sup1:answered") {
		t.Errorf("legs: %s", legs)
	}
	f, err := r.blobs.Open(ctx, rec.RecordingKey)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, rec.RecordingSize)
	f.Read(data)
	f.Close()
	pcm, err := readWAV(data, 2)
	if err != nil {
		t.Fatal(err)
	}
	left, right := deinterleave(pcm)
	// The citizen's speech (the capture) is in the left channel.
	talkFrom := int(rec.Answered.Sub(rec.Arrived) / time.Millisecond * 8)
	if talkFrom < 0 || talkFrom >= len(left) {
		talkFrom = 0
	}
	if lvl := rms(left[talkFrom:]); lvl < 200 {
		t.Errorf("recording: the citizen's speech RMS %.0f after the answer, want the capture's audio", lvl)
	}
	slice := func(s []int16, start time.Time, w window) []int16 {
		a, b := int(w.from.Sub(start)/time.Millisecond*8), int(w.to.Sub(start)/time.Millisecond*8)
		if a < 0 || b > len(s) || a >= b {
			t.Logf("window %s outside the audio (%d..%d of %d)", w.name, a, b, len(s))
			return nil
		}
		return s[a:b]
	}
	tones := map[string]float64{"agent": 1000, "officer": 600, "supervisor": 300}
	expect := map[string]map[string][]string{ // window → listener → speakers heard (tones only)
		"conference": {"citizen": {"agent", "officer"}, "agent": {"officer"}, "officer": {"agent"}},
		"listen":     {"citizen": {"agent", "officer"}, "agent": {"officer"}, "officer": {"agent"}, "supervisor": {"agent", "officer"}},
		"whisper":    {"citizen": {"agent", "officer"}, "agent": {"officer", "supervisor"}, "officer": {"agent"}, "supervisor": {"agent", "officer"}},
		"barge":      {"citizen": {"agent", "officer", "supervisor"}, "agent": {"officer", "supervisor"}, "officer": {"agent", "supervisor"}, "supervisor": {"agent", "officer"}},
	}
	heard := map[string][]int16{"citizen": right, "agent": a2.received(t), "officer": off.received(t), "supervisor": sup.received(t)}
	// Each dump starts when that phone's call started: align on the end of
	// the call, which all share within a few hundred ms.
	end := rec.Ended
	for _, w := range ws {
		for listener, speakers := range expect[w.name] {
			s := heard[listener]
			if s == nil {
				continue
			}
			start := end.Add(-time.Duration(len(s)) * time.Second / 8000)
			if listener == "citizen" {
				start = rec.Arrived
			}
			part := slice(s, start, w)
			if part == nil {
				continue
			}
			for speaker, f := range tones {
				if speaker == listener {
					continue
				}
				want := false
				for _, x := range speakers {
					want = want || x == speaker
				}
				lvl := goertzel(part, f)
				t.Logf("%-10s %-10s hears %-10s %.4f", w.name, listener, speaker, lvl)
				if (lvl > 0.002) != want {
					t.Errorf("%s: %s hears %s (%.0f Hz) at %.4f, want heard=%v", w.name, listener, speaker, f, lvl, want)
				}
			}
		}
	}
}
