package api

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/reply"
)

// complaintSummary is a complaint in a list.
type complaintSummary struct {
	Number      string         `json:"number"`
	Status      string         `json:"status"`
	StatusName  grievance.Text `json:"status_name"`
	Category    string         `json:"category"`
	Area        string         `json:"area"`
	Department  string         `json:"department"`
	Level       int            `json:"level"`
	Due         *time.Time     `json:"due,omitempty"`
	Overdue     bool           `json:"overdue"`
	OnHold      bool           `json:"on_hold"`
	Escalations int            `json:"escalations"`
	Created     time.Time      `json:"created"`
	Updated     time.Time      `json:"updated"`
}

// complaintDetail is a complaint as a token holder who may see it reads it.
type complaintDetail struct {
	complaintSummary
	Name        string      `json:"name"`
	Mobile      string      `json:"mobile"`
	Channel     string      `json:"channel"`
	Address     string      `json:"address"`
	Description string      `json:"description"`
	Lat         *float64    `json:"lat,omitempty"`
	Long        *float64    `json:"long,omitempty"`
	Photos      int         `json:"photos"`
	PhotoURLs   []string    `json:"photo_urls,omitempty"`
	DuplicateOf string      `json:"duplicate_of,omitempty"`
	ForwardTo   []officer   `json:"forward_to,omitempty"` // for an officer: who it may be forwarded to
	History     []eventView `json:"history"`
}

type eventView struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	From   string    `json:"from,omitempty"`
	Status string    `json:"status"`
	Actor  string    `json:"actor"`
	Note   string    `json:"note,omitempty"`
	Photos int       `json:"photos,omitempty"`
}

// page is a page of a list with the cursor of the next one.
type page struct {
	Complaints []complaintSummary `json:"complaints"`
	Next       string             `json:"next,omitempty"`
}

func (s *Server) summary(c *grievance.Complaint, now time.Time) complaintSummary {
	out := complaintSummary{Number: c.Number, Status: string(c.Status), Category: c.Category, Area: c.Area, Department: c.Department,
		Level: c.Level, Overdue: c.Overdue(now), OnHold: c.OnHold, Escalations: c.Escalations,
		Created: c.Created.In(s.Location), Updated: c.Updated.In(s.Location)}
	out.StatusName = grievance.Text{Hi: s.Catalogue.T("hi", "status."+out.Status), En: s.Catalogue.T("en", "status."+out.Status)}
	if !c.Due.IsZero() {
		d := c.Due.In(s.Location)
		out.Due = &d
	}
	return out
}

// complaintWithHistory reads the complaint named in the path and the
// history the caller may read of it; on an error it has answered.
func (s *Server) complaintWithHistory(w http.ResponseWriter, r *http.Request) (grievance.Actor, *grievance.Complaint, []grievance.Event, bool) {
	a := callerFrom(r).id.Actor
	number := r.PathValue("number")
	c, err := s.Complaints.Complaint(r.Context(), a, number)
	if err != nil {
		s.fail(w, r, err)
		return a, nil, nil, false
	}
	events, err := s.Complaints.History(r.Context(), a, number)
	if err != nil {
		s.fail(w, r, err)
		return a, nil, nil, false
	}
	return a, c, events, true
}

// complaintView returns a complaint to a token holder who may see it
// (ENotFound otherwise: its existence is not revealed), with the history
// they may read: public events for a citizen, all for staff.
func (s *Server) complaintView(w http.ResponseWriter, r *http.Request) {
	a, c, events, ok := s.complaintWithHistory(w, r)
	if !ok {
		return
	}
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	photos := visiblePhotos(a, c, events)
	out := complaintDetail{complaintSummary: s.summary(c, s.now()), Name: c.Name, Mobile: c.Mobile, Channel: string(c.Channel),
		Address: c.Address, Description: c.Description, Photos: len(photos), DuplicateOf: c.DuplicateOf,
		History: s.events(m, events, a.IsCitizen())}
	for _, p := range photos {
		out.PhotoURLs = append(out.PhotoURLs, "/api/v1/complaints/"+c.Number+"/photos/"+strconv.FormatInt(p.ID, 10))
	}
	if c.Location != nil {
		out.Lat, out.Long = &c.Location.Lat, &c.Location.Long
	}
	if o := a.Officer; o != nil {
		for _, t := range m.Subordinates(o, c) {
			out.ForwardTo = append(out.ForwardTo, officer{Code: t.Code, Department: t.Department, Level: t.Level, Designation: t.Designation})
		}
	}
	reply.JSON(w, http.StatusOK, out)
}

type historyView struct {
	Number  string      `json:"number"`
	History []eventView `json:"history"`
}

// history returns the events of a complaint the caller may see.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	a := callerFrom(r).id.Actor
	number := r.PathValue("number")
	events, err := s.Complaints.History(r.Context(), a, number)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply.JSON(w, http.StatusOK, historyView{Number: number, History: s.events(m, events, a.IsCitizen())})
}

func (s *Server) events(m *grievance.Masters, events []grievance.Event, citizen bool) []eventView {
	out := []eventView{}
	for _, e := range events {
		v := eventView{At: e.At.In(s.Location), Action: string(e.Kind), From: string(e.From), Status: string(e.To),
			Actor: publicActor(m, e.ActorName), Photos: len(e.Attachments)}
		if !citizen || e.NotePublic {
			v.Note = e.Note
		}
		out = append(out, v)
	}
	return out
}

// listFilter reads the filters and cursor every list takes: status (a
// status, or "open"), category, area, cursor, limit (1–100, default 50).
func listFilter(r *http.Request) (grievance.ComplaintFilter, error) {
	q := r.URL.Query()
	f := grievance.ComplaintFilter{Category: q.Get("category"), Area: q.Get("area"), Cursor: q.Get("cursor"), Limit: 50}
	switch st := q.Get("status"); {
	case st == "":
	case st == "open":
		f.OpenOnly = true
	case grievance.Status(st).Valid():
		f.Statuses = []grievance.Status{grievance.Status(st)}
	default:
		return f, (grievance.FieldErrors{"status": "error.status_filter"}).Err()
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return f, (grievance.FieldErrors{"limit": "error.limit"}).Err()
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, a grievance.Actor, f grievance.ComplaintFilter) {
	pg, err := s.Complaints.Search(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := page{Complaints: []complaintSummary{}, Next: pg.Next}
	now := s.now()
	for _, c := range pg.Complaints {
		out.Complaints = append(out.Complaints, s.summary(c, now))
	}
	reply.JSON(w, http.StatusOK, out)
}

// myComplaints lists the complaints of the mobile a citizen token proves,
// newest first.
func (s *Server) myComplaints(w http.ResponseWriter, r *http.Request) {
	a := callerFrom(r).id.Actor
	if !a.IsCitizen() {
		s.fail(w, r, grievance.Errorf(grievance.EForbidden, "error.citizen_token"))
		return
	}
	f, err := listFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Mobile, f.Order = a.Mobile, grievance.OrderRecent
	s.list(w, r, a, f)
}

// inbox lists an officer's open complaints, overdue first: assigned to them
// (tab=mine, the default) or everything open in their jurisdiction
// (tab=area).
func (s *Server) inbox(w http.ResponseWriter, r *http.Request) {
	a := callerFrom(r).id.Actor
	if a.Officer == nil {
		s.fail(w, r, grievance.Errorf(grievance.EForbidden, "error.not_officer"))
		return
	}
	f, err := listFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch r.URL.Query().Get("tab") {
	case "", "mine":
		f.AssigneeID = a.Officer.ID
	case "area":
	default:
		s.fail(w, r, (grievance.FieldErrors{"tab": "error.tab"}).Err())
		return
	}
	if len(f.Statuses) == 0 {
		f.OpenOnly = true
	}
	f.Order = grievance.OrderDue
	s.list(w, r, a, f)
}

// actions maps the API's action paths to the domain's actions.
var actions = map[string]grievance.ActionKind{
	"accept": grievance.ActAccept, "forward": grievance.ActForward, "return": grievance.ActReturn,
	"note": grievance.ActNote, "report": grievance.ActReport,
	"confirm": grievance.ActCitizenAccept, "reject": grievance.ActCitizenReject,
}

// actionRequest is the JSON body of an action. The action-taken report may
// instead come as multipart/form-data with its photos.
type actionRequest struct {
	Note string   `json:"note"`
	To   string   `json:"to"` // forward: the officer post's code
	Lat  *float64 `json:"lat"`
	Long *float64 `json:"long"`
}

// maxKey bounds an Idempotency-Key.
const maxKey = 100

// idempotencyKey reads the optional Idempotency-Key header: 1–100
// printable ASCII characters.
func idempotencyKey(r *http.Request) (string, error) {
	k := r.Header.Get("Idempotency-Key")
	if k == "" {
		return "", nil
	}
	if len(k) > maxKey || strings.IndexFunc(k, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		return "", (grievance.FieldErrors{"Idempotency-Key": "error.api_idempotency_key"}).Err()
	}
	return k, nil
}

// act performs one action on a complaint; the service decides whether the
// caller may (grievance.Apply) and answers with the complaint as it is now.
func (s *Server) act(w http.ResponseWriter, r *http.Request) {
	a := callerFrom(r).id.Actor
	kind, ok := actions[r.PathValue("action")]
	if !ok {
		s.fail(w, r, grievance.Errorf(grievance.ENotFound, "error.api_not_found"))
		return
	}
	key, err := idempotencyKey(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req actionRequest
	var photos []grievance.Upload
	switch {
	case kind == grievance.ActReport && isMultipart(r):
		req, photos, err = parseActionForm(w, r, s.MaxPhotoBytes)
	case r.Header.Get("Content-Type") == "" && emptyBody(w, r):
		// No body: an action without fields (accept, confirm).
	default:
		err = decode(w, r, &req)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	act := grievance.Action{Kind: kind, Note: req.Note, Photos: photos, Key: key}
	if (req.Lat == nil) != (req.Long == nil) {
		s.fail(w, r, (grievance.FieldErrors{"location": "error.location"}).Err())
		return
	}
	if req.Lat != nil {
		act.Location = &grievance.Point{Lat: *req.Lat, Long: *req.Long}
		if !act.Location.InIndia() {
			s.fail(w, r, (grievance.FieldErrors{"location": "error.location"}).Err())
			return
		}
	}
	if kind == grievance.ActForward {
		m, err := s.Masters.Masters(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		o := m.OfficerByCode(req.To)
		if o == nil {
			s.fail(w, r, (grievance.FieldErrors{"to": "error.forward_target"}).Err())
			return
		}
		act.Target = &grievance.Officer{ID: o.ID}
	}
	c, err := s.Complaints.Act(r.Context(), a, r.PathValue("number"), act)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply.JSON(w, http.StatusOK, s.summary(c, s.now()))
}

// visiblePhotos are the photos actor may see: all of them for staff, those
// of public events (their own and the action-taken reports) for a citizen.
func visiblePhotos(a grievance.Actor, c *grievance.Complaint, events []grievance.Event) []grievance.Attachment {
	if !a.IsCitizen() {
		return c.Attachments
	}
	var out []grievance.Attachment
	for _, e := range events {
		out = append(out, e.Attachments...)
	}
	return out
}

// photo serves one photo of a complaint the caller may see.
func (s *Server) photo(w http.ResponseWriter, r *http.Request) {
	a, c, events, ok := s.complaintWithHistory(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, p := range visiblePhotos(a, c, events) {
		if p.ID != id {
			continue
		}
		f, err := s.Blobs.Open(r.Context(), p.Key)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", p.ContentType)
		w.Header().Set("Cache-Control", "private, max-age=86400")
		http.ServeContent(w, r, "", p.Created, f)
		return
	}
	s.fail(w, r, grievance.Errorf(grievance.ENotFound, "error.not_found"))
}

// emptyBody reports whether the request has no body at all (with or
// without a Content-Length: 0); a body it had to read is put back.
func emptyBody(w http.ResponseWriter, r *http.Request) bool {
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return true
	}
	b, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(b))
	return len(b) == 0
}
