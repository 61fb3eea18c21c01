package notify

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

var hindiOut = Outgoing{ID: 42, To: "9876543210", Text: "शिकायत 26031234567 दर्ज", TemplateID: "1107000000000000001",
	EntityID: testEntity, Header: testHeader, Unicode: true, DLRURL: "https://n.in/sms/dlr/x?ref=42&t=ab"}

// capture is a gateway stand-in that records the request and answers with
// status and body.
type capture struct {
	status int
	body   string
	delay  time.Duration
	req    *http.Request
	form   url.Values
	raw    []byte
}

func (c *capture) server(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.raw, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(c.raw))
		_ = r.ParseForm()
		c.req, c.form = r, r.Form
		if c.delay > 0 {
			select {
			case <-time.After(c.delay):
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(c.status)
		_, _ = io.WriteString(w, c.body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func profile(t *testing.T, name, u string) *HTTPGateway {
	t.Helper()
	p := Profiles()[name]
	p.URL, p.Username, p.Password, p.SecureKey = u, "grv", "s3cret", "sec-key"
	p.Timeout = 200 * time.Millisecond
	g, err := NewHTTPGateway(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestHTTPGatewayNIC(t *testing.T) {
	c := &capture{status: 200, body: "Platform Accepted MsgID=AB12-34"}
	g := profile(t, "nic", c.server(t).URL)
	ref, err := g.Send(context.Background(), hindiOut)
	if err != nil || ref != "AB12-34" {
		t.Fatalf("Send = %q, %v", ref, err)
	}
	want := map[string]string{"username": "grv", "pin": "s3cret", "message": hindiOut.Text, "mnumber": "919876543210",
		"signature": testHeader, "dlt_entity_id": testEntity, "dlt_template_id": hindiOut.TemplateID, "msgType": "UC"}
	if c.req.Method != http.MethodGet {
		t.Errorf("method = %s", c.req.Method)
	}
	for k, v := range want {
		if got := c.form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	en := hindiOut
	en.Text, en.Unicode = "Complaint 26031234567 registered", false
	if _, err := g.Send(context.Background(), en); err != nil || c.form.Has("msgType") {
		t.Errorf("English send: %v, msgType %q (want none)", err, c.form.Get("msgType"))
	}
	if g.SentStatus() != grievance.MsgSent {
		t.Errorf("SentStatus = %s", g.SentStatus())
	}
}

func TestHTTPGatewayCDAC(t *testing.T) {
	c := &capture{status: 200, body: "402,MsgID = 150320171234567hpgovt-hpssa"}
	g := profile(t, "cdac", c.server(t).URL)
	ref, err := g.Send(context.Background(), hindiOut)
	if err != nil || ref != "150320171234567hpgovt-hpssa" {
		t.Fatalf("Send = %q, %v", ref, err)
	}
	if c.req.Method != http.MethodPost || !strings.HasPrefix(c.req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Errorf("request %s %s", c.req.Method, c.req.Header.Get("Content-Type"))
	}
	content := Entities(hindiOut.Text)
	if !strings.HasPrefix(content, "&#2358;&#2367;") || c.form.Get("content") != content {
		t.Errorf("content = %q, want %q", c.form.Get("content"), content)
	}
	pw := sha1.Sum([]byte("s3cret"))
	key := sha512.Sum512([]byte("grv" + testHeader + content + "sec-key"))
	want := map[string]string{"username": "grv", "password": hex.EncodeToString(pw[:]), "mobileno": "9876543210",
		"senderid": testHeader, "templateid": hindiOut.TemplateID, "smsservicetype": "unicodemsg", "key": hex.EncodeToString(key[:])}
	for k, v := range want {
		if got := c.form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	c.body = "401,Credentials Error"
	if _, err := g.Send(context.Background(), hindiOut); !isSendError(err, false, "refused") {
		t.Errorf("refusal in the body: %v, want permanent refused", err)
	}
}

func TestHTTPGatewayMSG91(t *testing.T) {
	c := &capture{status: 200, body: `{"message":"3763646c3058313530393138","type":"success"}`}
	p := Profiles()["msg91"]
	p.URL, p.Headers = c.server(t).URL, map[string]string{"authkey": "k123"}
	g, err := NewHTTPGateway(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := g.Send(context.Background(), hindiOut)
	if err != nil || ref != "3763646c3058313530393138" {
		t.Fatalf("Send = %q, %v", ref, err)
	}
	if c.req.Header.Get("authkey") != "k123" || c.req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", c.req.Header)
	}
	var body struct {
		Sender  string `json:"sender"`
		Route   string `json:"route"`
		Unicode int    `json:"unicode"`
		DLT     string `json:"DLT_TE_ID"`
		SMS     []struct {
			Message string   `json:"message"`
			To      []string `json:"to"`
		} `json:"sms"`
	}
	if err := json.Unmarshal(c.raw, &body); err != nil {
		t.Fatalf("body %s: %v", c.raw, err)
	}
	if body.Sender != testHeader || body.Route != "4" || body.Unicode != 1 || body.DLT != hindiOut.TemplateID ||
		len(body.SMS) != 1 || body.SMS[0].Message != hindiOut.Text || len(body.SMS[0].To) != 1 || body.SMS[0].To[0] != "9876543210" {
		t.Errorf("body = %s", c.raw)
	}
}

func isSendError(err error, temporary bool, code string) bool {
	var se *SendError
	return errors.As(err, &se) && se.Temporary == temporary && se.Code == code
}

func TestHTTPGatewayErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		delay     time.Duration
		temporary bool
		code      string
	}{
		{"server error", 503, 0, true, "http_503"},
		{"rate limited", 429, 0, true, "http_429"},
		{"bad request", 400, 0, false, "http_400"},
		{"unauthorized", 401, 0, false, "http_401"},
		{"timeout", 200, 2 * time.Second, true, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &capture{status: tt.status, body: "error", delay: tt.delay}
			g := profile(t, "nic", c.server(t).URL)
			_, err := g.Send(context.Background(), hindiOut)
			if !isSendError(err, tt.temporary, tt.code) {
				t.Errorf("Send = %v, want temporary %v code %s", err, tt.temporary, tt.code)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		u := srv.URL
		srv.Close()
		g := profile(t, "nic", u)
		if _, err := g.Send(context.Background(), hindiOut); !isSendError(err, true, "network") {
			t.Errorf("Send = %v, want temporary network", err)
		}
	})
	for name, p := range map[string]Profile{
		"no url":       {Method: MethodGet, Fields: map[string]string{FieldTo: "to", FieldText: "t"}},
		"bad method":   {URL: "https://x", Method: "PUT", Fields: map[string]string{FieldTo: "to", FieldText: "t"}},
		"no to field":  {URL: "https://x", Method: MethodGet, Fields: map[string]string{FieldText: "t"}},
		"bad pattern":  {URL: "https://x", Method: MethodGet, Fields: map[string]string{FieldTo: "to", FieldText: "t"}, RefPattern: "("},
		"key w/o salt": {URL: "https://x", Method: MethodForm, Fields: map[string]string{FieldTo: "to", FieldText: "t", FieldKey: "k"}, KeySHA512: true},
	} {
		if _, err := NewHTTPGateway(p, nil); err == nil {
			t.Errorf("NewHTTPGateway(%s): nil error", name)
		}
	}
}

func TestKannelGatewayRequest(t *testing.T) {
	c := &capture{status: 202, body: "0: Accepted for delivery"}
	g := &KannelGateway{URL: c.server(t).URL + "/", Username: "nivaran", Password: "pw", SMSC: "nic1",
		PETLV: "dlt_pe", TemplateTLV: "dlt_tpl"}
	if ref, err := g.Send(context.Background(), hindiOut); ref != "" || err != nil {
		t.Fatalf("Send = %q, %v", ref, err)
	}
	if c.req.URL.Path != "/cgi-bin/sendsms" || c.req.Method != http.MethodGet {
		t.Errorf("request %s %s", c.req.Method, c.req.URL.Path)
	}
	want := map[string]string{"username": "nivaran", "password": "pw", "from": testHeader, "to": "919876543210",
		"text": hindiOut.Text, "coding": "2", "charset": "UTF-8", "dlr-mask": "31", "smsc": "nic1",
		"dlr-url":   hindiOut.DLRURL + "&type=%d&answer=%A",
		"meta-data": "?smpp?dlt_pe=" + testEntity + "&dlt_tpl=" + hindiOut.TemplateID}
	for k, v := range want {
		if got := c.form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	en := hindiOut
	en.Unicode, en.DLRURL = false, ""
	_, _ = g.Send(context.Background(), en)
	if c.form.Has("coding") || c.form.Has("dlr-url") || c.form.Has("dlr-mask") {
		t.Errorf("GSM text without DLR URL sent %v", c.form)
	}
	for status, wantTemp := range map[int]bool{403: false, 400: false, 503: true} {
		c.status = status
		if _, err := g.Send(context.Background(), hindiOut); !isSendError(err, wantTemp, "http_"+itoa(int64(status))) {
			t.Errorf("Kannel %d: %v, want temporary %v", status, err, wantTemp)
		}
	}
}

func TestLogGateway(t *testing.T) {
	var buf bytes.Buffer
	g := NewLogGateway(slog.New(slog.NewTextHandler(&buf, nil)), 2)
	for i := int64(1); i <= 3; i++ {
		m := hindiOut
		m.ID = i
		if ref, err := g.Send(context.Background(), m); err != nil || ref != "log-"+itoa(i) {
			t.Fatalf("Send = %q, %v", ref, err)
		}
	}
	r := g.Recent()
	if len(r) != 2 || r[0].ID != 3 || r[1].ID != 2 || r[0].Text != hindiOut.Text {
		t.Errorf("Recent = %+v, want messages 3 and 2 with text", r)
	}
	log := buf.String()
	if strings.Contains(log, "9876543210") || !strings.Contains(log, "xxxxxx3210") || strings.Contains(log, "26031234567") {
		t.Errorf("log shows the number or text: %s", log)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Send(ctx, hindiOut); !isSendError(err, true, "canceled") {
		t.Errorf("cancelled Send = %v", err)
	}
}
