package telephony

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"nivaran/internal/grievance"
)

// call dials did on the server from p as caller; it returns the SIP status
// of a refusal (0 when answered) and, when answered, the dialog and leg.
func (p *phone) call(t *testing.T, s *Server, did, caller string, user, pass string) (int, *diago.DialogClientSession, *leg) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dst := sip.Uri{Scheme: "sip", User: did, Host: "127.0.0.1", Port: int(s.Addr().Port())}
	opts := diago.InviteOptions{Username: user, Password: pass}
	opts.Headers = []sip.Header{&sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: caller, Host: "127.0.0.1", Port: p.port}, Params: sip.NewParams()}}
	d, med, err := p.dg.Invite(ctx, dst, opts)
	if err != nil {
		var de *sipgo.ErrDialogResponse
		if errors.As(err, &de) {
			return de.Res.StatusCode, nil, nil
		}
		t.Fatalf("call %s: %v", did, err)
	}
	return 0, d, newLeg(med)
}

func (p *phone) hangup(d *diago.DialogClientSession, l *leg) {
	d.Hangup(context.Background())
	l.med.Close()
	<-l.done
	d.Close()
}

func TestHelplineBadInput(t *testing.T) {
	goroutines, fds := runtime.NumGoroutine(), openFDs()
	r := newRig(t, Config{RingTimeout: 5 * time.Second, WrapUp: -1, MenuTimeout: 500 * time.Millisecond, Lockout: 3})
	r.agent(t, "agent1", "secret1", grievance.Hindi)
	ph := newPhone(t, nil)

	t.Run("malformed SIP changes nothing", func(t *testing.T) {
		c, err := net.Dial("udp", r.srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		for _, junk := range []string{"", "\x00\x01\x02", "INVITE\r\n\r\n", "REGISTER sip:x SIP/2.0\r\nVia: bogus\r\n\r\n",
			"SIP/2.0 200 OK\r\n\r\n", strings.Repeat("A", 1400), "INVITE sip:1076@127.0.0.1 SIP/2.0\r\nContent-Length: 99999\r\n\r\nv=0"} {
			c.Write([]byte(junk))
		}
		c.Close()
		time.Sleep(100 * time.Millisecond)
		if err := ph.register(r.srv, "agent1", "secret1", time.Minute); err != nil {
			t.Fatalf("register after junk: %v", err)
		}
	})

	t.Run("unknown number", func(t *testing.T) {
		if code, _, _ := ph.call(t, r.srv, "99999", "9876543210", "", ""); code != 404 {
			t.Errorf("status %d, want 404", code)
		}
	})

	t.Run("unknown user and wrong passwords lock the account", func(t *testing.T) {
		other := newPhone(t, nil)
		defer other.close()
		if err := other.register(r.srv, "nobody", "x", time.Minute); err == nil {
			t.Error("unknown user registered")
		}
		for i := 0; i < 3; i++ {
			if err := other.register(r.srv, "agent1", "wrong", time.Minute); err == nil {
				t.Fatal("wrong password registered")
			}
		}
		a, err := r.st.SIPAgent(context.Background(), "agent1")
		if err != nil || a.Failures != 3 || !a.LockedUntil.After(time.Now()) {
			t.Fatalf("after 3 failures: %+v %v, want locked", a, err)
		}
		if err := other.register(r.srv, "agent1", "secret1", time.Minute); err == nil {
			t.Error("locked account registered with the right password")
		}
	})

	t.Run("missed-call number is rejected unanswered and queued for call-back", func(t *testing.T) {
		if code, _, _ := ph.call(t, r.srv, "1078", "9123456780", "", ""); code != 486 {
			t.Errorf("status %d, want 486", code)
		}
		cbs, err := r.st.Callbacks(context.Background(), 10)
		if err != nil || len(cbs) != 1 || cbs[0].Number != "9123456780" || cbs[0].Helpline != "district" {
			t.Errorf("call-backs %+v %v", cbs, err)
		}
	})

	t.Run("caller hangs up at each stage", func(t *testing.T) {
		// During the greeting.
		code, d, l := ph.call(t, r.srv, "1076", "9000000001", "", "")
		if code != 0 {
			t.Fatalf("status %d", code)
		}
		time.Sleep(300 * time.Millisecond)
		ph.hangup(d, l)
		// In the queue: nobody registered can take English.
		code, d, l = ph.call(t, r.srv, "1076", "9000000002", "", "")
		if code != 0 {
			t.Fatalf("status %d", code)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go ph.talk(ctx, l, 440, "2", 200*time.Millisecond)
		waitFor(t, "the call in the queue", 5*time.Second, func() bool { return r.srv.Snapshot().Waiting == 1 })
		cancel()
		ph.hangup(d, l)
		waitFor(t, "the queue to empty", 5*time.Second, func() bool { return r.srv.Snapshot().Waiting == 0 })
	})

	t.Run("caller hangs up while the agent's phone rings", func(t *testing.T) {
		if _, err := r.st.SIPAuthFailed(context.Background(), "x", 0, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if err := r.st.SIPAuthSucceeded(context.Background(), "agent1"); err != nil {
			t.Fatal(err)
		}
		ringing := make(chan struct{}, 1)
		agentPh := newPhone(t, func(p *phone, d *diago.DialogServerSession) {
			d.Ringing()
			ringing <- struct{}{}
			<-d.Context().Done()
		})
		defer agentPh.close()
		if err := agentPh.register(r.srv, "agent1", "secret1", time.Minute); err != nil {
			t.Fatal(err)
		}
		code, d, l := ph.call(t, r.srv, "1076", "9000000003", "", "")
		if code != 0 {
			t.Fatalf("status %d", code)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go ph.talk(ctx, l, 440, "1", 200*time.Millisecond)
		select {
		case <-ringing:
		case <-time.After(5 * time.Second):
			t.Fatal("agent's phone did not ring")
		}
		cancel()
		ph.hangup(d, l)
		waitFor(t, "agent1 available again (not on break)", 5*time.Second, func() bool {
			for _, a := range r.srv.Snapshot().Agents {
				if a.SIPUser == "agent1" {
					return a.Status == grievance.AgentAvailable
				}
			}
			return false
		})
	})

	waitFor(t, "calls to end", 10*time.Second, func() bool { return r.srv.Snapshot().Calls == 0 })
	calls, _ := r.st.Calls(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 20)
	outcomes := map[string]int{}
	for _, c := range calls {
		outcomes[c.Outcome]++
	}
	if outcomes["abandoned"] != 3 || outcomes["missed_call"] != 1 {
		t.Errorf("outcomes %v, want 3 abandoned and 1 missed call", outcomes)
	}
	r.srv.Close()
	ph.close()
	r.st.Close()
	waitFor(t, "goroutines to end", 10*time.Second, func() bool { return runtime.NumGoroutine() <= goroutines+2 })
	waitFor(t, "files to close", 5*time.Second, func() bool { return openFDs() <= fds })
}

func TestTrunkCredentials(t *testing.T) {
	r := newRig(t, Config{TrunkUser: "trunk", TrunkPassword: "trunkpass", MenuTimeout: time.Second})
	defer r.srv.Close()
	ph := newPhone(t, nil)
	defer ph.close()
	if code, _, _ := ph.call(t, r.srv, "1076", "9000000009", "", ""); code != 401 {
		t.Errorf("no credentials: status %d, want 401", code)
	}
	if code, _, _ := ph.call(t, r.srv, "1076", "9000000009", "trunk", "wrong"); code != 403 {
		t.Errorf("wrong credentials: status %d, want 403", code)
	}
	code, d, l := ph.call(t, r.srv, "1076", "9000000009", "trunk", "trunkpass")
	if code != 0 {
		t.Fatalf("right credentials: status %d", code)
	}
	ph.hangup(d, l)
}

func TestSecondServerOnSamePortFails(t *testing.T) {
	r := newRig(t, Config{})
	defer r.srv.Close()
	cfg := r.srv.cfg
	cfg.Addr = r.srv.Addr().String()
	s2, err := New(cfg, r.st, r.blobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(); err == nil || !strings.Contains(err.Error(), "NIVARAN_SIP_ADDR") {
		s2.Close()
		t.Fatalf("second server on the same port: %v, want a loud error naming NIVARAN_SIP_ADDR", err)
	}
}
