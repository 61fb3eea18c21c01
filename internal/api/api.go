// Package api serves the JSON REST API at /api/v1 for the mobile app and
// integrations. Errors are {"error":{"code","message"}} with the status from
// the one table in package reply, the message in the request's language.
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
	Public     *auth.Limiter // per client address
	ClientAddr func(*http.Request) string
	Location   *time.Location
	// TrackLink returns the public web link of a complaint, or "".
	TrackLink func(number string) string

	routes []string // the patterns Handler registered
}

// maxBody bounds a JSON request body.
const maxBody = 64 << 10

// Handler returns the /api/v1 routes.
func (s *Server) Handler() http.Handler {
	mux := route.New()
	mux.HandleFunc("POST /api/v1/complaints", s.limited(s.complaintCreate))
	mux.HandleFunc("GET /api/v1/complaints/{number}", s.limited(s.complaintGet))
	mux.HandleFunc("GET /api/v1/categories", s.categories)
	mux.HandleFunc("GET /api/v1/areas", s.areas)
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, grievance.Errorf(grievance.ENotFound, "error.api_not_found"))
	})
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
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	lang := req.Language
	if lang == "" {
		lang = s.lang(r)
	}
	in := grievance.NewComplaint{
		Name: req.Name, Mobile: req.Mobile, Language: grievance.Lang(lang), Channel: grievance.ChannelApp,
		Category: req.Category, Area: req.Area, Address: req.Address, Description: req.Description,
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

func (s *Server) complaintGet(w http.ResponseWriter, r *http.Request) {
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
