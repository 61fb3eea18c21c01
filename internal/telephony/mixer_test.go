package telephony

import (
	"math"
	"testing"
)

// Each party speaks its own tone; the test measures every tone in what
// each party hears.
func TestMixMinusRoles(t *testing.T) {
	tones := map[Role]float64{RoleCaller: 440, RoleAgent: 1000, RoleOfficer: 600, RoleListen: 300, RoleWhisper: 300, RoleBarge: 300}
	for _, sup := range []Role{RoleListen, RoleWhisper, RoleBarge} {
		t.Run(sup.String(), func(t *testing.T) {
			roles := []Role{RoleCaller, RoleAgent, RoleOfficer, sup}
			ps := make([]*party, len(roles))
			for i, r := range roles {
				ps[i] = &party{role: r, in: sine(frameSamples, 0, tones[r], 0.2)}
			}
			mix(ps)
			for i, l := range ps {
				for j, s := range ps {
					level := goertzel(l.out, tones[s.role])
					want := i != j && hears(l.role, s.role)
					if got := level > 0.005; got != want {
						t.Errorf("%s hears %s (%.0f Hz) at %.4f: heard=%v, want %v", l.role, s.role, tones[s.role], level, got, want)
					}
				}
			}
		})
	}
}

func TestHearsMatrix(t *testing.T) {
	// listener → speakers heard, by the issue: listen (nobody hears the
	// supervisor), whisper (only the agent), barge (everyone).
	want := map[Role][]Role{
		RoleCaller:  {RoleAgent, RoleOfficer, RoleBarge},
		RoleAgent:   {RoleCaller, RoleOfficer, RoleWhisper, RoleBarge},
		RoleOfficer: {RoleCaller, RoleAgent, RoleBarge},
		RoleListen:  {RoleCaller, RoleAgent, RoleOfficer},
		RoleWhisper: {RoleCaller, RoleAgent, RoleOfficer},
		RoleBarge:   {RoleCaller, RoleAgent, RoleOfficer},
	}
	all := []Role{RoleCaller, RoleAgent, RoleOfficer, RoleListen, RoleWhisper, RoleBarge}
	for _, l := range all {
		for _, s := range all {
			if l == s {
				continue // two parties in one role (two officers) hear each other; supervisors never do
			}
			w := false
			for _, x := range want[l] {
				w = w || x == s
			}
			if got := hears(l, s); got != w {
				t.Errorf("hears(%s, %s) = %v, want %v", l, s, got, w)
			}
		}
	}
}

func TestMixNeverOwnVoiceAndClips(t *testing.T) {
	loud := make([]int16, frameSamples)
	for i := range loud {
		loud[i] = 30000
	}
	a := &party{role: RoleCaller, in: loud}
	b := &party{role: RoleAgent, in: loud}
	c := &party{role: RoleOfficer, in: loud}
	mix([]*party{a, b, c})
	for _, p := range []*party{a, b, c} {
		for _, v := range p.out {
			if v != 32767 {
				t.Fatalf("%s: sample %d, want clipped 32767", p.role, v)
			}
		}
	}
	// Alone, a party hears silence: never itself.
	solo := &party{role: RoleCaller, in: loud}
	mix([]*party{solo})
	for _, v := range solo.out {
		if v != 0 {
			t.Fatalf("a party alone hears %d, want silence", v)
		}
	}
	// A source (prompt) replaces the mix for its party only.
	prompt := sine(frameSamples, 0, 800, 0.3)
	a = &party{role: RoleCaller, in: sine(frameSamples, 0, 440, 0.3), source: prompt}
	b = &party{role: RoleAgent, in: sine(frameSamples, 0, 1000, 0.3)}
	mix([]*party{a, b})
	if goertzel(a.out, 800) < 0.01 || goertzel(a.out, 1000) > 0.001 {
		t.Errorf("caller with a prompt should hear only the prompt")
	}
	if goertzel(b.out, 440) < 0.01 || goertzel(b.out, 800) > 0.001 {
		t.Errorf("agent should hear the caller, not the caller's prompt")
	}
}

func TestFIFOReframes30msPackets(t *testing.T) {
	f := newFIFO()
	var got []int16
	frame := make([]int16, frameSamples)
	n := 0
	// 30 ms packets (240 samples) of a counting ramp, popped every 20 ms.
	for p := 0; p < 20; p++ {
		pkt := make([]int16, 240)
		for i := range pkt {
			pkt[i] = int16(n)
			n++
		}
		f.push(pkt)
		for f.pop(frame) {
			got = append(got, frame...)
		}
	}
	if len(got) != 20*240 {
		t.Fatalf("got %d samples, want %d", len(got), 20*240)
	}
	for i, v := range got {
		if int(v) != i {
			t.Fatalf("sample %d = %d: reordered or lost", i, v)
		}
	}
	// Bounded: a fast clock cannot grow the latency without limit.
	for range 100 {
		f.push(make([]int16, 240))
	}
	if len(f.buf) > f.max {
		t.Errorf("fifo holds %d samples, max %d", len(f.buf), f.max)
	}
}

func TestG711RoundTrip(t *testing.T) {
	for _, pt := range []uint8{0, 8} {
		c := codecFor(pt)
		in := sine(800, 0, 440, 0.5)
		out := c.decode(nil, c.encode(nil, in))
		var sig, noise float64
		for i := range in {
			sig += float64(in[i]) * float64(in[i])
			d := float64(in[i]) - float64(out[i])
			noise += d * d
		}
		if snr := 10 * math.Log10(sig/noise); snr < 30 {
			t.Errorf("pt %d: SNR %.1f dB, want ≥ 30 (G.711 gives about 38)", pt, snr)
		}
	}
	// Silence encodes to each law's silence byte, not 0x00.
	if b := codecFor(0).encode(nil, []int16{0})[0]; b != 0xFF {
		t.Errorf("µ-law silence = %#x, want 0xff", b)
	}
	if b := codecFor(8).encode(nil, []int16{0})[0]; b != 0xD5 {
		t.Errorf("A-law silence = %#x, want 0xd5", b)
	}
}

func TestDTMFDetector(t *testing.T) {
	var d dtmfDetector
	// One event is several packets with one timestamp; the first may have
	// duration 0 (sipp), the last carries the end flag (sent three times).
	pkts := []struct {
		payload []byte
		ts      uint32
	}{
		{dtmfPayload('2', false, 0), 1000},
		{dtmfPayload('2', false, 160), 1000},
		{dtmfPayload('2', true, 800), 1000},
		{dtmfPayload('2', true, 800), 1000},
		{dtmfPayload('2', false, 0), 5000}, // pressed again
		{dtmfPayload('#', true, 800), 9000},
		{[]byte{1, 2}, 9500},        // too short
		{[]byte{99, 0, 0, 0}, 9600}, // unknown event
	}
	var got string
	for _, p := range pkts {
		if r, ok := d.packet(p.payload, p.ts); ok {
			got += string(r)
		}
	}
	if got != "22#" {
		t.Errorf("digits %q, want %q", got, "22#")
	}
}
