package open311

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Formats of a GeoReport v2 resource, chosen by the path's suffix.
const (
	formatXML  = "xml"
	formatJSON = "json"
)

// route is a parsed GeoReport v2 path below /open311/v2/.
type route struct {
	resource string // discovery, services, requests, tokens
	id       string // a service code, request ID or token; "" for the collection
	format   string // xml or json
}

// badRequest is a refused request: the HTTP status the standard gives it
// and a catalogue key (with arguments) for its description.
type badRequest struct {
	status int
	key    string
	args   []any
}

func (b *badRequest) Error() string { return b.key }

func refuse(status int, key string, args ...any) *badRequest {
	return &badRequest{status: status, key: key, args: args}
}

// parsePath parses "services.json", "services/mun-garbage.xml",
// "requests/260112345678.json", "tokens/x.xml", "discovery.xml". A path
// without a known format suffix, or an unknown resource, is 404.
func parsePath(p string) (route, error) {
	var r route
	if p == "" || len(p) > 300 || !utf8.ValidString(p) {
		return r, refuse(404, "open311.error.not_found")
	}
	dot := strings.LastIndexByte(p, '.')
	if dot < 0 {
		return r, refuse(404, "open311.error.format")
	}
	r.format = p[dot+1:]
	if r.format != formatXML && r.format != formatJSON {
		return r, refuse(404, "open311.error.format")
	}
	p = p[:dot]
	res, id, hasID := strings.Cut(p, "/")
	r.resource, r.id = res, id
	switch {
	case res == "discovery" && !hasID, res == "services" && !hasID, res == "requests" && !hasID:
	case (res == "services" || res == "requests" || res == "tokens") && hasID && id != "" && !strings.Contains(id, "/"):
	default:
		return r, refuse(404, "open311.error.not_found")
	}
	return r, nil
}

// maxWindow is the longest span GET requests may cover; it is also the
// default window (the most recent 90 days).
const maxWindow = 90 * 24 * time.Hour

// maxResults caps what GET requests returns.
const maxResults = 1000

// listQuery is what GET requests asks for.
type listQuery struct {
	ids      []string // service_request_id: overrides everything else
	services []string
	from, to time.Time // requested_datetime in [from, to]
	open     bool      // include open requests
	closed   bool      // include closed ones
}

// splitList splits a comma-delimited argument, dropping empty items.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// parseTime reads a w3 date-time: it must carry a time zone (Z or ±hh:mm).
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// parseListQuery reads the arguments of GET requests with the standard's
// defaults: the most recent 90 days when no dates are given, a window of at
// most 90 days, every status. Arguments may be repeated or comma delimited;
// an empty argument is as if it were not sent.
func parseListQuery(q url.Values, now time.Time) (listQuery, error) {
	var lq listQuery
	if len(q["service_request_id"]) > 0 {
		lq.ids = splitList(q["service_request_id"])
		if len(lq.ids) > maxResults {
			return lq, refuse(400, "open311.error.too_many_ids", maxResults)
		}
		if len(lq.ids) > 0 {
			return lq, nil
		}
	}
	lq.services = splitList(q["service_code"])
	for _, st := range splitList(q["status"]) {
		switch st {
		case "open":
			lq.open = true
		case "closed":
			lq.closed = true
		default:
			return lq, refuse(400, "open311.error.status")
		}
	}
	if !lq.open && !lq.closed {
		lq.open, lq.closed = true, true
	}
	var start, end time.Time
	if v := q.Get("start_date"); v != "" {
		t, ok := parseTime(v)
		if !ok {
			return lq, refuse(400, "open311.error.date", "start_date")
		}
		start = t
	}
	if v := q.Get("end_date"); v != "" {
		t, ok := parseTime(v)
		if !ok {
			return lq, refuse(400, "open311.error.date", "end_date")
		}
		end = t
	}
	switch {
	case start.IsZero() && end.IsZero():
		lq.from, lq.to = now.Add(-maxWindow), now
	case end.IsZero():
		lq.from, lq.to = start, start.Add(maxWindow)
	case start.IsZero():
		lq.from, lq.to = end.Add(-maxWindow), end
	default:
		if end.Before(start) {
			return lq, refuse(400, "open311.error.date_order")
		}
		if end.Sub(start) > maxWindow {
			return lq, refuse(400, "open311.error.window")
		}
		lq.from, lq.to = start, end
	}
	return lq, nil
}

// postRequest is a POST requests form.
type postRequest struct {
	apiKey       string
	jurisdiction string
	service      string
	lat, long    *float64
	address      string
	addressID    string
	attributes   map[string][]string // attribute[code] and attribute[code][]
	firstName    string
	lastName     string
	phone        string
	description  string
	mediaURL     string
}

// parsePost reads the form of POST requests. It checks the form's shape
// (location given, numbers are numbers); what the values mean is checked
// against the masters by the service.
func parsePost(form url.Values) (postRequest, error) {
	p := postRequest{attributes: map[string][]string{}}
	one := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	p.apiKey, p.jurisdiction, p.service = one("api_key"), one("jurisdiction_id"), one("service_code")
	p.address, p.addressID = one("address_string"), one("address_id")
	p.firstName, p.lastName, p.phone = one("first_name"), one("last_name"), one("phone")
	p.description, p.mediaURL = strings.TrimSpace(form.Get("description")), one("media_url")
	for k, vs := range form {
		if !strings.HasPrefix(k, "attribute[") {
			continue
		}
		code, rest, ok := strings.Cut(k[len("attribute["):], "]")
		if !ok || code == "" || strings.Contains(code, "[") || (rest != "" && rest != "[]") {
			return p, refuse(400, "open311.error.attribute_name")
		}
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				p.attributes[code] = append(p.attributes[code], v)
			}
		}
	}
	if p.service == "" {
		return p, refuse(400, "open311.error.service_required")
	}
	la, lo := one("lat"), one("long")
	if la != "" || lo != "" {
		a, err1 := strconv.ParseFloat(la, 64)
		b, err2 := strconv.ParseFloat(lo, 64)
		if err1 != nil || err2 != nil {
			return p, refuse(400, "open311.error.latlong")
		}
		p.lat, p.long = &a, &b
	}
	if p.lat == nil && p.address == "" && p.addressID == "" {
		return p, refuse(400, "open311.error.location_required")
	}
	for _, s := range []string{p.apiKey, p.jurisdiction, p.service, p.address, p.addressID, p.firstName, p.lastName, p.phone, p.description, p.mediaURL} {
		if !utf8.ValidString(s) {
			return p, refuse(400, "open311.error.utf8")
		}
	}
	if p.mediaURL != "" {
		u, err := url.Parse(p.mediaURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(p.mediaURL) > 500 {
			return p, refuse(400, "open311.error.media_url")
		}
	}
	return p, nil
}
