package telephony

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// TestRealPeersBadInput: sipp registers with a wrong password until the
// account locks (then the right one is refused too), sends malformed SIP,
// and calls an unknown number; the server answers each and keeps serving.
func TestRealPeersBadInput(t *testing.T) {
	sipp := needTool(t, "sipp", "sip-tester")
	r := newRig(t, Config{Lockout: 3})
	defer r.srv.Close()
	r.agent(t, "agent2", "secret2", grievance.Hindi)
	srv := "127.0.0.1:" + strconv.Itoa(int(r.srv.Addr().Port()))
	register := func(pass string) error {
		p := startPeer(t, 20*time.Second, t.TempDir(), sipp, srv, "-sf", scenario(t, "register.xml"), "-s", "agent2",
			"-au", "agent2", "-ap", pass, "-i", "127.0.0.1", "-p", strconv.Itoa(freePort(t, false)), "-m", "1",
			"-set", "expires", "60", "-nostdin", "-timeout", "10s", "-timeout_error", "-recv_timeout", "3000")
		return p.wait()
	}
	for i := 0; i < 3; i++ {
		if err := register("wrong"); err == nil {
			t.Fatal("sipp registered with a wrong password")
		}
	}
	a, err := r.st.SIPAgent(context.Background(), "agent2")
	if err != nil || a.Failures != 3 || !a.LockedUntil.After(time.Now()) {
		t.Fatalf("after 3 wrong passwords: %+v %v, want locked", a, err)
	}
	if err := register("secret2"); err == nil {
		t.Error("a locked account registered")
	}
	if r.live("agent2").Status == grievance.AgentAvailable {
		t.Error("locked agent is available")
	}
	// Malformed requests: the server survives and answers the next call.
	c, err := net.Dial("udp", srv)
	if err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\n\r\n",
		"INVITE sip:1076@127.0.0.1 SIP/2.0\r\nCSeq: x\r\n\r\n", "\xff\xfe garbage"} {
		c.Write([]byte(junk))
	}
	c.Close()
	p := startPeer(t, 30*time.Second, t.TempDir(), sipp, srv, "-sf", scenario(t, "load_caller.xml"), "-s", "55555",
		"-i", "127.0.0.1", "-p", strconv.Itoa(freePort(t, false)), "-mp", "26000", "-m", "1", "-d", "1000", "-nostdin",
		"-timeout", "15s", "-timeout_error")
	if err := p.wait(); err == nil {
		t.Error("a call to an unknown number succeeded")
	}
	if tail(p.out.String(), 4000) == "" {
		t.Log("no sipp output")
	}
	calls, _ := r.st.Calls(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 5)
	if len(calls) != 0 {
		t.Errorf("unknown number stored a call: %+v", calls)
	}
}
