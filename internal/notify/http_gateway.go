package notify

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

// Request methods of a profile.
const (
	MethodGet  = "GET"  // parameters in the query string
	MethodForm = "POST" // parameters as an application/x-www-form-urlencoded body
	MethodJSON = "JSON" // parameters as a JSON object body (POST)
)

// Logical fields a profile maps to the gateway's parameter names.
const (
	FieldUsername   = "username"
	FieldPassword   = "password"
	FieldTo         = "to"
	FieldText       = "text"
	FieldHeader     = "header"
	FieldEntityID   = "entity_id"
	FieldTemplateID = "template_id"
	FieldUnicode    = "unicode"
	FieldRef        = "ref"
	FieldDLRURL     = "dlr_url"
	FieldKey        = "key"
)

// Profile describes an HTTP SMS gateway: how to build the request and how
// to read the answer. Built-in profiles (Profiles) give the shape; the
// configuration adds the URL and credentials.
type Profile struct {
	Name   string
	Method string // MethodGet, MethodForm or MethodJSON
	URL    string
	// Fields maps the logical fields (Field constants) to the gateway's
	// parameter names; a field not named is not sent. In JSON, a name may be
	// a path: "sms[].to[]" puts the value into {"sms":[{"to":[value]}]}.
	Fields map[string]string
	// UnicodeOn and UnicodeOff are the values of the unicode field for
	// UCS-2 and GSM-7 text; an empty value leaves the field out.
	UnicodeOn, UnicodeOff string
	Static                map[string]string // sent with every request
	Headers               map[string]string // HTTP headers, e.g. an auth key
	// JSONNumbers names parameters (static or unicode) sent as JSON numbers.
	JSONNumbers []string
	// Prefix is put before the 10-digit mobile number: "91" by default,
	// "-" for none.
	Prefix string

	Username, Password string
	SecureKey          string // CDAC: the key's secret part
	PasswordSHA1       bool   // send the password as its SHA-1, hex
	// Entities sends non-ASCII characters as HTML numeric entities
	// (&#2358;) as CDAC needs, for UCS-2 text only.
	Entities bool
	// KeySHA512 sends FieldKey = SHA-512 hex of username + header + text (as
	// sent) + SecureKey, as CDAC needs.
	KeySHA512 bool

	// Success, when set, must match the body of a 2xx answer; otherwise
	// the send failed permanently with code "refused".
	Success string
	// RefPattern finds the gateway's message ID in the answer: the first
	// submatch, or the whole match.
	RefPattern string
	// Accepted says a success means the operator accepted the message
	// (status accepted rather than sent).
	Accepted bool
	Timeout  time.Duration // per request; 10 s
}

// Profiles returns the built-in profiles by name: "nic" (NIC's government
// gateway, GET), "cdac" (CDAC Mobile Seva, form POST with hashed password
// and key) and "msg91" (JSON with an authkey header). Each needs URL and
// credentials from configuration.
func Profiles() map[string]Profile {
	return map[string]Profile{
		"nic": {
			Name: "nic", Method: MethodGet,
			Fields: map[string]string{
				FieldUsername: "username", FieldPassword: "pin", FieldText: "message", FieldTo: "mnumber",
				FieldHeader: "signature", FieldEntityID: "dlt_entity_id", FieldTemplateID: "dlt_template_id",
				FieldUnicode: "msgType",
			},
			UnicodeOn:  "UC",
			RefPattern: `(?i)(?:msgid|message\s*id|requestid)\s*[=:]\s*"?([A-Za-z0-9-]+)`,
		},
		"cdac": {
			Name: "cdac", Method: MethodForm,
			Fields: map[string]string{
				FieldUsername: "username", FieldPassword: "password", FieldText: "content", FieldTo: "mobileno",
				FieldHeader: "senderid", FieldTemplateID: "templateid", FieldUnicode: "smsservicetype", FieldKey: "key",
			},
			UnicodeOn: "unicodemsg", UnicodeOff: "singlemsg",
			Prefix:       "-",
			PasswordSHA1: true, Entities: true, KeySHA512: true,
			Success:    `^\s*402\b`,
			RefPattern: `MsgID\s*=\s*([A-Za-z0-9-]+)`,
		},
		"msg91": {
			Name: "msg91", Method: MethodJSON,
			Fields: map[string]string{
				FieldHeader: "sender", FieldTemplateID: "DLT_TE_ID", FieldUnicode: "unicode",
				FieldText: "sms[].message", FieldTo: "sms[].to[]",
			},
			UnicodeOn: "1", UnicodeOff: "0",
			Static:      map[string]string{"route": "4", "country": "91"},
			JSONNumbers: []string{"unicode"},
			Prefix:      "-",
			Success:     `"type"\s*:\s*"success"`,
			RefPattern:  `"message"\s*:\s*"([A-Za-z0-9]+)"`,
		},
	}
}

// HTTPGateway sends through an HTTP gateway described by a Profile. Safe
// for concurrent use.
type HTTPGateway struct {
	p       Profile
	success *regexp.Regexp
	ref     *regexp.Regexp
	client  *http.Client
}

// NewHTTPGateway checks profile p and returns its gateway; client nil means
// http.DefaultClient.
func NewHTTPGateway(p Profile, client *http.Client) (*HTTPGateway, error) {
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("notify: gateway %s: URL %q: want http(s)://host/path", p.Name, p.URL)
	}
	switch p.Method {
	case MethodGet, MethodForm, MethodJSON:
	default:
		return nil, fmt.Errorf("notify: gateway %s: method %q: want GET, POST or JSON", p.Name, p.Method)
	}
	if p.Fields[FieldTo] == "" || p.Fields[FieldText] == "" {
		return nil, fmt.Errorf("notify: gateway %s: the to and text fields need parameter names", p.Name)
	}
	if p.KeySHA512 && (p.Fields[FieldKey] == "" || p.SecureKey == "") {
		return nil, fmt.Errorf("notify: gateway %s: a SHA-512 key needs the key field and a secure key", p.Name)
	}
	g := &HTTPGateway{p: p, client: client}
	if p.Success != "" {
		if g.success, err = regexp.Compile(p.Success); err != nil {
			return nil, fmt.Errorf("notify: gateway %s: success pattern: %w", p.Name, err)
		}
	}
	if p.RefPattern != "" {
		if g.ref, err = regexp.Compile(p.RefPattern); err != nil {
			return nil, fmt.Errorf("notify: gateway %s: ref pattern: %w", p.Name, err)
		}
	}
	return g, nil
}

// SentStatus is MsgAccepted when the profile says so, else MsgSent.
func (g *HTTPGateway) SentStatus() grievance.MessageStatus {
	if g.p.Accepted {
		return grievance.MsgAccepted
	}
	return grievance.MsgSent
}

// params returns the request's parameters in order of the profile.
func (g *HTTPGateway) params(m Outgoing) [][2]string {
	p := g.p
	text := m.Text
	if p.Entities && m.Unicode {
		text = Entities(text)
	}
	password := p.Password
	if p.PasswordSHA1 {
		h := sha1.Sum([]byte(password))
		password = hex.EncodeToString(h[:])
	}
	prefix := p.Prefix
	switch prefix {
	case "":
		prefix = "91"
	case "-":
		prefix = ""
	}
	unicode := p.UnicodeOff
	if m.Unicode {
		unicode = p.UnicodeOn
	}
	values := map[string]string{
		FieldUsername: p.Username, FieldPassword: password, FieldTo: prefix + m.To, FieldText: text,
		FieldHeader: m.Header, FieldEntityID: m.EntityID, FieldTemplateID: m.TemplateID,
		FieldUnicode: unicode, FieldRef: strconv.FormatInt(m.ID, 10), FieldDLRURL: m.DLRURL,
	}
	if p.KeySHA512 {
		h := sha512.Sum512([]byte(p.Username + m.Header + text + p.SecureKey))
		values[FieldKey] = hex.EncodeToString(h[:])
	}
	var out [][2]string
	for _, f := range []string{FieldUsername, FieldPassword, FieldTo, FieldText, FieldHeader, FieldEntityID,
		FieldTemplateID, FieldUnicode, FieldRef, FieldDLRURL, FieldKey} {
		if name := p.Fields[f]; name != "" && values[f] != "" {
			out = append(out, [2]string{name, values[f]})
		}
	}
	for k, v := range p.Static {
		out = append(out, [2]string{k, v})
	}
	return out
}

// Send sends m; see SendError for how failures are classified.
func (g *HTTPGateway) Send(ctx context.Context, m Outgoing) (string, error) {
	params := g.params(m)
	var ref string
	err := httpSend(ctx, g.client, g.p.Timeout, func(ctx context.Context) (*http.Request, error) {
		var r *http.Request
		var err error
		switch g.p.Method {
		case MethodGet:
			q := url.Values{}
			for _, kv := range params {
				q.Add(kv[0], kv[1])
			}
			u := g.p.URL
			sep := "?"
			if strings.Contains(u, "?") {
				sep = "&"
			}
			r, err = http.NewRequestWithContext(ctx, http.MethodGet, u+sep+q.Encode(), nil)
		case MethodForm:
			q := url.Values{}
			for _, kv := range params {
				q.Add(kv[0], kv[1])
			}
			r, err = http.NewRequestWithContext(ctx, http.MethodPost, g.p.URL, strings.NewReader(q.Encode()))
			if err == nil {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		case MethodJSON:
			var body []byte
			if body, err = jsonBody(params, g.p.JSONNumbers); err != nil {
				return nil, err
			}
			r, err = http.NewRequestWithContext(ctx, http.MethodPost, g.p.URL, bytes.NewReader(body))
			if err == nil {
				r.Header.Set("Content-Type", "application/json")
			}
		}
		if err != nil {
			return nil, err
		}
		for k, v := range g.p.Headers {
			r.Header.Set(k, v)
		}
		return r, nil
	}, func(status int, body string) error {
		if status < 200 || status > 299 {
			return statusError(status, body)
		}
		if g.success != nil && !g.success.MatchString(body) {
			return &SendError{Code: "refused", Err: fmt.Errorf("%s", truncate(body, 200))}
		}
		if g.ref != nil {
			if sm := g.ref.FindStringSubmatch(body); sm != nil {
				ref = sm[len(sm)-1]
			}
		}
		return nil
	})
	return truncate(ref, 100), err
}

// Entities writes every non-ASCII character of s as an HTML numeric
// character reference: "क" becomes "&#2325;".
func Entities(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "&#%d;", r)
		}
	}
	return b.String()
}

// jsonBody builds a JSON object from params whose names may be paths:
// "a.b" nests objects, "a[]" makes a one-element array.
func jsonBody(params [][2]string, numbers []string) ([]byte, error) {
	root := map[string]any{}
	for _, kv := range params {
		var v any = kv[1]
		for _, n := range numbers {
			if n == kv[0] {
				v = json.Number(kv[1])
			}
		}
		if err := setPath(root, strings.Split(kv[0], "."), v); err != nil {
			return nil, fmt.Errorf("json parameter %s: %w", kv[0], err)
		}
	}
	return json.Marshal(root)
}

func setPath(obj map[string]any, path []string, v any) error {
	name, isArr := strings.CutSuffix(path[0], "[]")
	last := len(path) == 1
	switch {
	case last && isArr:
		obj[name] = []any{v}
	case last:
		obj[name] = v
	default:
		var child map[string]any
		if isArr {
			arr, _ := obj[name].([]any)
			if len(arr) == 0 {
				arr = []any{map[string]any{}}
				obj[name] = arr
			}
			c, ok := arr[0].(map[string]any)
			if !ok {
				return fmt.Errorf("%s is not an array of objects", name)
			}
			child = c
		} else {
			c, ok := obj[name].(map[string]any)
			if !ok {
				if obj[name] != nil {
					return fmt.Errorf("%s is not an object", name)
				}
				c = map[string]any{}
				obj[name] = c
			}
			child = c
		}
		return setPath(child, path[1:], v)
	}
	return nil
}
