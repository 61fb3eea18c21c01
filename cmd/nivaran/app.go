package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"nivaran/internal/api"
	"nivaran/internal/auth"
	"nivaran/internal/blob"
	"nivaran/internal/config"
	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
	"nivaran/internal/live"
	"nivaran/internal/masters"
	"nivaran/internal/notify"
	"nivaran/internal/open311"
	"nivaran/internal/reply"
	"nivaran/internal/route"
	"nivaran/internal/store"
	"nivaran/internal/telephony"
	"nivaran/internal/web"
	"nivaran/internal/webhook"
)

// Main is the whole server: it wires the concrete parts together.
type Main struct {
	Config config.Config
	Store  *store.Store
	Auth   *auth.Service
	HTTP   *http.Server
	Out    io.Writer // the console: first-run credentials and addresses
	Now    func() time.Time

	Bus        *live.Bus           // live changes for the control room's screens
	SMS        *smsParts           // nil when NIVARAN_SMS_GATEWAY=off
	Dispatcher *notify.Dispatcher  // nil when NIVARAN_SMS_GATEWAY=off
	Helpline   *telephony.Server   // nil unless NIVARAN_SIP_ADDR is set
	verifier   *telephony.Verifier // the automatic feedback calls; nil when off

	routes   []string            // every route's pattern (Routes)
	Webhooks *webhook.Dispatcher // sends the integrations' webhooks

	ln      net.Listener
	serving chan error
	stop    context.CancelFunc // stops the background jobs
	jobs    sync.WaitGroup
}

// NewMain returns a Main with defaults.
func NewMain() *Main {
	return &Main{Config: config.Default(), Out: os.Stdout, Now: time.Now}
}

// ParseFlags loads the configuration from args and the environment.
func (m *Main) ParseFlags(args []string) error {
	c, err := config.Load(args, os.Getenv)
	if err != nil {
		return err
	}
	m.Config = c
	return nil
}

// Addr returns the address the server listens on, once Run has started it.
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// Run opens the data directory and database, sets up the first run, and
// starts serving in the background.
func (m *Main) Run(ctx context.Context) error {
	c := &m.Config
	setupLog(c.LogLevel)
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return fmt.Errorf("data directory %s: %w", c.Data, err)
	}
	secret, err := loadSecret(c)
	if err != nil {
		return err
	}
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	blobs, err := blob.NewDir(filepath.Join(c.Data, "blobs"))
	if err != nil {
		return err
	}
	m.ln, err = net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (NIVARAN_ADDR): %w", c.Addr, err)
	}
	base := c.BaseURL
	if base == "" {
		base = "http://" + m.ln.Addr().String()
	}
	m.SMS, err = newSMS(c, cat, secret, base)
	if err != nil {
		return err
	}
	var messenger grievance.Messenger // stays a nil interface when SMS is off, not a nil *Planner
	if m.SMS != nil {
		messenger = m.SMS.planner
	}
	// Live screens: every committed change, numbered from the start time so
	// that a screen reconnecting after a restart is told to reload; on
	// PostgreSQL by the changes' event IDs, the same on every server, so
	// that a screen reconnecting to another server catches up there.
	if c.Database != "" {
		m.Bus = live.NewSharedBus(4096)
	} else {
		m.Bus = live.NewBus(4096, time.Now().UnixMicro())
	}
	var smsChanged func([]grievance.SMSTemplateEdit) // other servers' template edits, on PostgreSQL
	if m.SMS != nil {
		smsChanged = m.SMS.applyEdits
	}
	m.Store, err = store.Open(ctx, store.Options{
		Path: filepath.Join(c.Data, "nivaran.db"), DatabaseURL: c.Database, Now: m.Now, Blobs: blobs, Location: c.Location, Messenger: messenger,
		LevelDays: c.EscalationDays, ProofDistance: float64(c.ProofDistance),
		DuplicateWindow: c.DupWindow, DuplicateDistance: float64(c.DupDistance),
		SaturdaysOff: c.SaturdaysOff, WorkStart: c.WorkStart, WorkEnd: c.WorkEnd, Publish: m.Bus.Publish,
		WriteWait: c.WriteWait, SMSTemplatesChanged: smsChanged,
	})
	if err != nil {
		return err
	}
	first, err := m.firstRun(ctx)
	if err != nil {
		return err
	}
	if m.SMS != nil {
		if err := m.SMS.loadEdits(ctx, m.Store); err != nil {
			return err
		}
	}
	if err := m.startHelpline(secret, blobs, cat); err != nil {
		return err
	}

	m.Auth = auth.NewService(m.Store, m.Store, m.Store)
	m.Auth.Lockout, m.Auth.LockoutFor, m.Auth.TTL, m.Auth.Now = c.LoginLockout, c.LockoutFor, c.SessionTTL, m.Now
	public := auth.NewLimiter(c.RateLimit.N, c.RateLimit.Per, m.Now)
	if c.RateLimit.Off() {
		m.Auth.PerAddress = auth.NewLimiter(0, time.Minute, nil)
	}
	// One-time codes per client address: a flood of codes costs the
	// district money and annoys the numbers' owners.
	otpLimit := auth.NewLimiter(10, time.Hour, m.Now)
	if c.RateLimit.Off() {
		otpLimit = auth.NewLimiter(0, time.Hour, nil)
	}
	var otpMessage func(string, grievance.Lang, string, time.Time) (grievance.Message, error)
	if m.SMS != nil {
		otpMessage = m.SMS.planner.OTP
	}
	stopStreams := make(chan struct{})
	ws, err := web.New(web.Deps{
		Complaints: m.Store, Masters: m.Store, Blobs: blobs, Auth: m.Auth, Catalogue: cat, Secret: secret,
		MaxPhotoBytes: c.MaxPhotoBytes, Public: public, SecureCookies: c.SecureCookies, Location: c.Location, Now: m.Now,
		Wall: m.Store, Bus: m.Bus, Stop: stopStreams, MapTiles: c.MapTiles, MapAttribution: c.MapAttribution,
		OTP: m.Store, OTPLimit: otpLimit, OTPMessage: otpMessage, Outbox: m.Store, SMS: smsAdminFor(m),
		Reports: m.Store, Duplicates: m.Store, Admin: m.Store,
		Analytics: m.Store, APIAccess: m.Store, Webhooks: m.Store,
		Helpline: m.helplineControl(), Calls: m.Store,
	})
	if err != nil {
		return err
	}
	as := &api.Server{
		Complaints: m.Store, Masters: m.Store, Catalogue: cat, Public: public, ClientAddr: web.RemoteHost,
		Location: c.Location, TrackLink: func(n string) string { return c.BaseURL + ws.PublicLink(n) },
		Auth:     m.Auth,
		Tokens:   &auth.TokenIssuer{Auth: m.Auth, Store: m.Store, UserTTL: c.SessionTTL, CitizenTTL: auth.DefaultCitizenTokenTTL},
		Codes:    &auth.Codes{Store: m.Store, Secret: secret, Message: otpMessage, Now: m.Now},
		OTPLimit: otpLimit, MaxPhotoBytes: c.MaxPhotoBytes, Blobs: blobs, Now: m.Now,
		// A field officer's app reads a complaint, its history and photos
		// at once: a token gets ten times an address's allowance.
		PerToken: auth.NewLimiter(10*c.RateLimit.N, c.RateLimit.Per, m.Now),
	}

	if m.SMS != nil {
		m.Dispatcher, err = notify.NewDispatcher(m.Store, m.SMS.gateway, notify.DispatcherOptions{
			Gateway: c.SMSGateway, Signer: m.SMS.signer, EntityID: m.SMS.catalog.EntityID, Header: m.SMS.catalog.Header, Now: m.Now,
			BackoffBase: c.SMS.RetryBase, BackoffMax: c.SMS.RetryMax, MaxAttempts: c.SMS.MaxAttempts,
			Lease: c.SMS.Lease, SendTimeout: c.SMS.Lease / 4,
		})
		if err != nil {
			return err
		}
	}
	mux := route.New()
	mux.Handle("/api/v1/", as.Handler())
	mux.Handle("GET /api", as.Handler())
	o311 := &open311.Server{
		Complaints: m.Store, Masters: m.Store, Keys: m.Store, Catalogue: cat, Public: public, ClientAddr: web.RemoteHost,
		Location: c.Location, Now: m.Now, BaseURL: base, Jurisdiction: jurisdiction(c.BaseURL),
	}
	mux.Handle(open311.Prefix, o311.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := m.Store.Ready(ctx); err != nil {
			reply.Log(r, err)
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	if m.Dispatcher != nil {
		mux.Handle("/sms/dlr/", notify.DLRHandler(m.Dispatcher))
		perSender := auth.NewLimiter(10, time.Hour, m.Now)
		inbound := &notify.Inbound{Complaints: m.Store, Outbox: m.Store, Planner: m.SMS.planner, Labels: cat, Now: m.Now,
			Log: slog.Default(), Allow: func(from string) bool { ok, _ := perSender.Allow(from); return ok }}
		mux.Handle("/sms/inbound/", notify.InboundHandler(inbound, m.SMS.signer))
		slog.Info("inbound SMS webhook (for the gateway's configuration)",
			"url", base+"/sms/inbound/"+c.SMSGateway+"?t="+m.SMS.signer.Token(c.SMSGateway, "inbound")+"&from=%p&text=%a")
	}
	mux.Handle("/", ws.Handler())
	m.routes = joinRoutes(mux.Patterns(), map[string][]string{"/api/v1/": as.Routes(), "/": ws.Routes()})
	m.HTTP = &http.Server{
		Handler:           web.Recover(web.SecurityHeaders(mux, c.MapOrigin)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // five photos over slow mobile data
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	m.HTTP.RegisterOnShutdown(func() { close(stopStreams) })
	jobs, stop := context.WithCancel(context.Background())
	m.stop = stop
	if m.Dispatcher != nil {
		m.jobs.Add(1)
		go func() {
			defer m.jobs.Done()
			m.Dispatcher.Run(jobs)
		}()
	}
	m.Webhooks = webhook.New(m.Store, webhook.Options{Now: m.Now})
	m.jobs.Add(1)
	go func() {
		defer m.jobs.Done()
		m.Webhooks.Run(jobs)
	}()
	m.jobs.Add(1)
	go func() {
		defer m.jobs.Done()
		m.schedule(jobs)
	}()
	m.serving = make(chan error, 1)
	go func() { m.serving <- m.HTTP.Serve(m.ln) }()
	m.announce(first)
	return nil
}

// Close stops accepting requests, lets those in flight finish (up to 20 s),
// stops the background jobs, then closes the database. A second call does
// nothing.
func (m *Main) Close() error {
	defer func() { m.HTTP, m.ln, m.stop, m.Store, m.Bus = nil, nil, nil, nil, nil }()
	var errs []error
	if m.HTTP != nil && m.ln != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := m.HTTP.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		if err := <-m.serving; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if m.stop != nil {
		m.stop()
		m.jobs.Wait()
	}
	if m.Helpline != nil {
		errs = append(errs, m.Helpline.Close()) // its calls store their records first
		m.Helpline = nil
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	if m.Bus != nil {
		m.Bus.Close() // after the store, which publishes to it
	}
	return errors.Join(errs...)
}

// schedule runs the scheduler's sweep every SweepEvery until ctx ends:
// deadline warnings, escalations, unverified closures; and, with the
// helpline, the verification step's feedback calls (it returns when the
// calls in progress have ended).
func (m *Main) schedule(ctx context.Context) {
	c := &m.Config
	t := time.NewTicker(c.SweepEvery)
	defer t.Stop()
	for {
		res, err := m.Store.Sweep(ctx, m.Now(), grievance.SweepOptions{WarnBefore: c.WarnBefore, VerifyWithin: c.VerifyWithin})
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Error("scheduler sweep", "err", err)
		case res != (grievance.SweepResult{}):
			slog.Info("scheduler sweep", "warned", res.Warned, "escalated", res.Escalated, "top_of_ladder", res.TopOfLadder, "closed", res.Closed)
			if m.Dispatcher != nil {
				m.Dispatcher.Kick()
			}
		}
		if m.verifier != nil {
			if n, err := m.verifier.Due(ctx); err != nil && ctx.Err() == nil {
				slog.Error("scheduler feedback calls", "err", err)
			} else if n > 0 {
				slog.Info("scheduler feedback calls", "started", n)
			}
		}
		select {
		case <-ctx.Done():
			if m.verifier != nil {
				m.verifier.Wait()
			}
			return
		case <-t.C:
		}
	}
}

// jurisdiction is the Open311 jurisdiction_id of a server at base: its host
// name without "www.", as the standard suggests; "" (any is accepted) when
// the public address is not configured.
func jurisdiction(base string) string {
	u, err := url.Parse(base)
	if err != nil || base == "" {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// smsAdminFor returns the admin page's view of SMS, or nil when SMS is off.
func smsAdminFor(m *Main) web.SMSAdmin {
	if m.SMS == nil {
		return nil
	}
	return &smsAdmin{gateway: m.Config.SMSGateway, sms: m.SMS, edits: m.Store, outbox: m.Store, track: m.Config.SMS.TrackURL, now: m.Now}
}

// firstRunInfo is what the console shows after the first start.
type firstRunInfo struct {
	adminPassword string // generated, shown once; "" when taken from the environment
	created       bool
}

// firstRun loads the default masters into an empty database, creates the
// admin user, and makes sure every officer has an account.
func (m *Main) firstRun(ctx context.Context) (firstRunInfo, error) {
	var info firstRunInfo
	cur, err := m.Store.Masters(ctx)
	if err != nil {
		return info, err
	}
	if len(cur.Departments) == 0 {
		def, err := masters.Default()
		if err != nil {
			return info, err
		}
		if err := m.Store.ReplaceMasters(ctx, def); err != nil {
			return info, fmt.Errorf("load default masters: %w", err)
		}
		slog.Info("loaded the default district masters")
	}
	if _, err := m.Store.UserByLogin(ctx, "admin"); grievance.ErrorCode(err) == grievance.ENotFound {
		pw, must := m.Config.AdminPassword, false
		if pw == "" {
			pw, must = auth.NewPassword(), true
			info.adminPassword = pw
		}
		u := &grievance.User{Login: "admin", Name: "Administrator", Roles: []grievance.Role{grievance.RoleAdmin, grievance.RoleSupervisor},
			PasswordHash: auth.HashPassword(pw, auth.DefaultParams), MustChange: must, Language: grievance.Hindi}
		switch err := m.Store.CreateUser(ctx, u); {
		case err == nil:
			info.created = true
		case grievance.ErrorCode(err) == grievance.EConflict:
			// Another server sharing the database created it first.
		default:
			return info, err
		}
	} else if err != nil {
		return info, err
	}
	return info, ensureOfficerAccounts(ctx, m.Store, m.Config.DemoPassword)
}

// ensureOfficerAccounts gives every officer post a user account whose user
// ID is the post's code. Without a demo password the account cannot sign in
// until an administrator sets a password.
func ensureOfficerAccounts(ctx context.Context, st *store.Store, demoPassword string) error {
	ms, err := st.Masters(ctx)
	if err != nil {
		return err
	}
	for _, o := range ms.Officers {
		_, err := st.UserByLogin(ctx, o.Code)
		if err == nil {
			continue
		}
		if grievance.ErrorCode(err) != grievance.ENotFound {
			return err
		}
		u := &grievance.User{Login: o.Code, Name: o.Name, Roles: []grievance.Role{grievance.RoleOfficer}, OfficerID: o.ID, Language: o.Language}
		if demoPassword != "" {
			u.PasswordHash = auth.HashPassword(demoPassword, auth.DefaultParams)
		}
		if err := st.CreateUser(ctx, u); err != nil && grievance.ErrorCode(err) != grievance.EConflict {
			return err // conflict: another server sharing the database made it first
		}
	}
	return nil
}

func (m *Main) announce(info firstRunInfo) {
	host := m.ln.Addr().String()
	if strings.HasPrefix(host, "[::]:") || strings.HasPrefix(host, "0.0.0.0:") {
		host = "localhost" + host[strings.LastIndexByte(host, ':'):]
	}
	base := "http://" + host
	fmt.Fprintf(m.Out, "Nivaran is serving on %s (data in %s)\n", base, m.Config.Data)
	fmt.Fprintf(m.Out, "  citizen portal   %s/\n  officer console  %s/officer\n  control room     %s/control\n  live wall        %s/control/wall\n  API              %s/api/v1/categories\n",
		base, base, base, base, base)
	if info.adminPassword != "" {
		fmt.Fprintf(m.Out, "\nFirst run: sign in at %s/officer/login as user \"admin\" with password\n\n    %s\n\nThis is shown only once; you will be asked to change it at first sign-in.\n", base, info.adminPassword)
	}
}

// loadSecret returns the HMAC key: from the configuration, or generated once
// into the data directory.
func loadSecret(c *config.Config) ([]byte, error) {
	if c.Secret != "" {
		return []byte(c.Secret), nil
	}
	path := filepath.Join(c.Data, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	b = []byte(hex.EncodeToString(raw))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return b, nil
}

func setupLog(level string) {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})))
}
