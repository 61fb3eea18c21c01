package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"nivaran/internal/grievance"
)

// Signer builds and verifies delivery-report callback URLs. A gateway
// echoes our URL back, so the URL itself carries the message ID and a MAC
// over the gateway name and that ID: nobody else can forge a report.
type Signer struct {
	base   string
	secret []byte
}

// NewSigner returns a signer for callbacks under base (the server's public
// URL as the gateway reaches it, e.g. "https://nivaran.example.in") with a
// secret of at least 16 bytes.
func NewSigner(base string, secret []byte) (*Signer, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("notify: signer: base URL %q: want http(s)://host[/path]", base)
	}
	if len(secret) < 16 {
		return nil, fmt.Errorf("notify: signer: secret shorter than 16 bytes")
	}
	return &Signer{base: strings.TrimSuffix(base, "/"), secret: append([]byte(nil), secret...)}, nil
}

// Token returns the MAC of ref for gateway: the first 32 hex digits of
// HMAC-SHA256(secret, gateway+":"+ref).
func (s *Signer) Token(gateway, ref string) string {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(gateway + ":" + ref))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Verify reports, in constant time, whether token is the MAC of ref for gateway.
func (s *Signer) Verify(gateway, ref, token string) bool {
	return hmac.Equal([]byte(s.Token(gateway, ref)), []byte(token))
}

// URL returns the callback URL of message id sent through gateway:
// BASE/sms/dlr/{gateway}?ref={id}&t={token}.
func (s *Signer) URL(gateway string, id int64) string {
	ref := strconv.FormatInt(id, 10)
	return s.base + "/sms/dlr/" + url.PathEscape(gateway) + "?ref=" + ref + "&t=" + s.Token(gateway, ref)
}

// dlrStatus maps a report's kind to a message status: Kannel's DLR type
// numbers, SMPP receipt states and the common status words of HTTP gateways.
func dlrStatus(kind string) (grievance.MessageStatus, bool) {
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "1", "delivered", "delivrd", "success", "successful":
		return grievance.MsgDelivered, true
	case "2", "undelivered", "undeliv", "failed", "failure":
		return grievance.MsgUndelivered, true
	case "4", "8", "buffered", "accepted", "acceptd", "enroute", "sent", "submitted", "pending":
		return grievance.MsgAccepted, true
	case "16", "rejected", "rejectd", "dnd", "blocked":
		return grievance.MsgFailed, true
	case "expired":
		return grievance.MsgExpired, true
	}
	return "", false
}

// Report records a delivery report: gateway and ref name the message as in
// its callback URL, token is the URL's MAC and kind the report (a Kannel DLR
// type number or a status word). EForbidden for a bad token, EInvalid for an
// unknown kind or ref, ENotFound for an unknown message.
func (d *Dispatcher) Report(ctx context.Context, gateway, ref, token, kind string) error {
	return d.ReportCode(ctx, gateway, ref, token, kind, "")
}

// ReportCode is Report with the gateway's error code or answer (e.g. a DLT
// scrubbing code), recorded with failures; at most 100 bytes are kept.
func (d *Dispatcher) ReportCode(ctx context.Context, gateway, ref, token, kind, code string) error {
	if d.opts.Signer == nil || !d.opts.Signer.Verify(gateway, ref, token) {
		return grievance.Errorf(grievance.EForbidden, "error.forbidden")
	}
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id <= 0 {
		return grievance.Errorf(grievance.EInvalid, "error.invalid_form")
	}
	st, ok := dlrStatus(kind)
	if !ok {
		return grievance.Errorf(grievance.EInvalid, "error.invalid_form")
	}
	m, err := d.outbox.Message(ctx, id)
	if err != nil {
		return fmt.Errorf("notify: report on message %d: %w", id, err)
	}
	u := grievance.MessageUpdate{ID: id, Status: st, Attempts: m.Attempts, GatewayRef: m.GatewayRef, Error: m.LastError}
	if st != grievance.MsgDelivered && st != grievance.MsgAccepted {
		u.Error = "dlr_" + strings.ToLower(strings.TrimSpace(kind))
		if code = strings.TrimSpace(code); code != "" {
			u.Error += ":" + truncate(code, 100)
		}
	}
	if err := d.outbox.UpdateMessage(ctx, u); err != nil {
		return fmt.Errorf("notify: report on message %d: %w", id, err)
	}
	return nil
}

// DLRHandler serves delivery-report callbacks at GET and POST
// /sms/dlr/{gateway}, reading ref, t (the token), the report kind from type
// or status, and an optional error code from err, code or answer, in the
// query or a form body. It answers 200 "ok" when recorded (gateways retry
// until they see a 2xx), 403 for a bad token, 400 for other bad input and
// 503 only when the outbox fails, so that the gateway tries again.
func DLRHandler(d *Dispatcher) http.Handler {
	mux := http.NewServeMux()
	h := func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		first := func(names ...string) string {
			for _, n := range names {
				if v := r.Form.Get(n); v != "" {
					return v
				}
			}
			return ""
		}
		gw := r.PathValue("gateway")
		err := d.ReportCode(r.Context(), gw, r.Form.Get("ref"), r.Form.Get("t"),
			first("type", "status"), first("err", "code", "answer"))
		switch grievance.ErrorCode(err) {
		case "":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("ok"))
		case grievance.EForbidden:
			http.Error(w, "forbidden", http.StatusForbidden)
		case grievance.EInvalid, grievance.ENotFound:
			http.Error(w, "bad request", http.StatusBadRequest)
		default:
			d.opts.Log.ErrorContext(r.Context(), "sms delivery report", "gateway", gw, "ref", r.Form.Get("ref"), "error", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	}
	mux.HandleFunc("GET /sms/dlr/{gateway}", h)
	mux.HandleFunc("POST /sms/dlr/{gateway}", h)
	return mux
}
