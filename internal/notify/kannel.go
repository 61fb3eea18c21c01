package notify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// KannelGateway sends through Kannel's smsbox (GET /cgi-bin/sendsms), which
// relays to an operator or NIC over SMPP. Kannel answers 202 for anything it
// queued and gives no message ID, so the message's reference travels in the
// dlr-url and every outcome — including an SMSC's rejection — comes back as
// a delivery report (dlr-mask=31: all types).
type KannelGateway struct {
	URL      string // smsbox base URL, e.g. "http://127.0.0.1:13013"
	Username string // sendsms-user
	Password string
	SMSC     string // optional smsc-id to route through
	// PETLV and TemplateTLV name the smpp-tlv groups of the Kannel
	// configuration that carry the DLT IDs (often tags 0x1400 and 0x1401);
	// when set, the IDs are sent as meta-data. Empty: Kannel adds them itself
	// or the SMSC does not need them.
	PETLV, TemplateTLV string
	Timeout            time.Duration // per request; 10 s
	Client             *http.Client  // http.DefaultClient
}

// Send queues m with Kannel. Non-GSM text (Hindi) goes as UCS-2
// (coding=2, charset=UTF-8): without both, Kannel turns it into question
// marks or garbage and still answers 202.
func (g *KannelGateway) Send(ctx context.Context, m Outgoing) (string, error) {
	q := url.Values{}
	q.Set("username", g.Username)
	q.Set("password", g.Password)
	q.Set("from", m.Header)
	q.Set("to", "91"+m.To)
	q.Set("text", m.Text)
	q.Set("charset", "UTF-8")
	if m.Unicode {
		q.Set("coding", "2")
	}
	if g.SMSC != "" {
		q.Set("smsc", g.SMSC)
	}
	if g.PETLV != "" && g.TemplateTLV != "" {
		md := url.Values{}
		md.Set(g.PETLV, m.EntityID)
		md.Set(g.TemplateTLV, m.TemplateID)
		q.Set("meta-data", "?smpp?"+md.Encode())
	}
	if m.DLRURL != "" {
		q.Set("dlr-mask", "31")
		// Kannel substitutes %d (report type) and %A (the SMSC's answer).
		q.Set("dlr-url", m.DLRURL+"&type=%d&answer=%A")
	}
	return "", httpSend(ctx, g.Client, g.Timeout, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(g.URL, "/")+"/cgi-bin/sendsms?"+q.Encode(), nil)
	}, func(status int, body string) error {
		if status != http.StatusAccepted && status != http.StatusOK {
			return statusError(status, body)
		}
		return nil
	})
}

// httpSend runs one request with a timeout and hands the status and the
// first 64 KiB of the body to check; transport errors are classified.
func httpSend(ctx context.Context, c *http.Client, timeout time.Duration, req func(context.Context) (*http.Request, error), check func(int, string) error) error {
	if c == nil {
		c = http.DefaultClient
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, err := req(ctx)
	if err != nil {
		return &SendError{Code: "request", Err: err}
	}
	resp, err := c.Do(r)
	if err != nil {
		return classify(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return classify(fmt.Errorf("read answer: %w", err))
	}
	return check(resp.StatusCode, string(b))
}
