package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/notify"
	"nivaran/internal/notify/kanneltest"
	"nivaran/internal/store"
)

// complaintSMS returns the outbox messages of complaint id, oldest first.
func complaintSMS(t testing.TB, st *store.Store, id int64) []grievance.Message {
	t.Helper()
	all, err := st.Messages(t.Context(), "", 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []grievance.Message
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].ComplaintID == id {
			out = append(out, all[i])
		}
	}
	return out
}

// waitSMS polls the outbox for up to timeout until complaint id has n
// messages, all with status want, and returns them; it fails the test with
// what it saw otherwise.
func waitSMS(t testing.TB, st *store.Store, id int64, n int, want grievance.MessageStatus, timeout time.Duration) []grievance.Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := complaintSMS(t, st, id)
		done := len(msgs) == n
		for _, m := range msgs {
			done = done && m.Status == want
		}
		if done {
			return msgs
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, m := range msgs {
				fmt.Fprintf(&b, "\n  #%d %s/%s to %s: %s (attempts %d, error %q)", m.ID, m.Event, m.Audience, m.To, m.Status, m.Attempts, m.LastError)
			}
			t.Fatalf("after %s complaint %d has %d messages, want %d all %s:%s", timeout, id, len(msgs), n, want, b.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// filed is a complaint filed in a test, as the store holds it, with the
// officer it was assigned to.
type filed struct {
	c       *grievance.Complaint
	officer *grievance.Officer
	ms      *grievance.Masters
}

func mustFiled(t testing.TB, st *store.Store, number string) filed {
	t.Helper()
	c, err := st.Complaint(t.Context(), grievance.SystemActor, number)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := st.Masters(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	o := ms.Officer(c.AssigneeID)
	if o == nil || !grievance.ValidMobile(o.Mobile) {
		t.Fatalf("complaint %s: assignee %d is not an officer with a mobile: %+v", number, c.AssigneeID, o)
	}
	return filed{c: c, officer: o, ms: ms}
}

// The texts below are the DLT templates of internal/notify/templates.json,
// written out again so that a change of wording or of the slot values shows
// here.

// registeredCitizen is the citizen's acknowledgement.
func (f filed) registeredCitizen(track string) string {
	dept := notify.Fit(f.ms.Department(f.c.Department).Name.In(f.c.Language))
	if f.c.Language == grievance.English {
		return fmt.Sprintf("Complaint %s registered with %s. Track it at %s", f.c.Number, dept, track)
	}
	return fmt.Sprintf("शिकायत %s दर्ज हुई, विभाग: %s। स्थिति देखें: %s", f.c.Number, dept, track)
}

// registeredOfficer is the assigned officer's notice.
func (f filed) registeredOfficer(loc *time.Location) string {
	l := f.officer.Language
	cat, area := notify.Fit(f.ms.Category(f.c.Category).Name.In(l)), notify.Fit(f.ms.Area(f.c.Area).Name.In(l))
	due := f.c.Due.In(loc).Format(notify.DateFormat)
	if l == grievance.English {
		return fmt.Sprintf("New complaint %s: %s, %s. Resolve by %s.", f.c.Number, cat, area, due)
	}
	return fmt.Sprintf("नई शिकायत %s: %s, %s। निस्तारण की अंतिम तिथि %s।", f.c.Number, cat, area, due)
}

// checkRegistered checks the two messages of a new complaint: first the
// citizen's, then the officer's.
func checkRegistered(t *testing.T, m *Main, f filed, msgs []grievance.Message) {
	t.Helper()
	if len(msgs) != 2 {
		t.Fatalf("complaint %s: %d messages, want 2", f.c.Number, len(msgs))
	}
	want := []struct {
		audience, to string
		lang         grievance.Lang
		text         string
	}{
		{notify.Citizen, f.c.Mobile, f.c.Language, f.registeredCitizen(m.Config.SMS.TrackURL)},
		{notify.Officer, f.officer.Mobile, f.officer.Language, f.registeredOfficer(m.Config.Location)},
	}
	for i, w := range want {
		g := msgs[i]
		if g.Event != notify.EventRegistered || g.Audience != w.audience || g.To != w.to || g.Lang != w.lang || g.Text != w.text {
			t.Errorf("complaint %s message %d: %s/%s to %s in %s %q\nwant %s/%s to %s in %s %q", f.c.Number, i,
				g.Event, g.Audience, g.To, g.Lang, g.Text, notify.EventRegistered, w.audience, w.to, w.lang, w.text)
		}
	}
}

// TestSMSOnRegistration files complaints through the API of a whole server
// with the log gateway: each tells the citizen (in the citizen's language)
// and the assigned officer (in the officer's) once, and an officer's
// action-taken report tells the citizen it is resolved.
func TestSMSOnRegistration(t *testing.T) {
	m := MustRunMain(t, "", nil)
	api := newClient(t, m)
	body := map[string]any{"name": "Ram Kumar", "mobile": "9811122233", "language": "en"}
	first := mustFiled(t, m.Store, fileJSON(t, api, body)["number"].(string))
	if first.c.Language != grievance.English || first.officer.Language != grievance.Hindi {
		t.Fatalf("want an English citizen and a Hindi officer, got %s and %s", first.c.Language, first.officer.Language)
	}
	msgs := waitSMS(t, m.Store, first.c.ID, 2, grievance.MsgDelivered, 10*time.Second)
	checkRegistered(t, m, first, msgs)

	// The same content filed again is a second complaint with its own two
	// messages, and nothing more for the first.
	second := mustFiled(t, m.Store, fileJSON(t, api, body)["number"].(string))
	if second.c.Number == first.c.Number {
		t.Fatalf("the same content filed twice got one number %s", first.c.Number)
	}
	checkRegistered(t, m, second, waitSMS(t, m.Store, second.c.ID, 2, grievance.MsgDelivered, 10*time.Second))
	if all, _ := m.Store.Messages(t.Context(), "", 500); len(all) != 4 {
		t.Errorf("outbox holds %d messages, want 4", len(all))
	}

	// The assigned officer accepts and reports through the web: the citizen
	// is told it is resolved.
	officer := newClient(t, m)
	token := officer.login(first.officer.Code, testDemoPassword)
	path := "/officer/complaints/" + first.c.Number
	if r := officer.postForm(path+"/accept", url.Values{"csrf": {token}}); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%.1000s", r.Status, r.Body)
	}
	r := officer.postMultipart(path+"/report", url.Values{"csrf": {token}, "note": {"कूड़ा उठवा दिया गया।"},
		"lat": {"26.85"}, "long": {"80.95"}}, file{"photo", "saaf.png", pngImage(t)})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("report: %d\n%.1000s", r.Status, r.Body)
	}
	msgs = waitSMS(t, m.Store, first.c.ID, 3, grievance.MsgDelivered, 10*time.Second)
	wantText := fmt.Sprintf("Complaint %s is resolved. Confirm or reject the resolution at %s", first.c.Number, m.Config.SMS.TrackURL)
	if g := msgs[2]; g.Event != notify.EventResolved || g.Audience != notify.Citizen || g.To != first.c.Mobile || g.Text != wantText {
		t.Errorf("after the report: %s/%s to %s %q, want resolved/citizen to %s %q", g.Event, g.Audience, g.To, g.Text, first.c.Mobile, wantText)
	}
	checkRegistered(t, m, first, msgs[:2])

	// Every message went through the gateway exactly once.
	all, err := m.Store.Messages(t.Context(), "", 500)
	if err != nil || len(all) != 5 {
		t.Fatalf("outbox holds %d messages (%v), want 5", len(all), err)
	}
	sent := map[int64]int{}
	for _, s := range m.SMS.log.Recent() {
		sent[s.ID]++
	}
	for _, g := range all {
		if sent[g.ID] != 1 {
			t.Errorf("message %d (%s/%s) went to the gateway %d times, want once", g.ID, g.Event, g.Audience, sent[g.ID])
		}
	}
	if len(sent) != len(all) {
		t.Errorf("the gateway sent %d distinct messages, the outbox holds %d", len(sent), len(all))
	}
}

// TestSMSThroughKannel files a Hindi complaint on a server that sends
// through a real Kannel: the fake SMSC behind it receives the citizen's
// Hindi text exactly, and Kannel's delivery reports mark the messages
// delivered in the outbox.
func TestSMSThroughKannel(t *testing.T) {
	if err := kanneltest.Missing(); err != nil {
		needService(t, "Kannel", err.Error())
	}
	if testing.Short() {
		t.Skip("starts Kannel")
	}
	k := kanneltest.Start(t)
	m := MustRunMain(t, "", map[string]string{
		"NIVARAN_SMS_GATEWAY": "kannel", "NIVARAN_SMS_URL": k.URL,
		"NIVARAN_SMS_USER": kanneltest.Username, "NIVARAN_SMS_PASSWORD": kanneltest.Password,
		"NIVARAN_SMS_KANNEL_TLV": "dlt_pe_id,dlt_template_id",
	})
	f := mustFiled(t, m.Store, fileJSON(t, newClient(t, m), nil)["number"].(string))
	if f.c.Language != grievance.Hindi {
		t.Fatalf("citizen language %s, want hi", f.c.Language)
	}
	// The delivery reports come back to the server (the DLR URL is built
	// from its listen address): both messages end delivered.
	msgs := waitSMS(t, m.Store, f.c.ID, 2, grievance.MsgDelivered, 30*time.Second)
	checkRegistered(t, m, f, msgs)

	want := map[string]string{"91" + f.c.Mobile: msgs[0].Text, "91" + f.officer.Mobile: msgs[1].Text}
	var got []kanneltest.SMS
	kanneltest.WaitFor(t, "the fake SMSC to receive both messages", 10*time.Second, func() bool {
		got = k.Messages(t)
		return len(got) >= 2
	})
	if len(got) != 2 {
		t.Errorf("the fake SMSC received %d messages, want 2: %+v", len(got), got)
	}
	for _, g := range got {
		w, ok := want[g.To]
		if !ok {
			t.Errorf("message to %s, want only %v", g.To, want)
			continue
		}
		delete(want, g.To)
		// fakesmsc calls the parts of a concatenated message "data"
		// whatever their coding; that the UTF-16 decoding gives the text back
		// proves they went as UCS-2.
		text, err := g.UCS2()
		if err != nil || text != w || (g.Coding != "ucs-2" && !(g.Parts > 1 && g.Coding == "data")) {
			t.Errorf("to %s (%s, %d parts):\n got %q (%v)\nwant %q", g.To, g.Coding, g.Parts, text, err, w)
		}
	}
	for to := range want {
		t.Errorf("no message reached %s", to)
	}
	// The DLT IDs travel with each message, as the operator's scrubbing needs.
	access, _ := os.ReadFile(filepath.Join(k.Dir, "access.log"))
	if !strings.Contains(string(access), "dlt_template_id="+msgs[0].TemplateID) || !strings.Contains(string(access), "dlt_pe_id=") {
		t.Errorf("Kannel's access log lacks the DLT IDs:\n%s", access)
	}
}

// gatewayStandIn plays a NIC-style HTTP SMS gateway (notify.Profiles()["nic"]:
// GET with username, pin, mnumber, message, signature, dlt_entity_id,
// dlt_template_id and msgType) that can be switched between refusing (HTTP
// 503), hanging (never answering before the client gives up) and accepting.
// The NIC profile sends no reference of ours, so it counts accepted messages
// by (mnumber, message): unique here, since every text carries its
// complaint's number.
type gatewayStandIn struct {
	t        *testing.T
	user, pw string

	mu       sync.Mutex
	mode     string // "refuse", "hang" or "accept"
	accepted map[[2]string]int
	refs     map[[2]string]string // the message ID answered for each
	total    int                  // accepted requests, duplicates included
	refused  int
	hanging  int // requests hanging now
	hung     int
	bad      []string
}

func newGatewayStandIn(t *testing.T, user, pw string) (*gatewayStandIn, *httptest.Server) {
	g := &gatewayStandIn{t: t, user: user, pw: pw, mode: "refuse", accepted: map[[2]string]int{}, refs: map[[2]string]string{}}
	srv := httptest.NewServer(g)
	// Hanging handlers end when their client goes away (a timeout or the
	// server being killed); Close waits for them.
	t.Cleanup(srv.Close)
	return g, srv
}

func (g *gatewayStandIn) set(mode string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mode = mode
}

// counts returns how many distinct messages and requests were accepted, how
// many were refused, and how many requests hang now and hung in all.
func (g *gatewayStandIn) counts() (distinct, total, refused, hanging, hung int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.accepted), g.total, g.refused, g.hanging, g.hung
}

var nicMobile = regexp.MustCompile(`^91[6-9]\d{9}$`)

func (g *gatewayStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	text, to := q.Get("message"), q.Get("mnumber")
	var problems []string
	if r.Method != http.MethodGet {
		problems = append(problems, "method "+r.Method)
	}
	if q.Get("username") != g.user || q.Get("pin") != g.pw {
		problems = append(problems, "credentials")
	}
	if !nicMobile.MatchString(to) {
		problems = append(problems, "mnumber "+to)
	}
	for _, p := range []string{"message", "signature", "dlt_entity_id", "dlt_template_id"} {
		if q.Get(p) == "" {
			problems = append(problems, "no "+p)
		}
	}
	if unicode := !notify.GSM(text); unicode != (q.Get("msgType") == "UC") {
		problems = append(problems, fmt.Sprintf("msgType %q for unicode=%v", q.Get("msgType"), unicode))
	}
	g.mu.Lock()
	if len(problems) > 0 {
		g.bad = append(g.bad, fmt.Sprintf("%s: %s", r.URL.RawQuery, strings.Join(problems, ", ")))
		g.mu.Unlock()
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	switch g.mode {
	case "refuse":
		g.refused++
		g.mu.Unlock()
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
	case "hang":
		g.hanging++
		g.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
		g.mu.Lock()
		g.hanging--
		g.hung++
		g.mu.Unlock()
		// Never an acceptance, even if the mode changed meanwhile: the
		// client has given up on this request.
		http.Error(w, "timeout", http.StatusGatewayTimeout)
	default:
		k := [2]string{to, text}
		g.accepted[k]++
		g.total++
		ref := fmt.Sprintf("nic%06d", g.total)
		if g.refs[k] == "" {
			g.refs[k] = ref
		}
		g.mu.Unlock()
		fmt.Fprintf(w, "Message Accepted. MsgID=%s", ref)
	}
}

// server is the nivaran binary running as a subprocess.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	exited chan struct{}
	base   string
}

// startServer runs bin with env and waits until it answers /healthz.
func startServer(t *testing.T, bin, logPath string, env []string, addr string) *server {
	t.Helper()
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, exited: make(chan struct{}), base: "http://" + addr}
	go func() { _ = cmd.Wait(); out.Close(); close(s.exited) }()
	t.Cleanup(func() { s.kill() })
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-s.exited:
			t.Fatalf("nivaran exited at start: %s", cmd.ProcessState)
		default:
		}
		if res, err := hc.Get(s.base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("nivaran did not answer /healthz within 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the server with SIGKILL: no shutdown, no flushing.
func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// stop ends the server with SIGTERM, as an orderly shutdown, and fails the
// test if it takes more than 25 s or fails.
func (s *server) stop() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(25 * time.Second):
		s.t.Fatal("nivaran did not stop within 25 s of SIGTERM")
	}
	if !s.cmd.ProcessState.Success() {
		s.t.Errorf("nivaran stopped with %s", s.cmd.ProcessState)
	}
}

func (s *server) client() *client {
	return &client{t: s.t, base: s.base, lang: "hi", http: &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// buildServer builds the nivaran binary into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool not found: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "nivaran")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestSMSFaultsExactlyOnce is the test: the gateway refuses, then
// hangs, while complaints keep being registered; the server is killed and
// restarted in the middle; when the gateway comes back, every message is
// delivered exactly once. It runs the real binary as a subprocess.
func TestSMSFaultsExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	const k = 30 // complaints per phase
	const user, pw = "nic-user", "nic-pin-0123"
	gw, gwSrv := newGatewayStandIn(t, user, pw)
	bin := buildServer(t)
	data, logPath, addr := t.TempDir(), filepath.Join(t.TempDir(), "nivaran.log"), freeAddr(t)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("--- nivaran log (last 8 KiB)\n%s", b[max(0, len(b)-8<<10):])
		}
	})
	env := []string{
		"NIVARAN_DATA=" + data, "NIVARAN_ADDR=" + addr,
		"NIVARAN_SMS_GATEWAY=nic", "NIVARAN_SMS_URL=" + gwSrv.URL + "/failsafe/HttpLink",
		"NIVARAN_SMS_USER=" + user, "NIVARAN_SMS_PASSWORD=" + pw,
		"NIVARAN_ADMIN_PASSWORD=" + testAdminPassword, "NIVARAN_RATE_LIMITS=off", "NIVARAN_LOG_LEVEL=warn",
		// Retries within a second instead of minutes, never giving up during
		// the outage, and claims that a dead server holds for 4 s (so sends
		// time out after 1 s) instead of 2 minutes.
		"NIVARAN_SMS_RETRY_BASE=100ms", "NIVARAN_SMS_RETRY_MAX=1s", "NIVARAN_SMS_MAX_ATTEMPTS=1000", "NIVARAN_SMS_LEASE=4s",
	}
	wait := func(what string, timeout time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for !cond() {
			if time.Now().After(deadline) {
				d, total, refused, hanging, hung := gw.counts()
				t.Fatalf("timed out after %s waiting for %s (gateway: %d distinct accepted, %d accepted, %d refused, %d hanging, %d hung)",
					timeout, what, d, total, refused, hanging, hung)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var numbers []string
	fileK := func(s *server) {
		t.Helper()
		c := s.client()
		for range k {
			numbers = append(numbers, fileJSON(t, c, nil)["number"].(string))
		}
	}

	// The gateway refuses: messages are queued and retried.
	srv := startServer(t, bin, logPath, env, addr)
	fileK(srv)
	wait("refused sends", 10*time.Second, func() bool { _, _, refused, _, _ := gw.counts(); return refused >= k })

	// The gateway hangs: sends time out and are retried.
	gw.set("hang")
	fileK(srv)
	wait("a send hanging", 10*time.Second, func() bool { _, _, _, hanging, _ := gw.counts(); return hanging > 0 })

	// Killed mid-send. This is the window where exactly once is provable:
	// the gateway has accepted nothing yet, so no message can have been
	// accepted without its outbox row saying so; the sends in flight die
	// unanswered and their claims expire. (A kill between an acceptance and
	// its status update would send that message twice on restart: the
	// at-least-once window that package notify documents and that no
	// gateway without an idempotency key lets us close.)
	srv.kill()
	if d, total, _, _, _ := gw.counts(); d != 0 || total != 0 {
		t.Fatalf("the gateway accepted %d messages before it came back", total)
	}

	// Restarted on the same data, still hanging; complaints keep coming.
	srv = startServer(t, bin, logPath, env, addr)
	fileK(srv)

	// The gateway comes back.
	gw.set("accept")
	want := 2 * 3 * k // citizen and officer for every complaint
	wait("every message accepted", 60*time.Second, func() bool { d, _, _, _, _ := gw.counts(); return d >= want })

	// Every acknowledged complaint survived the kill.
	c := srv.client()
	for _, n := range numbers {
		if r := c.get("/api/v1/complaints/" + n + "?mobile=9876543210"); r.Status != http.StatusOK {
			t.Errorf("complaint %s: status %d after the restart", n, r.Status)
		}
	}
	srv.stop()

	distinct, total, refused, _, hung := gw.counts()
	t.Logf("gateway: %d refused, %d hung, %d accepted (%d distinct)", refused, hung, total, distinct)
	if hung == 0 {
		t.Error("no send hung: the test did not cover timeouts")
	}
	gw.mu.Lock()
	defer gw.mu.Unlock()
	for _, b := range gw.bad {
		t.Errorf("malformed request: %s", b)
	}
	if distinct != want || total != want {
		t.Errorf("the gateway accepted %d messages (%d distinct), want %d, each once", total, distinct, want)
	}
	for key, n := range gw.accepted {
		if n != 1 {
			t.Errorf("to %s accepted %d times: %q", key[0], n, key[1])
		}
	}

	// The outbox agrees: two messages per complaint, all sent (the NIC
	// profile's final status: it reports no delivery), each matching one
	// accepted request and carrying the message ID the gateway answered.
	st, err := store.Open(t.Context(), store.Options{Path: filepath.Join(data, "nivaran.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all, err := st.Messages(t.Context(), "", 500)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != want {
		t.Errorf("outbox holds %d messages, want %d", len(all), want)
	}
	perComplaint := map[int64]int{}
	for _, m := range all {
		perComplaint[m.ComplaintID]++
		key := [2]string{"91" + m.To, m.Text}
		if m.Status != grievance.MsgSent || gw.accepted[key] != 1 || m.GatewayRef != gw.refs[key] {
			t.Errorf("message %d %s/%s: status %s, ref %q, accepted %d times as %q", m.ID, m.Event, m.Audience,
				m.Status, m.GatewayRef, gw.accepted[key], gw.refs[key])
		}
	}
	for _, n := range numbers {
		cpl, err := st.Complaint(t.Context(), grievance.SystemActor, n)
		if err != nil {
			t.Errorf("complaint %s: %v", n, err)
			continue
		}
		if perComplaint[cpl.ID] != 2 {
			t.Errorf("complaint %s has %d messages, want 2", n, perComplaint[cpl.ID])
		}
	}
	if len(numbers) != 3*k {
		t.Errorf("filed %d complaints, want %d", len(numbers), 3*k)
	}
}
