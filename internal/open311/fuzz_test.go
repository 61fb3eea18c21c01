package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"nivaran/internal/i18n"
)

// refusedWell fails t unless err is a refusal with one of the standard's
// statuses and a description in both languages.
func refusedWell(t *testing.T, cat *i18n.Catalogue, err error, statuses ...int) {
	t.Helper()
	var b *badRequest
	if !errors.As(err, &b) {
		t.Fatalf("refused with %T %v, want a *badRequest", err, err)
	}
	ok := false
	for _, s := range statuses {
		ok = ok || b.status == s
	}
	if !ok {
		t.Fatalf("refused with status %d, want one of %v", b.status, statuses)
	}
	for _, lang := range i18n.Languages {
		if cat.T(lang, b.key) == b.key {
			t.Fatalf("refusal %q has no %s description", b.key, lang)
		}
	}
}

// FuzzParsePath: any path below /open311/v2/ is a known resource in a known
// format, or a 404 with a description.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"discovery.xml", "services.json", "services/mun-garbage.xml", "requests.json", "requests/2601123456.xml",
		"tokens/abc.json", "requests", "requests.csv", "services/.json", "services/a/b.json", "x.json", ".json", "requests/.xml", "tokens.json", ""} {
		f.Add(s)
	}
	cat := i18n.MustLoad()
	f.Fuzz(func(t *testing.T, p string) {
		rt, err := parsePath(p)
		if err != nil {
			refusedWell(t, cat, err, 404)
			return
		}
		if rt.format != formatXML && rt.format != formatJSON {
			t.Fatalf("%q: format %q", p, rt.format)
		}
		switch rt.resource {
		case "discovery":
			if rt.id != "" {
				t.Fatalf("%q: discovery with an ID", p)
			}
		case "services", "requests":
		case "tokens":
			if rt.id == "" {
				t.Fatalf("%q: tokens without a token", p)
			}
		default:
			t.Fatalf("%q: resource %q", p, rt.resource)
		}
		if strings.Contains(rt.id, "/") {
			t.Fatalf("%q: ID %q holds a slash", p, rt.id)
		}
	})
}

// FuzzListQuery: any query of GET requests is refused with 400, or gives a
// window of at most 90 days that ends after it starts and at least one
// status; service_request_id overrides the rest.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"", "status=open", "status=open,closed&service_code=a,b", "start_date=2026-01-01T00:00:00Z",
		"end_date=2026-01-01T00:00:00%2B05:30", "start_date=2026-01-01T00:00:00Z&end_date=2026-05-01T00:00:00Z",
		"start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "service_request_id=1,2,3&status=bogus", "status=pending",
		"start_date=2026-01-01", "service_request_id=,", "status=&status=closed", "%zz"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	cat := i18n.MustLoad()
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // the server's query parsing drops what it cannot read
		}
		lq, err := parseListQuery(q, now)
		if err != nil {
			refusedWell(t, cat, err, 400)
			return
		}
		if len(lq.ids) > 0 {
			if len(lq.ids) > maxResults {
				t.Fatalf("%d IDs accepted", len(lq.ids))
			}
			return
		}
		if lq.to.Before(lq.from) || lq.to.Sub(lq.from) > maxWindow {
			t.Fatalf("%q: window %v – %v", raw, lq.from, lq.to)
		}
		if !lq.open && !lq.closed {
			t.Fatalf("%q: no status", raw)
		}
		for _, s := range lq.services {
			if s == "" || strings.Contains(s, ",") {
				t.Fatalf("%q: service code %q", raw, s)
			}
		}
	})
}

// FuzzParsePost: any form of POST requests is refused with 400, or names a
// service and a whole location, with valid UTF-8 and well-formed
// attributes.
func FuzzParsePost(f *testing.F) {
	for _, s := range []string{
		"api_key=k&service_code=mun-garbage&lat=26.85&long=80.94&attribute%5Barea%5D=w1&first_name=%E0%A4%B0%E0%A4%BE%E0%A4%AE&phone=9876543210&description=x",
		"api_key=k&service_code=s&address_string=here&attribute%5Bx%5D%5B%5D=1&attribute%5Bx%5D%5B%5D=2",
		"service_code=s&lat=1", "service_code=s&lat=a&long=b", "service_code=s&address_id=7&media_url=ftp%3A%2F%2Fx",
		"service_code=s&address_id=7&media_url=https%3A%2F%2Fexample.org%2Fp.jpg", "attribute%5B%5D=1&service_code=s&address_id=1",
		"attribute%5Ba%5Dx=1", "service_code=%ff&address_id=1", "",
	} {
		f.Add(s)
	}
	cat := i18n.MustLoad()
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := parsePost(form)
		if err != nil {
			refusedWell(t, cat, err, 400)
			return
		}
		if p.service == "" || (p.lat == nil && p.address == "" && p.addressID == "") || (p.lat == nil) != (p.long == nil) {
			t.Fatalf("%q: accepted without a service or a location: %+v", raw, p)
		}
		for _, s := range []string{p.service, p.address, p.firstName, p.lastName, p.phone, p.description, p.mediaURL} {
			if !utf8.ValidString(s) {
				t.Fatalf("%q: invalid UTF-8 accepted", raw)
			}
		}
		for code, vs := range p.attributes {
			if code == "" || strings.ContainsAny(code, "[]") {
				t.Fatalf("%q: attribute code %q", raw, code)
			}
			for _, v := range vs {
				if v == "" {
					t.Fatalf("%q: empty attribute value kept", raw)
				}
			}
		}
	})
}

// xmlText reports whether every rune of s may appear in an XML document.
func xmlText(s string) bool {
	for _, r := range s {
		if !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// FuzzXMLRoundTrip: a request written as XML or JSON by the server reads
// back exactly, Hindi included, for any text XML can carry. (XML turns a
// lone carriage return into a newline, so text is compared with CRs
// normalised as an XML reader must.)
func FuzzXMLRoundTrip(f *testing.F) {
	f.Add("2601234567", "कूड़ा नहीं उठाया गया", "नगर निगम", "अमीनाबाद, ज़ोन 1", "निस्तारित; नागरिक की पुष्टि की प्रतीक्षा", 26.851, 80.94)
	f.Add("1", "<b>&amp;</b>", "\"quoted\" 'x'", "]]>", "tab\tnew\nline", -0.0, 1e-9)
	s := &Server{Location: time.UTC}
	norm := func(v string) string { return strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n") }
	f.Fuzz(func(t *testing.T, id, name, agency, address, notes string, lat, long float64) {
		for _, v := range []string{id, name, agency, address, notes} {
			if !xmlText(v) {
				return
			}
		}
		want := request{ID: id, Status: "open", StatusNotes: notes, ServiceName: name, ServiceCode: "c", AgencyResponsible: agency,
			RequestedDatetime: "2026-01-02T03:04:05+05:30", UpdatedDatetime: "2026-01-02T03:04:05+05:30", Address: address, Lat: &lat, Long: &long}
		for _, format := range []string{formatXML, formatJSON} {
			w := httptest.NewRecorder()
			s.write(w, format, 200, []request{want}, xmlRequests{Requests: []request{want}})
			var got []request
			if format == formatXML {
				var x xmlRequests
				if err := xml.NewDecoder(bytes.NewReader(w.Body.Bytes())).Decode(&x); err != nil {
					t.Fatalf("our XML does not read back: %v\n%s", err, w.Body.Bytes())
				}
				got = x.Requests
			} else if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				if lat != lat || long != long || lat > 1e308 || lat < -1e308 || long > 1e308 || long < -1e308 {
					return // NaN and infinities are not JSON; coordinates are never those
				}
				t.Fatalf("our JSON does not read back: %v", err)
			}
			if len(got) != 1 {
				t.Fatalf("%s: %d requests back", format, len(got))
			}
			g := got[0]
			if g.ID != norm(id) && g.ID != id || g.ServiceName != norm(name) && g.ServiceName != name || g.AgencyResponsible != norm(agency) && g.AgencyResponsible != agency ||
				g.Address != norm(address) && g.Address != address || g.StatusNotes != norm(notes) && g.StatusNotes != notes {
				t.Fatalf("%s round trip: got %+v, want %+v", format, g, want)
			}
			if g.Lat == nil || g.Long == nil || (*g.Lat != lat && lat == lat) || (*g.Long != long && long == long) {
				t.Fatalf("%s round trip of the location: %v %v, want %v %v", format, g.Lat, g.Long, lat, long)
			}
		}
	})
}
