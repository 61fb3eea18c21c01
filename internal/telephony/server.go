// Package telephony is Nivaran's phone helpline: an embedded SIP server on
// diago and sipgo (UDP, G.711 µ-law and A-law, RFC 4733 keypad events).
//
// The trunk (by source address or digest credentials) sends calls to the
// helplines' numbers; agents' phones register with the digest credentials
// the administrator issued. A call hears the greeting (with the recording
// announcement), chooses a language by keypad, waits in the queue with
// hold music, and is offered to the longest-idle available agent of its
// helpline and language; an agent who does not answer within the ring time
// is put on break and the call goes to the next. Every call is recorded
// (both sides of the caller, stereo WAV) into the blob store with its
// checksum, and stored as a call record with its legs. Agents' live status
// follows what happens, and every transition is stored.
//
// Media: each leg has one reader goroutine; one mixer tick per call writes
// every leg (mix-minus with roles, see mixer.go). SQL lives in the store;
// this package uses grievance.HelplineService and grievance.BlobStore.
package telephony

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"nivaran/internal/grievance"
)

// Config is the helpline's configuration (NIVARAN_SIP_* in internal/config).
type Config struct {
	Addr          string         // UDP host:port to listen on; port 0 picks a free one (tests)
	ExternalHost  string         // address put in Contact and SDP when it differs from the bind host
	Realm         string         // digest realm
	Secret        []byte         // HMAC key for stateless nonces
	Trunks        []netip.Prefix // source addresses whose INVITEs are accepted as the trunk
	TrunkUser     string         // or: digest credentials the trunk authenticates INVITEs with
	TrunkPassword string
	TrunkDial     string // outbound through the trunk: a SIP URI with {n} for the number, e.g. sip:{n}@10.0.0.1:5060
	Helplines     []Helpline
	PromptDir     string        // "" for the built-in placeholder prompts
	RecordDir     string        // temporary recordings while calls last
	RingTimeout   time.Duration // offer to an agent this long before moving on
	WrapUp        time.Duration // after-call work before the agent is offered the next call
	MenuTimeout   time.Duration // after the greeting, how long to wait for a key
	MaxExpires    time.Duration // longest registration granted
	Retention     time.Duration // recordings older than this are deleted; 0 keeps them
	Lockout       int           // wrong digest answers before the account locks
	LockoutFor    time.Duration
	Now           func() time.Time
	Log           *slog.Logger
}

func (c *Config) defaults() {
	if c.Realm == "" {
		c.Realm = "nivaran"
	}
	if len(c.Helplines) == 0 {
		c.Helplines = DefaultHelplines()
	}
	if c.RingTimeout == 0 {
		c.RingTimeout = 15 * time.Second
	}
	if c.MenuTimeout == 0 {
		c.MenuTimeout = 5 * time.Second
	}
	if c.MaxExpires == 0 {
		// Bindings live in memory: a short registration brings every phone
		// back within five minutes of a restart.
		c.MaxExpires = 5 * time.Minute
	}
	if c.Lockout == 0 {
		c.Lockout = 5
	}
	if c.LockoutFor == 0 {
		c.LockoutFor = 15 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.RecordDir == "" {
		c.RecordDir = os.TempDir()
	}
}

// Server is the running helpline.
type Server struct {
	cfg     Config
	store   grievance.HelplineService
	blobs   grievance.BlobStore
	onEvent func()
	log     *slog.Logger
	prompts prompts
	dids    map[string]*Helpline

	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	dg   *diago.Diago
	conn net.PacketConn
	addr netip.AddrPort

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the server started or serves in
	gate   sync.Mutex     // makes enter and Close's closing exclusive, so no Add races Wait
	closed bool

	stats MediaStats // guarded by mu

	mu      sync.Mutex
	agents  map[string]*agent // by SIP user
	waiting []*waiter         // the queue, oldest first
	calls   map[*call]struct{}
	seq     int64
}

// New checks cfg and loads the prompts; Start listens.
// onEvent, if set, is called (without locks held) after every change the
// control room's helpline panel shows.
func New(cfg Config, store grievance.HelplineService, blobs grievance.BlobStore, onEvent func()) (*Server, error) {
	cfg.defaults()
	if len(cfg.Secret) == 0 {
		return nil, errors.New("telephony: no secret for digest nonces")
	}
	p, err := loadPrompts(cfg.PromptDir, cfg.Helplines)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: store, blobs: blobs, onEvent: onEvent, log: cfg.Log, prompts: p,
		dids: map[string]*Helpline{}, agents: map[string]*agent{}, calls: map[*call]struct{}{}}
	for i := range cfg.Helplines {
		h := &s.cfg.Helplines[i]
		for _, d := range h.DIDs {
			if _, dup := s.dids[d]; dup {
				return nil, fmt.Errorf("telephony: number %s is given to two helplines (NIVARAN_SIP_HELPLINES)", d)
			}
			s.dids[d] = h
		}
	}
	if err := os.MkdirAll(cfg.RecordDir, 0o750); err != nil {
		return nil, fmt.Errorf("telephony: recordings directory: %w", err)
	}
	sweepRecordings(cfg.RecordDir)
	return s, nil
}

// Start binds the UDP socket (failing loudly if the port is taken) and
// serves in the background until Close.
func (s *Server) Start() error {
	conn, err := net.ListenPacket("udp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("telephony: listen on %s (NIVARAN_SIP_ADDR): %w", s.cfg.Addr, err)
	}
	s.conn = conn
	ap, err := netip.ParseAddrPort(conn.LocalAddr().String())
	if err != nil {
		conn.Close()
		return fmt.Errorf("telephony: %w", err)
	}
	s.addr = ap
	s.ua, err = sipgo.NewUA(sipgo.WithUserAgent("Nivaran"))
	if err != nil {
		conn.Close()
		return fmt.Errorf("telephony: %w", err)
	}
	s.srv, err = sipgo.NewServer(s.ua, sipgo.WithServerLogger(s.log))
	if err != nil {
		conn.Close()
		s.ua.Close()
		return fmt.Errorf("telephony: %w", err)
	}
	s.srv.OnRegister(s.onRegister)
	host := ap.Addr().String()
	tr := diago.Transport{Transport: "udp", BindHost: host, BindPort: int(ap.Port()), ExternalHost: s.cfg.ExternalHost}
	s.dg = diago.NewDiago(s.ua, diago.WithServer(s.srv), diago.WithTransport(tr), diago.WithLogger(s.log))
	s.dg.HandleFunc(s.handleInvite)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.srv.ServeUDP(conn); err != nil && !errors.Is(err, net.ErrClosed) && s.ctx.Err() == nil {
			s.log.Error("telephony: serve", "error", err)
		}
	}()
	go func() {
		defer s.wg.Done()
		s.housekeeping()
	}()
	// ServeUDP registers the socket in sipgo's pool from its goroutine; a
	// request sent before that would try to bind the port a second time.
	if err := waitServing(s.ua, ap.String()); err != nil {
		s.Close()
		return err
	}
	s.log.Info("telephony: SIP server listening", "addr", ap.String())
	return nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() netip.AddrPort { return s.addr }

// Close hangs up every call, stops serving and waits for every goroutine.
func (s *Server) Close() error {
	if s.cancel == nil {
		return nil
	}
	s.gate.Lock()
	s.closed = true
	s.gate.Unlock()
	s.cancel()
	s.mu.Lock()
	calls := make([]*call, 0, len(s.calls))
	for c := range s.calls {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	for _, c := range calls {
		c.hangup()
	}
	// Calls end (and store their records) before the socket goes.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		n := len(s.calls)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	err := s.srv.Close()
	s.conn.Close()
	s.ua.Close()
	s.wg.Wait()
	return err
}

func (s *Server) now() time.Time { return s.cfg.Now() }

// Live returns the live state (grievance.HelplineControl).
func (s *Server) Live() grievance.HelplineLive { return s.Snapshot() }

// housekeeping expires registrations, and recordings past retention.
func (s *Server) housekeeping() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var lastExpiry time.Time
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		now := s.now()
		if s.cfg.Retention > 0 && now.Sub(lastExpiry) >= time.Hour {
			lastExpiry = now
			if _, err := s.ExpireRecordings(s.ctx, now.Add(-s.cfg.Retention)); err != nil && s.ctx.Err() == nil {
				s.log.Error("telephony: recording retention", "error", err)
			}
		}
		var expired []string
		s.mu.Lock()
		for u, a := range s.agents {
			if a.registered && now.After(a.expires) {
				expired = append(expired, u)
			}
		}
		s.mu.Unlock()
		for _, u := range expired {
			s.unregister(u)
		}
	}
}

// transition applies ev to agent a (locked by the caller) and returns the
// transition to persist after unlocking.
func (s *Server) transitionLocked(a *agent, ev agentEvent, reason string, out *[]grievance.AgentTransition) bool {
	tr, ok := a.apply(ev, reason, s.now())
	if ok {
		*out = append(*out, tr)
	}
	return ok
}

// persist stores transitions and tells the wall.
func (s *Server) persist(trs []grievance.AgentTransition) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, t := range trs {
		if err := s.store.AgentTransitioned(ctx, t); err != nil {
			s.log.Error("telephony: store agent transition", "user_id", t.UserID, "error", err)
		}
	}
	s.changed()
}

func (s *Server) changed() {
	if s.onEvent != nil {
		s.onEvent()
	}
}

func (s *Server) register(ag grievance.SIPAgent, contact string, expires time.Time) {
	var trs []grievance.AgentTransition
	s.mu.Lock()
	a := s.agents[ag.SIPUser]
	if a == nil {
		a = &agent{}
		s.agents[ag.SIPUser] = a
	}
	a.SIPAgent = ag
	a.contact, a.expires = contact, expires
	s.transitionLocked(a, evRegister, "", &trs)
	s.matchLocked(&trs)
	s.mu.Unlock()
	s.persist(trs)
}

func (s *Server) unregister(user string) {
	var trs []grievance.AgentTransition
	s.mu.Lock()
	if a := s.agents[user]; a != nil {
		s.transitionLocked(a, evUnregister, "", &trs)
	}
	s.mu.Unlock()
	s.persist(trs)
}

// SetBreak puts the agent with Nivaran user id on break with reason (or
// takes them off it when reason is ""): from the agent console or a
// supervisor. ENotFound when the user has no phone account.
func (s *Server) SetBreak(userID int64, reason string) error {
	var trs []grievance.AgentTransition
	s.mu.Lock()
	var a *agent
	for _, x := range s.agents {
		if x.UserID == userID {
			a = x
		}
	}
	if a == nil {
		s.mu.Unlock()
		return grievance.Errorf(grievance.ENotFound, "error.not_found")
	}
	if reason == "" {
		s.transitionLocked(a, evResume, "", &trs)
		s.matchLocked(&trs)
	} else {
		s.transitionLocked(a, evBreak, reason, &trs)
	}
	s.mu.Unlock()
	s.persist(trs)
	return nil
}

// Snapshot returns the live state: agents by SIP user, the queue.
func (s *Server) Snapshot() grievance.HelplineLive {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := grievance.HelplineLive{At: now, Waiting: len(s.waiting), Calls: len(s.calls)}
	for _, w := range s.waiting {
		if d := now.Sub(w.since); d > snap.LongestWait {
			snap.LongestWait = d
		}
	}
	for _, a := range s.agents {
		v := grievance.AgentLive{UserID: a.UserID, Login: a.Login, SIPUser: a.SIPUser, Status: a.status, Since: a.since, Reason: a.reason}
		if v.Status == "" {
			v.Status = grievance.AgentOffline
		}
		for c := range s.calls {
			c.mu.Lock()
			if c.agent == a || c.ringing == a {
				v.Caller, v.CallID = c.callerNo, c.id
			}
			c.mu.Unlock()
		}
		snap.Agents = append(snap.Agents, v)
	}
	sortAgents(snap.Agents)
	return snap
}

func sortAgents(v []grievance.AgentLive) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].SIPUser < v[j-1].SIPUser; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// trunkAllowed reports whether req may place a call: from a trunk address,
// or authenticated with the trunk's credentials. It answers the INVITE
// itself (401 challenge, 403) when not.
func (s *Server) trunkAllowed(d *diago.DialogServerSession) bool {
	req := d.InviteRequest
	if ap, err := netip.ParseAddrPort(req.Source()); err == nil {
		for _, p := range s.cfg.Trunks {
			if p.Contains(ap.Addr().Unmap()) {
				return true
			}
		}
	}
	if s.cfg.TrunkUser != "" {
		now := s.now()
		if h := req.GetHeader("Authorization"); h != nil {
			if s.digestOK(h.Value(), "INVITE", s.cfg.TrunkUser, HA1(s.cfg.TrunkUser, s.cfg.Realm, s.cfg.TrunkPassword), now) {
				return true
			}
			d.Respond(403, "Forbidden", nil)
			return false
		}
		d.Respond(401, "Unauthorized", nil, s.challenge(now))
		return false
	}
	d.Respond(403, "Forbidden", nil)
	return false
}

func (s *Server) newCallID() string {
	s.mu.Lock()
	s.seq++
	n := s.seq
	s.mu.Unlock()
	return strconv.FormatInt(n, 10)
}

// dial places an outbound leg to uri (an agent's or officer's phone) with
// callerID shown, within ctx. It returns the dialog and its leg, or an
// error when not answered.
func (s *Server) dial(ctx context.Context, uri string, callerID string) (*diago.DialogClientSession, *leg, error) {
	var u sip.Uri
	if err := sip.ParseUri(uri, &u); err != nil {
		return nil, nil, fmt.Errorf("telephony: dial %s: %w", uri, err)
	}
	opts := diago.InviteOptions{}
	if callerID != "" {
		opts.Headers = []sip.Header{&sip.FromHeader{DisplayName: callerID,
			Address: sip.Uri{Scheme: "sip", User: callerID, Host: s.addr.Addr().String(), Port: int(s.addr.Port())},
			Params:  sip.NewParams()}}
	}
	d, med, err := s.dg.Invite(ctx, u, opts)
	if err != nil {
		return nil, nil, err
	}
	return d, newLeg(med), nil
}

// waitServing waits until sipgo's transport layer holds the socket at addr.
func waitServing(ua *sipgo.UserAgent, addr string) error {
	for i := 0; i < 500; i++ {
		if c, err := ua.TransportLayer().GetConnection("udp", addr); err == nil && c != nil {
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("telephony: the SIP socket %s did not become ready", addr)
}

// MediaStats are the mixer's counts over finished calls: whether the
// server kept up (frames written on time) and what the callers sent.
type MediaStats struct {
	Calls          int
	FramesDue      int64 // call time ÷ 20 ms, summed over calls
	FramesMixed    int64 // ticks the mixer ran
	CallerPackets  int64 // audio packets received from callers
	FramesRecorded int64
}

// Stats returns the media counts so far.
func (s *Server) Stats() MediaStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ExpireRecordings deletes the recordings of calls that arrived before
// before: the call records stay, without their recording. It returns how
// many were deleted.
func (s *Server) ExpireRecordings(ctx context.Context, before time.Time) (int, error) {
	rs, ok := s.store.(grievance.RecordingService)
	del, ok2 := s.blobs.(grievance.BlobDeleter)
	if !ok || !ok2 {
		return 0, nil
	}
	n := 0
	for {
		keys, err := rs.ExpireRecordings(ctx, before, 500)
		if err != nil {
			return n, err
		}
		for _, k := range keys {
			if err := del.Delete(ctx, k); err != nil {
				s.log.Error("telephony: delete recording", "key", k, "error", err)
			}
		}
		n += len(keys)
		if len(keys) < 500 {
			return n, nil
		}
	}
}

// enter counts a request handler or outbound call in, so that Close waits
// for it; false once Close has begun.
func (s *Server) enter() bool {
	s.gate.Lock()
	defer s.gate.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}
