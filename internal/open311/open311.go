// Package open311 serves Open311 GeoReport v2 at /open311/v2 for the
// standard's clients: discovery, services (our categories) and their
// definitions (the area a request is in is the one extra question, as a
// singlevaluelist attribute), POST requests with an API key the
// administrator issued, GET requests with the standard's filters and
// defaults, GET requests/{id} and tokens/{token}; XML (the standard's
// required format) and JSON, chosen by the path's suffix, the standard's
// error lists and status codes, UTF-8 throughout.
//
// Mapping: a service request is a complaint; status is open or closed
// (resolved, closed and rejected are closed) with our status in
// status_notes; expected_datetime is the deadline; agency_responsible is
// the department. GET requests are public: no name, mobile, street address
// or description is published, the address is the area's name and the
// location is rounded to about 100 m.
//
// Handlers only translate: filing, visibility and statuses are the
// grievance services' business.
package open311

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
	"nivaran/internal/reply"
)

// Prefix is where the endpoint is mounted.
const Prefix = "/open311/v2/"

// Server is the GeoReport v2 endpoint.
type Server struct {
	Complaints grievance.ComplaintService
	Masters    grievance.MastersService
	Keys       grievance.Open311KeyService
	Catalogue  *i18n.Catalogue
	Public     *auth.Limiter // per client address
	ClientAddr func(*http.Request) string
	Location   *time.Location
	Now        func() time.Time
	// BaseURL is the public address of the server (discovery names the
	// endpoint with it); Jurisdiction is the jurisdiction_id this endpoint
	// serves (its host); a request naming another gets 404.
	BaseURL      string
	Jurisdiction string
	Contact      string
}

// maxForm bounds a POST requests body.
const maxForm = 64 << 10

// Handler returns the /open311/v2/ routes.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Server) lang(r *http.Request) grievance.Lang {
	return grievance.Lang(i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language")))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rt, err := parsePath(strings.TrimPrefix(r.URL.Path, Prefix))
	if err != nil {
		if rt.format == "" {
			rt.format = formatXML
		}
		s.fail(w, r, rt.format, err)
		return
	}
	if ok, wait := s.Public.Allow(s.ClientAddr(r)); !ok {
		reply.RetryAfter(w, wait)
		s.fail(w, r, rt.format, refuse(http.StatusTooManyRequests, "error.too_many"))
		return
	}
	allowed, post := "GET", rt.resource == "requests" && rt.id == ""
	if post {
		allowed = "GET, POST"
	}
	if r.Method != "GET" && !(post && r.Method == "POST") {
		w.Header().Set("Allow", allowed)
		s.fail(w, r, rt.format, refuse(http.StatusMethodNotAllowed, "open311.error.method"))
		return
	}
	if r.Method == "GET" {
		if err := s.checkJurisdiction(r.URL.Query().Get("jurisdiction_id")); err != nil {
			s.fail(w, r, rt.format, err)
			return
		}
	}
	switch {
	case rt.resource == "discovery":
		s.discovery(w, r, rt)
	case rt.resource == "services" && rt.id == "":
		s.services(w, r, rt)
	case rt.resource == "services":
		s.definition(w, r, rt)
	case rt.resource == "requests" && rt.id == "" && r.Method == "POST":
		s.create(w, r, rt)
	case rt.resource == "requests" && rt.id == "":
		s.list(w, r, rt)
	case rt.resource == "requests":
		s.one(w, r, rt)
	case rt.resource == "tokens":
		s.token(w, r, rt)
	}
}

func (s *Server) checkJurisdiction(j string) error {
	if j != "" && s.Jurisdiction != "" && !strings.EqualFold(j, s.Jurisdiction) {
		return refuse(http.StatusNotFound, "open311.error.jurisdiction", j)
	}
	return nil
}

// apiError is one entry of the standard's error list.
type apiError struct {
	Code        int    `xml:"code" json:"code"`
	Description string `xml:"description" json:"description"`
}

type xmlErrors struct {
	XMLName xml.Name   `xml:"errors"`
	Errors  []apiError `xml:"error"`
}

// fail answers with the standard's error list: the status in the HTTP
// answer and in the list, the description in the request's language.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, format string, err error) {
	var b *badRequest
	if !errors.As(err, &b) {
		reply.Log(r, err)
		e := grievance.AsError(err)
		b = refuse(http.StatusBadRequest, e.Key, e.Args...)
		if e.Code == grievance.EInternal || e.Code == grievance.EUnavailable {
			b.status = http.StatusInternalServerError
		}
		if len(e.Fields) > 0 {
			var parts []string
			for _, f := range sortedKeys(e.Fields) {
				parts = append(parts, fieldName(f)+": "+s.Catalogue.T(string(s.lang(r)), e.Fields[f]))
			}
			b = refuse(http.StatusBadRequest, "open311.error.fields", strings.Join(parts, "; "))
		}
	}
	list := []apiError{{Code: b.status, Description: s.Catalogue.T(string(s.lang(r)), b.key, b.args...)}}
	s.write(w, format, b.status, list, xmlErrors{Errors: list})
}

// fieldName names our complaint's fields as the standard's clients send them.
func fieldName(f string) string {
	switch f {
	case "name":
		return "first_name"
	case "mobile":
		return "phone"
	case "address":
		return "address_string"
	case "area":
		return "attribute[area]"
	case "location":
		return "lat/long"
	}
	return f
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// write answers v as JSON, or xv as XML with the declaration the standard
// requires.
func (s *Server) write(w http.ResponseWriter, format string, status int, v, xv any) {
	if format == formatJSON {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?>`+"\n")
	xml.NewEncoder(w).Encode(xv)
}

// discoveryDoc is the service discovery document.
type discoveryDoc struct {
	XMLName    xml.Name   `xml:"discovery" json:"-"`
	Changeset  string     `xml:"changeset" json:"changeset"`
	Contact    string     `xml:"contact" json:"contact"`
	KeyService string     `xml:"key_service" json:"key_service"`
	Endpoints  []endpoint `xml:"endpoints>endpoint" json:"endpoints"`
}

type endpoint struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

// changeset is when this endpoint's behaviour last changed.
const changeset = "2026-12-04T00:00:00Z"

func (s *Server) discovery(w http.ResponseWriter, r *http.Request, rt route) {
	lang := string(s.lang(r))
	d := discoveryDoc{Changeset: changeset, Contact: s.Contact, KeyService: s.Catalogue.T(lang, "open311.key_service"),
		Endpoints: []endpoint{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: strings.TrimSuffix(s.BaseURL, "/") + strings.TrimSuffix(Prefix, "/"),
			Changeset: changeset, Type: "production", Formats: []string{"text/xml", "application/json"}}}}
	if d.Contact == "" {
		d.Contact = s.Catalogue.T(lang, "open311.contact")
	}
	s.write(w, rt.format, http.StatusOK, d, d)
}

// service is one service type: a category.
type service struct {
	Code        string `xml:"service_code" json:"service_code"`
	Name        string `xml:"service_name" json:"service_name"`
	Description string `xml:"description" json:"description"`
	Metadata    bool   `xml:"metadata" json:"metadata"`
	Type        string `xml:"type" json:"type"`
	Keywords    string `xml:"keywords" json:"keywords"`
	Group       string `xml:"group" json:"group"`
}

type xmlServices struct {
	XMLName  xml.Name  `xml:"services"`
	Services []service `xml:"service"`
}

func (s *Server) services(w http.ResponseWriter, r *http.Request, rt route) {
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, rt.format, err)
		return
	}
	lang := s.lang(r)
	out := []service{}
	for _, c := range m.Categories {
		if !c.Active {
			continue
		}
		sv := service{Code: c.Code, Name: c.Name.In(lang), Metadata: true, Type: "realtime", Keywords: c.Name.Hi + ", " + c.Name.En}
		if d := m.Department(c.Department); d != nil {
			sv.Group = d.Name.In(lang)
			sv.Description = s.Catalogue.T(string(lang), "open311.service_description", d.Name.In(lang), c.ResolutionDays)
		}
		out = append(out, sv)
	}
	s.write(w, rt.format, http.StatusOK, out, xmlServices{Services: out})
}

// definition is a service definition: its attributes.
type definition struct {
	XMLName    xml.Name    `xml:"service_definition" json:"-"`
	Code       string      `xml:"service_code" json:"service_code"`
	Attributes []attribute `xml:"attributes>attribute" json:"attributes"`
}

type attribute struct {
	Variable            bool    `xml:"variable" json:"variable"`
	Code                string  `xml:"code" json:"code"`
	Datatype            string  `xml:"datatype" json:"datatype"`
	Required            bool    `xml:"required" json:"required"`
	DatatypeDescription string  `xml:"datatype_description" json:"datatype_description"`
	Order               int     `xml:"order" json:"order"`
	Description         string  `xml:"description" json:"description"`
	Values              []value `xml:"values>value" json:"values"`
}

type value struct {
	Key  string `xml:"key" json:"key"`
	Name string `xml:"name" json:"name"`
}

// areaAttribute is the attribute code of the area a request is in.
const areaAttribute = "area"

func (s *Server) definition(w http.ResponseWriter, r *http.Request, rt route) {
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, rt.format, err)
		return
	}
	lang := s.lang(r)
	c := m.Category(rt.id)
	if c == nil || !c.Active {
		s.fail(w, r, rt.format, refuse(http.StatusNotFound, "open311.error.service_unknown", rt.id))
		return
	}
	area := attribute{Variable: true, Code: areaAttribute, Datatype: "singlevaluelist", Required: true, Order: 1,
		DatatypeDescription: s.Catalogue.T(string(lang), "open311.area_datatype"), Description: s.Catalogue.T(string(lang), "open311.area_description"),
		Values: []value{}}
	for _, a := range m.Areas {
		if m.Leaf(a.Code) {
			name := a.Name.In(lang)
			if p := m.Area(a.Parent); p != nil {
				name += ", " + p.Name.In(lang)
			}
			area.Values = append(area.Values, value{Key: a.Code, Name: name})
		}
	}
	d := definition{Code: c.Code, Attributes: []attribute{area}}
	s.write(w, rt.format, http.StatusOK, d, d)
}

// created is the answer to POST requests.
type created struct {
	ID        string  `xml:"service_request_id" json:"service_request_id"`
	Notice    string  `xml:"service_notice" json:"service_notice"`
	AccountID *string `xml:"account_id" json:"account_id"`
}

type xmlCreated struct {
	XMLName  xml.Name  `xml:"service_requests"`
	Requests []created `xml:"request"`
}

// create files a complaint from POST requests: the API key must be one the
// administrator issued and has not revoked (403 otherwise).
func (s *Server) create(w http.ResponseWriter, r *http.Request, rt route) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" && ct != "multipart/form-data" {
		s.fail(w, r, rt.format, refuse(http.StatusBadRequest, "open311.error.content_type"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	var perr error
	if ct == "multipart/form-data" {
		perr = r.ParseMultipartForm(maxForm)
	} else {
		perr = r.ParseForm()
	}
	if perr != nil {
		s.fail(w, r, rt.format, refuse(http.StatusBadRequest, "open311.error.form"))
		return
	}
	p, err := parsePost(r.PostForm)
	if p.apiKey == "" {
		s.fail(w, r, rt.format, refuse(http.StatusForbidden, "open311.error.api_key"))
		return
	}
	if _, kerr := s.Keys.Open311Key(r.Context(), auth.TokenID(p.apiKey)); kerr != nil {
		if grievance.ErrorCode(kerr) == grievance.ENotFound {
			kerr = refuse(http.StatusForbidden, "open311.error.api_key")
		}
		s.fail(w, r, rt.format, kerr)
		return
	}
	if err != nil {
		s.fail(w, r, rt.format, err)
		return
	}
	if err := s.checkJurisdiction(p.jurisdiction); err != nil {
		s.fail(w, r, rt.format, err)
		return
	}
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, rt.format, err)
		return
	}
	if c := m.Category(p.service); c == nil || !c.Active {
		s.fail(w, r, rt.format, refuse(http.StatusNotFound, "open311.error.service_unknown", p.service))
		return
	}
	areas := p.attributes[areaAttribute]
	if len(areas) != 1 {
		s.fail(w, r, rt.format, refuse(http.StatusBadRequest, "open311.error.area_required"))
		return
	}
	lang := s.lang(r)
	in := grievance.NewComplaint{Name: strings.TrimSpace(p.firstName + " " + p.lastName), Mobile: p.phone, Language: lang,
		Channel: grievance.ChannelOpen311, Category: p.service, Area: areas[0], Address: p.address, Description: p.description}
	if in.Address == "" {
		in.Address = p.addressID
	}
	if p.mediaURL != "" {
		// Media are not fetched from other servers; the link stays with the text.
		in.Description += "\n\nmedia_url: " + p.mediaURL
	}
	if p.lat != nil {
		in.Location = &grievance.Point{Lat: *p.lat, Long: *p.long}
	}
	c, err := s.Complaints.File(r.Context(), in)
	if err != nil {
		s.fail(w, r, rt.format, err)
		return
	}
	notice := s.Catalogue.T(string(lang), "open311.notice_control_room")
	if d := m.Department(c.Department); d != nil {
		notice = s.Catalogue.T(string(lang), "open311.notice", d.Name.In(lang), s.timestamp(c.Due))
	}
	list := []created{{ID: c.Number, Notice: notice}}
	s.write(w, rt.format, http.StatusCreated, list, xmlCreated{Requests: list})
}

// request is a service request as GET requests shows it.
type request struct {
	ID                string   `xml:"service_request_id" json:"service_request_id"`
	Status            string   `xml:"status" json:"status"`
	StatusNotes       string   `xml:"status_notes" json:"status_notes"`
	ServiceName       string   `xml:"service_name" json:"service_name"`
	ServiceCode       string   `xml:"service_code" json:"service_code"`
	AgencyResponsible string   `xml:"agency_responsible" json:"agency_responsible"`
	RequestedDatetime string   `xml:"requested_datetime" json:"requested_datetime"`
	UpdatedDatetime   string   `xml:"updated_datetime" json:"updated_datetime"`
	ExpectedDatetime  string   `xml:"expected_datetime,omitempty" json:"expected_datetime,omitempty"`
	Address           string   `xml:"address" json:"address"`
	Lat               *float64 `xml:"lat,omitempty" json:"lat,omitempty"`
	Long              *float64 `xml:"long,omitempty" json:"long,omitempty"`
}

type xmlRequests struct {
	XMLName  xml.Name  `xml:"service_requests"`
	Requests []request `xml:"request"`
}

// timestamp is a w3 date-time in the district's time zone.
func (s *Server) timestamp(t time.Time) string {
	return t.In(s.Location).Format(time.RFC3339)
}

// round3 rounds a coordinate to three decimals (about 100 m).
func round3(v float64) *float64 {
	r := math.Round(v*1000) / 1000
	return &r
}

func (s *Server) view(m *grievance.Masters, c *grievance.Complaint, lang grievance.Lang) request {
	rq := request{ID: c.Number, Status: "open", ServiceCode: c.Category,
		StatusNotes:       s.Catalogue.T(string(lang), "open311.status."+string(c.Status)),
		RequestedDatetime: s.timestamp(c.Created), UpdatedDatetime: s.timestamp(c.Updated)}
	if !c.Status.Open() {
		rq.Status = "closed"
	} else if !c.Due.IsZero() && !c.OnHold {
		rq.ExpectedDatetime = s.timestamp(c.Due)
	}
	if cat := m.Category(c.Category); cat != nil {
		rq.ServiceName = cat.Name.In(lang)
	}
	if d := m.Department(c.Department); d != nil {
		rq.AgencyResponsible = d.Name.In(lang)
	} else {
		rq.AgencyResponsible = s.Catalogue.T(string(lang), "open311.control_room")
	}
	if a := m.Area(c.Area); a != nil {
		rq.Address = a.Name.In(lang)
		if p := m.Area(a.Parent); p != nil {
			rq.Address += ", " + p.Name.In(lang)
		}
	}
	if c.Location != nil {
		rq.Lat, rq.Long = round3(c.Location.Lat), round3(c.Location.Long)
	}
	return rq
}

func (s *Server) writeRequests(w http.ResponseWriter, format string, list []request) {
	s.write(w, format, http.StatusOK, list, xmlRequests{Requests: list})
}

// complaint returns a published request: complaints still waiting for a
// category (text messages in triage) are not service requests yet.
func (s *Server) complaint(r *http.Request, id string) (*grievance.Complaint, error) {
	c, err := s.Complaints.Complaint(r.Context(), grievance.SystemActor, id)
	if grievance.ErrorCode(err) == grievance.ENotFound || err == nil && c.Category == "" {
		return nil, refuse(http.StatusNotFound, "open311.error.request_unknown", id)
	}
	return c, err
}

func (s *Server) one(w http.ResponseWriter, r *http.Request, rt route) {
	c, err := s.complaint(r, rt.id)
	if err != nil {
		s.fail(w, r, rt.format, err)
		return
	}
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, rt.format, err)
		return
	}
	s.writeRequests(w, rt.format, []request{s.view(m, c, s.lang(r))})
}

// token answers GET tokens/{token}. Requests are created in real time and
// answered with their ID, so a request's token is its ID: a client that
// keeps tokens still finds its request.
func (s *Server) token(w http.ResponseWriter, r *http.Request, rt route) {
	c, err := s.complaint(r, rt.id)
	if err != nil {
		s.fail(w, r, rt.format, refuse(http.StatusNotFound, "open311.error.token_unknown", rt.id))
		return
	}
	type tok struct {
		ID    string `xml:"service_request_id" json:"service_request_id"`
		Token string `xml:"token" json:"token"`
	}
	type xmlTokens struct {
		XMLName  xml.Name `xml:"service_requests"`
		Requests []tok    `xml:"request"`
	}
	list := []tok{{ID: c.Number, Token: rt.id}}
	s.write(w, rt.format, http.StatusOK, list, xmlTokens{Requests: list})
}

// closedStatuses are ours that the standard calls closed.
var closedStatuses = []grievance.Status{grievance.StatusResolved, grievance.StatusClosed, grievance.StatusRejected}

func (s *Server) list(w http.ResponseWriter, r *http.Request, rt route) {
	lq, err := parseListQuery(r.URL.Query(), s.Now())
	if err != nil {
		s.fail(w, r, rt.format, err)
		return
	}
	m, err := s.Masters.Masters(r.Context())
	if err != nil {
		s.fail(w, r, rt.format, err)
		return
	}
	lang := s.lang(r)
	out := []request{}
	if len(lq.ids) > 0 {
		for _, id := range lq.ids {
			c, err := s.complaint(r, id)
			var b *badRequest
			if errors.As(err, &b) {
				continue // unknown IDs are left out, as for any filter
			} else if err != nil {
				s.fail(w, r, rt.format, err)
				return
			}
			out = append(out, s.view(m, c, lang))
		}
		s.writeRequests(w, rt.format, out)
		return
	}
	f := grievance.ComplaintFilter{CreatedFrom: lq.from, CreatedTo: lq.to.Add(time.Millisecond), Order: grievance.OrderRecent, Limit: 500}
	if !lq.closed {
		f.OpenOnly = true
	} else if !lq.open {
		f.Statuses = closedStatuses
	}
	codes := lq.services
	if len(codes) == 0 {
		codes = []string{""}
	}
	var found []*grievance.Complaint
	for _, code := range codes {
		f.Category, f.Cursor = code, ""
		for n := 0; n < maxResults; {
			pg, err := s.Complaints.Search(r.Context(), grievance.SystemActor, f)
			if err != nil {
				s.fail(w, r, rt.format, err)
				return
			}
			for _, c := range pg.Complaints {
				if c.Category != "" {
					found = append(found, c)
					n++
				}
			}
			if pg.Next == "" {
				break
			}
			f.Cursor = pg.Next
		}
	}
	slices.SortFunc(found, func(a, b *grievance.Complaint) int { return b.Created.Compare(a.Created) })
	if len(found) > maxResults {
		found = found[:maxResults]
	}
	for _, c := range found {
		out = append(out, s.view(m, c, lang))
	}
	s.writeRequests(w, rt.format, out)
}
