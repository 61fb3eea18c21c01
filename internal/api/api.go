// Package api serves the JSON REST API at /api/v1 for the mobile app and
// integrations: what the citizen portal and the officer console do, with
// bearer tokens instead of cookies. Errors are {"error":{"code","message"}}
// with the status from the one table in package reply, the message in the
// request's language. The OpenAPI document (openapi.json, embedded) is
// served at /api/v1/openapi.json and a page for developers at /api.
//
// Handlers only translate HTTP to the grievance services and back: who may
// do what is decided by the services (grievance.Apply, Actor.CanSee) and
// package auth (tokens, one-time codes).
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
	"nivaran/internal/reply"
	"nivaran/internal/route"
)

// Server is the API's handler.
type Server struct {
	Complaints grievance.ComplaintService
	Masters    grievance.MastersService
	Catalogue  *i18n.Catalogue
	// Public limits requests without a token per client address;
	// PerToken limits requests with one per token (nil: Public).
	Public     *auth.Limiter
	PerToken   *auth.Limiter
	ClientAddr func(*http.Request) string
	Location   *time.Location
	// TrackLink returns the public web link of a complaint, or "".
	TrackLink func(number string) string
	// Auth verifies officers' user IDs and passwords; Tokens issues and
	// checks bearer tokens; Codes sends and checks citizens' one-time
	// codes (OTPLimit: codes requested per client address).
	Auth     *auth.Service
	Tokens   *auth.TokenIssuer
	Codes    *auth.Codes
	OTPLimit *auth.Limiter
	// MaxPhotoBytes bounds each uploaded photo.
	MaxPhotoBytes int64
	// Blobs serves the photos of complaints.
	Blobs grievance.BlobStore
	// Now is the server's clock (overdue flags); nil: time.Now.
	Now func() time.Time

	routes []string // the patterns Handler registered
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// maxBody bounds a JSON request body.
const maxBody = 64 << 10

// Handler returns the /api/v1 routes.
func (s *Server) Handler() http.Handler {
	mux := route.New()
	// Anyone.
	mux.HandleFunc("GET /api/v1/openapi.json", s.openapi)
	mux.HandleFunc("GET /api/v1/categories", s.categories)
	mux.HandleFunc("GET /api/v1/areas", s.areas)
	mux.HandleFunc("POST /api/v1/complaints", s.limited(s.complaintCreate))
	mux.HandleFunc("POST /api/v1/otp", s.limited(s.otpRequest))
	mux.HandleFunc("POST /api/v1/otp/verify", s.limited(s.otpVerify))
	mux.HandleFunc("POST /api/v1/tokens", s.limited(s.tokenCreate))
	// With a token (or, for tracking, a number and mobile).
	mux.HandleFunc("GET /api/v1/complaints/{number}", s.complaintGet)
	mux.HandleFunc("GET /api/v1/tokens", s.authed(s.tokenList))
	mux.HandleFunc("DELETE /api/v1/tokens/current", s.authed(s.tokenRevokeCurrent))
	mux.HandleFunc("DELETE /api/v1/tokens/{id}", s.authed(s.tokenRevoke))
	mux.HandleFunc("GET /api/v1/my/complaints", s.authed(s.myComplaints))
	mux.HandleFunc("GET /api/v1/inbox", s.authed(s.inbox))
	mux.HandleFunc("GET /api/v1/complaints/{number}/history", s.authed(s.history))
	mux.HandleFunc("GET /api/v1/complaints/{number}/photos/{id}", s.authed(s.photo))
	mux.HandleFunc("POST /api/v1/complaints/{number}/{action}", s.authed(s.act))
	mux.HandleFunc("GET /api/v1/admin/tokens", s.authed(s.adminTokens))
	mux.HandleFunc("DELETE /api/v1/admin/tokens/{id}", s.authed(s.adminTokenRevoke))
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, grievance.Errorf(grievance.ENotFound, "error.api_not_found"))
	})
	mux.HandleFunc("GET /api", s.docs)
	s.routes = mux.Patterns()
	return mux
}

// Routes returns the patterns of every route Handler registered (after
// Handler has been called).
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

func (s *Server) lang(r *http.Request) string {
	return i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if grievance.ErrorCode(err) == grievance.EUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="nivaran"`)
	}
	reply.JSONError(w, r, s.Catalogue, s.lang(r), err)
}

func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.Public.Allow(s.ClientAddr(r)); !ok {
			reply.RetryAfter(w, wait)
			s.fail(w, r, grievance.Errorf(grievance.ETooMany, "error.too_many"))
			return
		}
		h(w, r)
	}
}

// complaintRequest is the body of POST /api/v1/complaints.
type complaintRequest struct {
	Name        string   `json:"name"`
	Mobile      string   `json:"mobile"`
	Language    string   `json:"language"`
	Category    string   `json:"category"`
	Area        string   `json:"area"`
	Address     string   `json:"address"`
	Description string   `json:"description"`
	Lat         *float64 `json:"lat"`
	Long        *float64 `json:"long"`
}

// complaintCreated is the answer to a filing.
type complaintCreated struct {
	Number     string         `json:"number"`
	Status     string         `json:"status"`
	Department string         `json:"department"`
	DeptName   grievance.Text `json:"department_name"`
	Officer    grievance.Text `json:"officer_designation"`
	Due        time.Time      `json:"due"`
	Created    time.Time      `json:"created"`
	TrackURL   string         `json:"track_url,omitempty"`
}

// decode reads a JSON body into v: the content type must be JSON, the body
// within maxBody, valid UTF-8, one object with no unknown fields.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		return grievance.Errorf(grievance.EInvalid, "error.content_type_json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return grievance.Errorf(grievance.EInvalid, "error.body_too_large", strconv.Itoa(maxBody>>10))
	} else if err != nil {
		return grievance.Errorf(grievance.EInvalid, "error.bad_json")
	}
	if !utf8.Valid(body) {
		// encoding/json would silently replace invalid bytes; refuse instead.
		return grievance.Errorf(grievance.EInvalid, "error.utf8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return &grievance.Error{Code: grievance.EInvalid, Key: "error.invalid_form",
				Fields: map[string]string{typeErr.Field: "error.json_type"}}
		}
		return grievance.Errorf(grievance.EInvalid, "error.bad_json")
	}
	if dec.More() {
		return grievance.Errorf(grievance.EInvalid, "error.bad_json")
	}
	return nil
}

func (s *Server) complaintCreate(w http.ResponseWriter, r *http.Request) {
	var req complaintRequest
	var photos []grievance.Upload
	if isMultipart(r) {
		var err error
		if req, photos, err = parseComplaintForm(w, r, s.MaxPhotoBytes); err != nil {
			s.fail(w, r, err)
			return
		}
	} else if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	lang := req.Language
	if lang == "" {
		lang = s.lang(r)
	}
	in := grievance.NewComplaint{
		Name: req.Name, Mobile: req.Mobile, Language: grievance.Lang(lang), Channel: grievance.ChannelApp,
		Category: req.Category, Area: req.Area, Address: req.Address, Description: req.Description, Photos: photos,
	}
	if (req.Lat == nil) != (req.Long == nil) {
		s.failLang(w, r, lang, (grievance.FieldErrors{"location": "error.location"}).Err())
		return
	}
	if req.Lat != nil {
		in.Location = &grievance.Point{Lat: *req.Lat, Long: *req.Long}
	}
	c, err := s.Complaints.File(r.Context(), in)
	if err != nil {
		s.failLang(w, r, lang, err)
		return
	}
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.failLang(w, r, lang, err)
		return
	}
	out := complaintCreated{Number: c.Number, Status: string(c.Status), Department: c.Department,
		Due: c.Due.In(s.Location), Created: c.Created.In(s.Location)}
	if d := m.Department(c.Department); d != nil {
		out.DeptName = d.Name
	}
	if o := m.Officer(c.AssigneeID); o != nil {
		out.Officer = o.Designation
	}
	if s.TrackLink != nil {
		out.TrackURL = s.TrackLink(c.Number)
	}
	w.Header().Set("Location", "/api/v1/complaints/"+c.Number)
	reply.JSON(w, http.StatusCreated, out)
}

// failLang answers with an error in an explicitly chosen language.
func (s *Server) failLang(w http.ResponseWriter, r *http.Request, lang string, err error) {
	if !i18n.Valid(lang) {
		lang = s.lang(r)
	}
	reply.JSONError(w, r, s.Catalogue, lang, err)
}

// complaintStatus is a complaint as the public sees it.
type complaintStatus struct {
	Number     string         `json:"number"`
	Status     string         `json:"status"`
	StatusName grievance.Text `json:"status_name"`
	Category   string         `json:"category"`
	Area       string         `json:"area"`
	Department string         `json:"department"`
	Due        time.Time      `json:"due"`
	Created    time.Time      `json:"created"`
	History    []historyEntry `json:"history"`
}

type historyEntry struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Status string    `json:"status"`
	Actor  string    `json:"actor"`
	Note   string    `json:"note,omitempty"`
	Photos int       `json:"photos,omitempty"`
}

// complaintGet answers a token holder with the complaint as they may see
// it (complaintView), and anyone else who gives the number and its mobile
// with its public status (track).
func (s *Server) complaintGet(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		s.authed(s.complaintView)(w, r)
		return
	}
	s.limited(s.track)(w, r)
}

func (s *Server) track(w http.ResponseWriter, r *http.Request) {
	c, events, err := s.Complaints.Track(r.Context(), r.PathValue("number"), r.URL.Query().Get("mobile"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := complaintStatus{Number: c.Number, Status: string(c.Status), Category: c.Category, Area: c.Area,
		Department: c.Department, Due: c.Due.In(s.Location), Created: c.Created.In(s.Location), History: []historyEntry{}}
	out.StatusName = grievance.Text{Hi: s.Catalogue.T("hi", "status."+out.Status), En: s.Catalogue.T("en", "status."+out.Status)}
	for _, e := range events {
		h := historyEntry{At: e.At.In(s.Location), Action: string(e.Kind), Status: string(e.To), Actor: publicActor(m, e.ActorName), Photos: len(e.Attachments)}
		if e.NotePublic {
			h.Note = e.Note
		}
		out.History = append(out.History, h)
	}
	reply.JSON(w, http.StatusOK, out)
}

// publicActor turns an event's actor into what the public may read: an
// officer's designation (in English, codes being language-neutral), or the
// kind of actor.
func publicActor(m *grievance.Masters, name string) string {
	if len(name) > 8 && name[:8] == "officer:" {
		if o := m.OfficerByCode(name[8:]); o != nil {
			return o.Designation.En
		}
	}
	return name
}

type category struct {
	Code           string         `json:"code"`
	Name           grievance.Text `json:"name"`
	Department     string         `json:"department"`
	DepartmentName grievance.Text `json:"department_name"`
	ResolutionDays int            `json:"resolution_days"`
}

func (s *Server) categories(w http.ResponseWriter, r *http.Request) {
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []category{}
	for _, c := range m.Categories {
		if !c.Active {
			continue
		}
		cat := category{Code: c.Code, Name: c.Name, Department: c.Department, ResolutionDays: c.ResolutionDays}
		if d := m.Department(c.Department); d != nil {
			cat.DepartmentName = d.Name
		}
		out = append(out, cat)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	reply.JSON(w, http.StatusOK, out)
}

type area struct {
	Code       string         `json:"code"`
	Kind       string         `json:"kind"`
	Parent     string         `json:"parent,omitempty"`
	Name       grievance.Text `json:"name"`
	Selectable bool           `json:"selectable"`
}

func (s *Server) areas(w http.ResponseWriter, r *http.Request) {
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []area{}
	for _, a := range m.Areas {
		out = append(out, area{Code: a.Code, Kind: string(a.Kind), Parent: a.Parent, Name: a.Name, Selectable: m.Leaf(a.Code)})
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	reply.JSON(w, http.StatusOK, out)
}
