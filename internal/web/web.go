// Package web serves Nivaran's HTML surfaces: the citizen portal at /, the
// officer console at /officer and the control room at /control. Pages are
// server-rendered with html/template and work without JavaScript; a little
// script only improves them (location, printing). Templates and static files
// are embedded and parsed once at start-up.
package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
	"nivaran/internal/live"
	"nivaran/internal/route"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the web surfaces need.
type Deps struct {
	Complaints    grievance.ComplaintService
	Masters       grievance.MastersService
	Blobs         grievance.BlobStore
	Auth          *auth.Service
	Catalogue     *i18n.Catalogue
	Secret        []byte        // HMAC key for public tracking links
	MaxPhotoBytes int64         // per photo
	Public        *auth.Limiter // per client address, on public form posts
	OTP           grievance.OTPService
	Wall          grievance.WallService
	// MapTiles is the live wall's tile server URL template ({z}/{x}/{y});
	// "" shows the area heat grid instead. MapAttribution is its credit.
	MapTiles, MapAttribution string
	Bus                      *live.Bus
	// Stop closes when the server shuts down: event streams end then, so
	// that shutting down does not wait for them.
	Stop     <-chan struct{}
	Outbox   grievance.OutboxService
	SMS      SMSAdmin      // nil when SMS is off
	OTPLimit *auth.Limiter // one-time codes requested per client address
	// OTPMessage renders the SMS that carries a one-time code.
	OTPMessage    func(to string, lang grievance.Lang, code string, at time.Time) (grievance.Message, error)
	SecureCookies bool
	Location      *time.Location
	Now           func() time.Time
	// ClientAddr returns the client's address for rate limits; by default
	// the host of RemoteAddr.
	ClientAddr func(*http.Request) string
	// Reports computes the control room's defaulters list and scorecard;
	// nil: those pages are not found.
	Reports grievance.ReportService
	// Duplicates finds probable duplicates for the staff complaint page;
	// nil: none are offered.
	Duplicates grievance.DuplicateService
	// Analytics computes the control room's filterable reports under
	// /control/reports; nil: those pages are not found.
	Analytics grievance.AnalyticsService
	// Admin keeps the audited administration changes (officers,
	// categories, accounts, holiday imports) and the audit log.
	Admin AdminStore
	// APIAccess keeps Open311 keys and API tokens for /admin/api; nil:
	// that page is not found.
	APIAccess APIAccess
	// Helpline is the running phone helpline (nil when off: its pages are
	// not found); Calls keeps its accounts, calls and call-backs.
	Helpline grievance.HelplineControl
	Calls    grievance.HelplineService
	// Webhooks keeps the integrations' webhooks and their delivery log;
	// nil: /admin/webhooks is not found.
	Webhooks grievance.WebhookService
}

// Server is the web surfaces' handler.
type Server struct {
	Deps
	pages  map[string]*template.Template
	static map[string]staticFile // by hashed name
	wire   wireCache             // changes rendered for the event streams
	// wallCache shares the wall's periodic figures between its screens.
	wallCache struct {
		mu    sync.Mutex
		at    time.Time
		st    grievance.WallStats
		after int64 // the live bus's newest event when the figures were counted
	}
	hashed map[string]string // plain name → hashed URL
	routes []string          // the patterns Handler registered
	sw     []byte            // the service worker's source (fieldapp.go)
}

type staticFile struct {
	data  []byte
	ctype string
}

// New parses the templates and indexes the static files; an error here
// stops the server at start-up.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	if d.ClientAddr == nil {
		d.ClientAddr = RemoteHost
	}
	s := &Server{Deps: d, pages: map[string]*template.Template{}, static: map[string]staticFile{}, hashed: map[string]string{}}
	if err := s.loadStatic(); err != nil {
		return nil, err
	}
	if err := s.loadFieldApp(); err != nil {
		return nil, err
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		s.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return s, nil
}

var funcs = template.FuncMap{
	"histargs": func(p *page, ev []grievance.Event, pre, suf string) histArgs {
		return histArgs{P: p, Events: ev, Pre: pre, Suf: suf}
	},
	"listargs": func(p *page, pg grievance.ComplaintPage, base, query string) listArgs {
		return listArgs{P: p, Page: pg, Base: base, Query: query}
	},
}

// histArgs are the arguments of the "history" template: photo links are
// Pre + ID + Suf.
type histArgs struct {
	P        *page
	Events   []grievance.Event
	Pre, Suf string
}

// listArgs are the arguments of the "list" template.
type listArgs struct {
	P     *page
	Page  grievance.ComplaintPage
	Base  string
	Query string
}

func (s *Server) loadStatic() error {
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		ext := path.Ext(name)
		h := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		ctype := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
			".svg": "image/svg+xml", ".png": "image/png", ".json": "application/manifest+json"}[ext]
		s.static[h] = staticFile{data: b, ctype: ctype}
		s.hashed[name] = "/static/" + h
		return nil
	})
}

// Handler returns the routes of every HTML surface, with security headers
// and cross-origin protection.
func (s *Server) Handler() http.Handler {
	mux := route.New()
	// Citizen portal.
	mux.HandleFunc("GET /{$}", s.citizenForm)
	mux.HandleFunc("POST /complaints", s.limited(s.complaintFile))
	mux.HandleFunc("GET /c/{number}", s.complaintPublic)
	mux.HandleFunc("GET /c/{number}/photos/{id}", s.photoPublic)
	mux.HandleFunc("POST /c/{number}/{answer}", s.limited(s.complaintVerify))
	mux.HandleFunc("GET /track", s.trackForm)
	mux.HandleFunc("GET /t", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/track", http.StatusFound) })
	mux.HandleFunc("POST /track", s.limited(s.trackFind))
	mux.HandleFunc("GET /lang/{lang}", s.langSet)
	mux.HandleFunc("GET /my", s.mine)
	mux.HandleFunc("POST /my/code", s.limited(s.mineCode))
	mux.HandleFunc("GET /my/verify", s.mineVerifyForm)
	mux.HandleFunc("POST /my/verify", s.limited(s.mineVerify))
	mux.HandleFunc("POST /my/logout", s.mineLogout)
	// Officer console and control room (staff).
	mux.HandleFunc("GET /officer/login", s.loginForm)
	mux.HandleFunc("POST /officer/login", s.limited(s.loginSubmit))
	mux.HandleFunc("POST /officer/logout", s.staff(s.logout))
	mux.HandleFunc("GET /officer", s.staff(s.officerInbox))
	mux.HandleFunc("GET /officer/password", s.staff(s.passwordForm))
	mux.HandleFunc("POST /officer/password", s.staff(s.passwordChange))
	mux.HandleFunc("GET /officer/complaints/{number}", s.staff(s.complaintStaff))
	mux.HandleFunc("GET /officer/complaints/{number}/photos/{id}", s.staff(s.photoStaff))
	mux.HandleFunc("POST /officer/complaints/{number}/{action}", s.staff(s.complaintAct))
	mux.HandleFunc("GET /control", s.staff(s.controlList))
	mux.HandleFunc("GET /control/wall", s.staff(s.wallPage))
	mux.HandleFunc("GET /control/wall.json", s.staff(s.wallJSON))
	mux.HandleFunc("GET /control/wall/events", s.staff(s.wallEvents))
	mux.HandleFunc("GET /control/defaulters", s.staff(s.controlDefaulters))
	mux.HandleFunc("GET /control/scorecard", s.staff(s.controlScorecard))
	mux.HandleFunc("GET /control/reports", s.staff(s.analyticsIndex))
	mux.HandleFunc("GET /control/reports/{name}", s.staff(s.analyticsReport))
	mux.HandleFunc("GET /admin/sms", s.staff(s.adminSMS))
	mux.HandleFunc("GET /admin/holidays", s.staff(s.adminHolidays))
	mux.HandleFunc("POST /admin/holidays", s.staff(s.adminHolidaysImport))
	mux.HandleFunc("POST /admin/sms/test", s.staff(s.adminSMSTest))
	mux.HandleFunc("GET /admin/sms/templates/{event}/{audience}/{lang}", s.staff(s.adminSMSTemplate))
	mux.HandleFunc("POST /admin/sms/templates/{event}/{audience}/{lang}", s.staff(s.adminSMSTemplateSave))
	mux.HandleFunc("POST /admin/sms/templates/{event}/{audience}/{lang}/reset", s.staff(s.adminSMSTemplateReset))
	mux.HandleFunc("GET /admin/officers", s.staff(s.adminOfficers))
	mux.HandleFunc("GET /admin/officers/new", s.staff(s.adminOfficerForm))
	mux.HandleFunc("POST /admin/officers", s.staff(s.adminOfficerSave))
	mux.HandleFunc("GET /admin/officers/{code}", s.staff(s.adminOfficerForm))
	mux.HandleFunc("POST /admin/officers/{code}", s.staff(s.adminOfficerSave))
	mux.HandleFunc("POST /admin/officers/{code}/password", s.staff(s.adminOfficerPassword))
	mux.HandleFunc("GET /admin/officers/{code}/disable", s.staff(s.adminOfficerDisableForm))
	mux.HandleFunc("POST /admin/officers/{code}/disable", s.staff(s.adminOfficerDisable))
	mux.HandleFunc("POST /admin/officers/{code}/enable", s.staff(s.adminOfficerEnable))
	mux.HandleFunc("GET /admin/categories", s.staff(s.adminCategories))
	mux.HandleFunc("GET /admin/categories/new", s.staff(s.adminCategoryForm))
	mux.HandleFunc("POST /admin/categories", s.staff(s.adminCategorySave))
	mux.HandleFunc("GET /admin/categories/{code}", s.staff(s.adminCategoryForm))
	mux.HandleFunc("POST /admin/categories/{code}", s.staff(s.adminCategorySave))
	mux.HandleFunc("GET /admin/departments", s.staff(s.adminDepartments))
	mux.HandleFunc("GET /admin/departments/new", s.staff(s.adminDepartmentForm))
	mux.HandleFunc("POST /admin/departments", s.staff(s.adminDepartmentSave))
	mux.HandleFunc("GET /admin/departments/{code}", s.staff(s.adminDepartmentForm))
	mux.HandleFunc("POST /admin/departments/{code}", s.staff(s.adminDepartmentSave))
	mux.HandleFunc("GET /admin/areas", s.staff(s.adminAreas))
	mux.HandleFunc("GET /admin/areas/new", s.staff(s.adminAreaForm))
	mux.HandleFunc("POST /admin/areas", s.staff(s.adminAreaSave))
	mux.HandleFunc("GET /admin/areas/{code}", s.staff(s.adminAreaForm))
	mux.HandleFunc("POST /admin/areas/{code}", s.staff(s.adminAreaSave))
	mux.HandleFunc("GET /admin/areas/{code}/delete", s.staff(s.adminAreaDeleteForm))
	mux.HandleFunc("POST /admin/areas/{code}/delete", s.staff(s.adminAreaDelete))
	mux.HandleFunc("GET /admin/rules", s.staff(s.adminRules))
	mux.HandleFunc("POST /admin/rules", s.staff(s.adminRuleAdd))
	mux.HandleFunc("POST /admin/rules/delete", s.staff(s.adminRuleDelete))
	mux.HandleFunc("GET /admin/audit", s.staff(s.adminAudit))
	if s.APIAccess != nil {
		mux.HandleFunc("GET /admin/api", s.staff(s.adminAPI))
		mux.HandleFunc("POST /admin/api/keys", s.staff(s.adminAPIKeyIssue))
		mux.HandleFunc("POST /admin/api/keys/{id}/revoke", s.staff(s.adminAPIKeyRevoke))
		mux.HandleFunc("POST /admin/api/tokens/{id}/revoke", s.staff(s.adminAPITokenRevoke))
	}
	mux.HandleFunc("GET /agent", s.staff(s.agentConsole))
	mux.HandleFunc("GET /agent/live.json", s.staff(s.agentLiveJSON))
	mux.HandleFunc("POST /agent/break", s.staff(s.agentBreak))
	mux.HandleFunc("POST /agent/complaints", s.staff(s.agentComplaint))
	mux.HandleFunc("POST /agent/conference", s.staff(s.agentConference))
	mux.HandleFunc("POST /agent/link", s.staff(s.agentLink))
	mux.HandleFunc("POST /agent/callbacks/{id}", s.staff(s.agentCallback))
	mux.HandleFunc("POST /control/complaints/{number}/feedback-call", s.staff(s.complaintFeedbackCall))
	mux.HandleFunc("GET /control/helpline", s.staff(s.controlHelpline))
	mux.HandleFunc("GET /control/helpline.json", s.staff(s.helplineJSON))
	mux.HandleFunc("POST /control/helpline/supervise", s.staff(s.controlSupervise))
	mux.HandleFunc("GET /control/calls", s.staff(s.controlCalls))
	mux.HandleFunc("GET /control/calls/{id}/recording", s.staff(s.callRecording))
	mux.HandleFunc("GET /admin/agents", s.staff(s.adminAgents))
	mux.HandleFunc("POST /admin/agents", s.staff(s.adminAgentIssue))
	mux.HandleFunc("GET /static/{name}", s.staticFile)
	s.fieldAppRoutes(mux)
	mux.HandleFunc("/", s.notFound)
	s.routes = mux.Patterns()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, grievance.Errorf(grievance.EForbidden, "error.csrf"))
	}))
	return cop.Handler(mux)
}

func (s *Server) staticFile(w http.ResponseWriter, r *http.Request) {
	f, ok := s.static[r.PathValue("name")]
	if !ok {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(f.data)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, grievance.Errorf(grievance.ENotFound, "error.page_not_found"))
}

// Routes returns the patterns of every route Handler registered (after
// Handler has been called).
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

// StaticURL returns the content-hashed URL of a static file.
func (s *Server) StaticURL(name string) string { return s.hashed[name] }

// trackToken is the capability in a public complaint link: whoever has the
// link (the citizen, after filing or after proving number and mobile) may
// see the complaint's public page.
func (s *Server) trackToken(number string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("track:" + number))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// PublicLink returns the path of a complaint's public page, with its capability token.
func (s *Server) PublicLink(number string) string {
	return "/c/" + number + "?t=" + s.trackToken(number)
}

// RemoteHost returns the host part of r.RemoteAddr.
func RemoteHost(r *http.Request) string {
	h := r.RemoteAddr
	if i := strings.LastIndexByte(h, ':'); i > 0 {
		h = h[:i]
	}
	return strings.Trim(h, "[]")
}

// limited refuses a request over the per-address limit with 429.
func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.Public.Allow(s.ClientAddr(r)); !ok {
			w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
			s.fail(w, r, grievance.Errorf(grievance.ETooMany, "error.too_many"))
			return
		}
		h(w, r)
	}
}

// SecurityHeaders adds the headers every response carries: a CSP without
// inline script, no framing, no sniffing. imgOrigins are extra origins
// images may come from (the map's tile server).
func SecurityHeaders(h http.Handler, imgOrigins ...string) http.Handler {
	img := "img-src 'self' data: blob:"
	for _, o := range imgOrigins {
		if o != "" {
			img += " " + o
		}
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; " + img + "; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
		h.ServeHTTP(w, r)
	})
}

// Recover turns a panic in a handler into a logged 500, so that no input can
// take the server down. Handlers do not panic by design; this is the net.
func Recover(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				slog.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}
