package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
)

// testPhone is a diago SIP phone on loopback for the web's helpline test.
type testPhone struct {
	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	dg   *diago.Diago
	conn net.PacketConn
	done chan struct{}
}

func newTestPhone(t *testing.T, answer func(*diago.DialogServerSession)) *testPhone {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &testPhone{conn: conn, done: make(chan struct{})}
	p.ua, _ = sipgo.NewUA()
	p.srv, _ = sipgo.NewServer(p.ua)
	p.dg = diago.NewDiago(p.ua, diago.WithServer(p.srv), diago.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		diago.WithTransport(diago.Transport{Transport: "udp", BindHost: "127.0.0.1", BindPort: conn.LocalAddr().(*net.UDPAddr).Port}))
	p.dg.HandleFunc(func(d *diago.DialogServerSession) {
		if answer != nil {
			answer(d)
		}
	})
	go func() { defer close(p.done); p.srv.ServeUDP(conn) }()
	for i := 0; i < 500; i++ {
		if c, err := p.ua.TransportLayer().GetConnection("udp", conn.LocalAddr().String()); err == nil && c != nil {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Cleanup(func() { p.srv.Close(); conn.Close(); p.ua.Close(); <-p.done })
	return p
}

// shortPrompts writes 0.2 s prompts for every name the server needs: the
// prompt directory is configurable, and short prompts keep the test fast.
func shortPrompts(t *testing.T) string {
	dir := t.TempDir()
	for _, n := range []string{"greeting_hi", "greeting_en", "greeting_foreign_en", "greeting_foreign_hi", "queue_hi", "queue_en",
		"hold", "feedback_hi", "feedback_en", "thanks_hi", "thanks_en"} {
		pcm := make([]byte, 3200)
		for i := 0; i < 1600; i++ {
			binary.LittleEndian.PutUint16(pcm[2*i:], uint16(int16(3000*((i/10)%2*2-1))))
		}
		h := make([]byte, 44)
		copy(h, "RIFF")
		binary.LittleEndian.PutUint32(h[4:], uint32(36+len(pcm)))
		copy(h[8:], "WAVEfmt ")
		binary.LittleEndian.PutUint32(h[16:], 16)
		binary.LittleEndian.PutUint16(h[20:], 1)
		binary.LittleEndian.PutUint16(h[22:], 1)
		binary.LittleEndian.PutUint32(h[24:], 8000)
		binary.LittleEndian.PutUint32(h[28:], 16000)
		binary.LittleEndian.PutUint16(h[32:], 2)
		binary.LittleEndian.PutUint16(h[34:], 16)
		copy(h[36:], "data")
		binary.LittleEndian.PutUint32(h[40:], uint32(len(pcm)))
		if err := os.WriteFile(filepath.Join(dir, n+".wav"), append(h, pcm...), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var sipPasswordRE = regexp.MustCompile(`<code class="secret">([a-z0-9]+)</code>`)

// TestHelplineConsoles: the administrator issues an agent's phone account,
// the agent's phone registers with it, a citizen who complained before
// calls; the agent console shows the caller's number and earlier
// complaint; the agent registers a complaint (channel phone) linked to the
// call; the control room's wall and helpline page show the agent on the
// call; the call record keeps the complaint.
func TestHelplineConsoles(t *testing.T) {
	// The citizen's phone also stands in for the trunk's outbound side:
	// call-backs to a number reach it.
	citizen := newTestPhone(t, func(d *diago.DialogServerSession) {
		if _, err := d.Answer(diago.AnswerOptions{}); err != nil {
			return
		}
		select {
		case <-d.Context().Done():
		case <-time.After(time.Second):
		}
	})
	trunk := "sip:{n}@" + citizen.conn.LocalAddr().String()
	m := MustRunMain(t, "", map[string]string{"NIVARAN_SIP_ADDR": "127.0.0.1:0", "NIVARAN_SIP_WRAPUP_SECONDS": "0",
		"NIVARAN_SIP_PROMPTS": shortPrompts(t), "NIVARAN_SIP_TRUNK_DIAL": trunk})
	ctx := context.Background()
	agentUser := &grievance.User{Login: "agent7", Name: "Agent Seven", Roles: []grievance.Role{grievance.RoleAgent},
		PasswordHash: auth.HashPassword("agent-password-7", auth.DefaultParams), Language: grievance.English}
	if err := m.Store.CreateUser(ctx, agentUser); err != nil {
		t.Fatal(err)
	}
	api := newClient(t, m)
	earlier := fileJSON(t, api, map[string]any{"mobile": "9812345678"})["number"].(string)

	admin := newClient(t, m)
	admin.lang = "en"
	tok := admin.login("admin", testAdminPassword)
	// Bad input: unknown user, bad SIP name, helplines without language.
	for _, bad := range []url.Values{
		{"login": {"nobody"}},
		{"login": {"agent7"}, "sip_user": {"Agent 7!"}},
		{"login": {"agent7"}, "helplines": {"district"}},
	} {
		bad.Set("csrf", tok)
		if r := admin.postForm("/admin/agents", bad); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("issue %v: status %d, want 422", bad, r.Status)
		}
	}
	r := admin.postForm("/admin/agents", url.Values{"csrf": {tok}, "login": {"agent7"}, "languages": {"hi", "en"}, "helplines": {"district,visitors"}})
	pw := sipPasswordRE.FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || pw == nil {
		t.Fatalf("issue phone account: status %d\n%.1500s", r.Status, r.Body)
	}

	// A new agent created from the same page: a Nivaran account with the
	// agent role, both passwords shown once.
	r = admin.postForm("/admin/agents", url.Values{"csrf": {tok}, "login": {"agent8"}, "create": {"1"}, "name": {"Agent Eight"},
		"languages": {"en"}, "helplines": {"visitors"}})
	web := regexp.MustCompile(`<code class="web-secret">([a-z0-9]+)</code>`).FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || web == nil || sipPasswordRE.FindStringSubmatch(r.Body) == nil {
		t.Fatalf("create agent: %d\n%.1500s", r.Status, r.Body)
	}
	newAgent := newClient(t, m)
	lp := newAgent.get("/officer/login")
	if r := newAgent.postForm("/officer/login", url.Values{"csrf": {csrf(t, lp.Body)}, "login": {"agent8"}, "password": {web[1]}}); r.Status != http.StatusSeeOther {
		t.Errorf("new agent signs in with the first password: %d", r.Status)
	}
	if r := newAgent.get("/agent"); r.Status != http.StatusSeeOther || r.Location != "/officer/password" {
		t.Errorf("new agent before changing the password: %d %s, want the password page", r.Status, r.Location)
	}
	if u, err := m.Store.UserByLogin(ctx, "agent8"); err != nil || !u.MustChange || len(u.Roles) != 1 || u.Roles[0] != grievance.RoleAgent {
		t.Errorf("new agent: %+v %v", u, err)
	}
	// Both changes are in the audit log, by the administrator, without
	// the passwords or their digests.
	audit := admin.get("/admin/audit?entity=phone_account")
	for _, want := range []string{"<code>agent7</code>", "<code>agent8</code>", "Phone account", "Created", `&#34;Helplines&#34;:[&#34;district&#34;,&#34;visitors&#34;]`} {
		if !strings.Contains(audit.Body, want) {
			t.Errorf("audit of phone accounts: no %q\n%.3000s", want, audit.Body)
		}
	}
	if users := admin.get("/admin/audit?entity=user"); !strings.Contains(users.Body, "<code>agent8</code>") {
		t.Errorf("audit of accounts: the new agent agent8 missing\n%.3000s", users.Body)
	}
	sipAgent7, _ := m.Store.SIPAgent(ctx, "agent7")
	for _, secret := range []string{pw[1], web[1], sipAgent7.HA1} {
		if strings.Contains(audit.Body, secret) {
			t.Errorf("the audit page shows a secret %q", secret)
		}
	}
	// Renewing the account is audited as a renewal.
	r = admin.postForm("/admin/agents", url.Values{"csrf": {tok}, "login": {"agent8"}, "languages": {"en", "hi"}, "helplines": {"visitors"}})
	if r.Status != http.StatusOK {
		t.Fatalf("renew: %d", r.Status)
	}
	if es, _ := m.Store.Audit(ctx, grievance.AuditFilter{Entity: grievance.AuditPhoneAccount, Limit: 1}); len(es) != 1 ||
		es[0].Action != grievance.AuditRenew || es[0].EntityKey != "agent8" || es[0].ActorLogin != "admin" ||
		!strings.Contains(es[0].Before, `"Languages":["en"]`) || !strings.Contains(es[0].After, `"Languages":["en","hi"]`) {
		t.Errorf("renewal audited as %+v", es)
	}

	answered := make(chan struct{})
	var once sync.Once
	agentPhone := newTestPhone(t, func(d *diago.DialogServerSession) {
		if _, err := d.Answer(diago.AnswerOptions{}); err != nil {
			return
		}
		once.Do(func() { close(answered) })
		<-d.Context().Done()
	})
	sipPort := m.Helpline.Addr().Port()
	regCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tx, err := agentPhone.dg.RegisterTransaction(regCtx, sip.Uri{Scheme: "sip", User: "agent7", Host: "127.0.0.1", Port: int(sipPort)},
		diago.RegisterOptions{Username: "agent7", Password: pw[1], Expiry: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Register(regCtx); err != nil {
		t.Fatalf("register with the issued password: %v", err)
	}

	agent := newClient(t, m)
	agent.lang = "en"
	atok := agent.login("agent7", "agent-password-7")
	if r := agent.get("/agent"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Available") {
		t.Fatalf("console before the call: %d\n%.1500s", r.Status, r.Body)
	}
	// Officers are not agents.
	officer := newClient(t, m)
	officer.login("mun-l1", testDemoPassword)
	if r := officer.get("/agent"); r.Status != http.StatusForbidden {
		t.Errorf("officer at /agent: %d, want 403", r.Status)
	}

	callCtx, stopCall := context.WithTimeout(ctx, 30*time.Second)
	defer stopCall()
	opts := diago.InviteOptions{Headers: []sip.Header{&sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "9812345678", Host: "127.0.0.1"}, Params: sip.NewParams()}}}
	d, med, err := citizen.dg.Invite(callCtx, sip.Uri{Scheme: "sip", User: "1076", Host: "127.0.0.1", Port: int(sipPort)}, opts)
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	go med.Listen() // the phone's own reader; the server needs nothing from it
	time.Sleep(100 * time.Millisecond)
	dw, err := med.AudioWriterDTMF()
	if err != nil {
		t.Fatal(err)
	}
	dw.WriteDTMF('2')
	select {
	case <-answered:
	case <-time.After(15 * time.Second):
		t.Fatal("the agent's phone was not offered the call")
	}
	var console response
	deadline := time.Now().Add(5 * time.Second)
	for {
		console = agent.get("/agent")
		if strings.Contains(console.Body, "9812345678") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(console.Body, "9812345678") || !strings.Contains(console.Body, earlier) {
		t.Fatalf("console during the call lacks the caller or their earlier complaint %s:\n%.3000s", earlier, console.Body)
	}
	callID := regexp.MustCompile(`name="call" value="([^"]+)"`).FindStringSubmatch(console.Body)
	if callID == nil {
		t.Fatal("no call id on the console")
	}
	// Linking the call to someone else's complaint is refused; to the
	// caller's earlier one it works (the new complaint below replaces it).
	other := fileJSON(t, api, map[string]any{"mobile": "9800000001"})["number"].(string)
	if r := agent.postForm("/agent/link", url.Values{"csrf": {atok}, "call": {callID[1]}, "complaint": {other}}); r.Status != http.StatusNotFound {
		t.Errorf("link another citizen's complaint: %d, want 404", r.Status)
	}
	if r := agent.postForm("/agent/link", url.Values{"csrf": {atok}, "call": {callID[1]}, "complaint": {earlier}}); r.Status != http.StatusSeeOther {
		t.Errorf("link the caller's earlier complaint: %d", r.Status)
	}
	// Bad input: an invalid complaint changes nothing and says why.
	bad := agent.postForm("/agent/complaints", url.Values{"csrf": {atok}, "call": {callID[1]}, "name": {"X"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Errorf("empty complaint: status %d, want 422", bad.Status)
	}
	res := agent.postForm("/agent/complaints", url.Values{"csrf": {atok}, "call": {callID[1]}, "name": {"Rekha"}, "language": {"en"},
		"category": {"mun-garbage"}, "area": {"w-z1-aminabad"}, "address": {"Gali 5, Aminabad"}, "description": {"Garbage not lifted for a week."}})
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Location, "filed=") {
		t.Fatalf("register complaint: %d %s\n%.2000s", res.Status, res.Location, res.Body)
	}
	filed := strings.TrimPrefix(res.Location[strings.Index(res.Location, "filed="):], "filed=")
	c, err := m.Store.Complaint(ctx, grievance.SystemActor, filed)
	if err != nil || c.Channel != grievance.ChannelPhone || c.Mobile != "9812345678" {
		t.Fatalf("complaint %s: %+v %v", filed, c, err)
	}

	// The control room sees the agent on the call.
	var h struct {
		Agents []struct{ Name, Status string }
	}
	if r := admin.get("/control/helpline.json"); json.Unmarshal([]byte(r.Body), &h) != nil || len(h.Agents) != 1 || h.Agents[0].Status != "on_call" {
		t.Errorf("helpline.json: %s", r.Body)
	}
	if r := admin.get("/control/wall"); !strings.Contains(r.Body, "agent7") || !strings.Contains(r.Body, "On a call") {
		t.Errorf("wall's helpline panel lacks the agent on the call")
	}
	if r := admin.get("/control/helpline"); r.Status != http.StatusOK || !strings.Contains(r.Body, "agent7") {
		t.Errorf("helpline page: %d", r.Status)
	}
	// The supervisor (admin holds the role) listens from the control room:
	// without a phone account first (refused with a message), then with
	// one, their registered phone is dialled into the call; then barges.
	if r := admin.postForm("/control/helpline/supervise", url.Values{"csrf": {tok}, "call": {callID[1]}, "mode": {"listen"}}); r.Status != http.StatusConflict {
		t.Errorf("supervise without a phone: %d, want 409", r.Status)
	}
	r = admin.postForm("/admin/agents", url.Values{"csrf": {tok}, "login": {"admin"}})
	supPw := sipPasswordRE.FindStringSubmatch(r.Body)
	if supPw == nil {
		t.Fatalf("supervisor's phone account: %d", r.Status)
	}
	supPhone := newTestPhone(t, func(d *diago.DialogServerSession) {
		if _, err := d.Answer(diago.AnswerOptions{}); err == nil {
			<-d.Context().Done()
		}
	})
	supCtx, supCancel := context.WithTimeout(ctx, 5*time.Second)
	defer supCancel()
	stx, err := supPhone.dg.RegisterTransaction(supCtx, sip.Uri{Scheme: "sip", User: "admin", Host: "127.0.0.1", Port: int(sipPort)},
		diago.RegisterOptions{Username: "admin", Password: supPw[1], Expiry: time.Minute})
	if err != nil || stx.Register(supCtx) != nil {
		t.Fatalf("supervisor's phone registers: %v", err)
	}
	if r := admin.postForm("/control/helpline/supervise", url.Values{"csrf": {tok}, "call": {callID[1]}, "mode": {"listen"}}); r.Status != http.StatusSeeOther {
		t.Errorf("listen: %d\n%.1500s", r.Status, r.Body)
	}
	if r := admin.postForm("/control/helpline/supervise", url.Values{"csrf": {tok}, "call": {callID[1]}, "mode": {"barge"}}); r.Status != http.StatusSeeOther {
		t.Errorf("barge: %d", r.Status)
	}
	if r := admin.postForm("/control/helpline/supervise", url.Values{"csrf": {tok}, "call": {callID[1]}, "mode": {"shout"}}); r.Status != http.StatusConflict && r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown mode: %d, want 4xx", r.Status)
	}
	if r := agent.postForm("/control/helpline/supervise", url.Values{"csrf": {atok}, "call": {callID[1]}, "mode": {"listen"}}); r.Status != http.StatusForbidden {
		t.Errorf("agent supervises: %d, want 403", r.Status)
	}

	// A break asked for during the call, with a bad reason first.
	if r := agent.postForm("/agent/break", url.Values{"csrf": {atok}, "reason": {"nap"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad break reason: %d, want 422", r.Status)
	}
	if r := agent.postForm("/agent/break", url.Values{"csrf": {atok}, "reason": {"tea"}}); r.Status != http.StatusSeeOther {
		t.Errorf("break: %d", r.Status)
	}

	d.Hangup(ctx)
	d.Close()
	var rec grievance.CallRecord
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		calls, _ := m.Store.Calls(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 1)
		if len(calls) == 1 {
			rec = calls[0]
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rec.Complaint != filed || rec.Outcome != "answered" || rec.AgentID != agentUser.ID || rec.RecordingKey == "" {
		t.Errorf("call record: %+v", rec)
	}
	if full, _ := m.Store.Call(ctx, rec.ID); full == nil || len(full.Legs) != 3 || full.Legs[2].Role != "supervisor" || full.Legs[2].Party != "admin" {
		t.Errorf("legs: %+v, want caller, agent, supervisor", full)
	}
	// The control room's call list and report, and the recording played
	// with a range request, logged; an agent may not play it.
	if r := admin.get("/control/calls"); r.Status != http.StatusOK || !strings.Contains(r.Body, filed) || !strings.Contains(r.Body, "/recording") {
		t.Errorf("calls page: %d\n%.2000s", r.Status, r.Body)
	}
	recURL := admin.base + "/control/calls/" + itoa(rec.ID) + "/recording"
	req, _ := http.NewRequest("GET", recURL, nil)
	req.Header.Set("Range", "bytes=0-99")
	if r := admin.do(req); r.Status != http.StatusPartialContent || len(r.Body) != 100 || !strings.HasPrefix(r.Body, "RIFF") {
		t.Errorf("range request: %d, %d bytes", r.Status, len(r.Body))
	}
	if r := agent.get("/control/calls/" + itoa(rec.ID) + "/recording"); r.Status != http.StatusForbidden {
		t.Errorf("agent plays a recording: %d, want 403", r.Status)
	}
	if r := admin.get("/control/calls/999999/recording"); r.Status != http.StatusNotFound {
		t.Errorf("unknown call's recording: %d, want 404", r.Status)
	}
	if r := admin.get("/control/calls?day=yesterday"); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
		t.Errorf("bad day: %d, want 4xx", r.Status)
	}
	plays, err := m.Store.RecordingPlays(ctx, rec.ID)
	if err != nil || len(plays) != 1 || plays[0].Bytes != "bytes=0-99" {
		t.Errorf("playbacks logged: %+v %v, want the one range request", plays, err)
	}

	// After the call the agent takes the break asked for.
	deadline = time.Now().Add(5 * time.Second)
	for !strings.Contains(agent.get("/agent").Body, "On break") {
		if time.Now().After(deadline) {
			t.Fatal("agent not on break after the call")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A missed call becomes a call-back request; the agent, back from the
	// break, calls back: the agent's phone, then the citizen's number
	// through the trunk; the call is recorded and the request done.
	if code := func() int {
		_, _, err := citizen.dg.Invite(callCtx, sip.Uri{Scheme: "sip", User: "1078", Host: "127.0.0.1", Port: int(sipPort)}, opts)
		var de *sipgo.ErrDialogResponse
		if errors.As(err, &de) {
			return de.Res.StatusCode
		}
		return 0
	}(); code != 486 {
		t.Fatalf("missed-call number: %d, want 486", code)
	}
	if r := agent.postForm("/agent/break", url.Values{"csrf": {atok}, "resume": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("resume: %d", r.Status)
	}
	page := agent.get("/agent")
	cb := regexp.MustCompile(`action="/agent/callbacks/(\d+)"`).FindStringSubmatch(page.Body)
	if cb == nil || !strings.Contains(page.Body, "xxxxxx5678") {
		t.Fatalf("no call-back on the console:\n%.3000s", page.Body)
	}
	if r := agent.postForm("/agent/callbacks/"+cb[1], url.Values{"csrf": {atok}}); r.Status != http.StatusSeeOther {
		t.Fatalf("call back: %d", r.Status)
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		cbs, _ := m.Store.Callbacks(ctx, 10)
		if len(cbs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("call-back request not done")
		}
		time.Sleep(100 * time.Millisecond)
	}
	calls, _ := m.Store.Calls(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 5)
	if len(calls) == 0 || calls[0].Direction != "out" || calls[0].Outcome != "answered" || calls[0].RecordingKey == "" {
		t.Errorf("call-back record: %+v", calls)
	}
}
