package notify

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"nivaran/internal/grievance"
)

func MustSigner(t testing.TB) *Signer {
	t.Helper()
	s, err := NewSigner("https://nivaran.example.in/", []byte("0123456789abcdef0123"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSigner(t *testing.T) {
	s := MustSigner(t)
	u, err := url.Parse(s.URL("kannel", 42))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/sms/dlr/kannel" || u.Query().Get("ref") != "42" || len(u.Query().Get("t")) != 32 {
		t.Fatalf("URL = %s", u)
	}
	tok := u.Query().Get("t")
	flip := []byte(tok)
	flip[0] ^= 1
	other, _ := NewSigner("https://nivaran.example.in", []byte("another-secret-0123456"))
	tests := []struct {
		name, gateway, ref, token string
		want                      bool
	}{
		{"good", "kannel", "42", tok, true},
		{"tampered token", "kannel", "42", string(flip), false},
		{"other ref", "kannel", "43", tok, false},
		{"wrong gateway", "nic", "42", tok, false},
		{"empty token", "kannel", "42", "", false},
		{"full-length hmac is not the token", "kannel", "42", tok + tok, false},
		{"other secret", "kannel", "42", other.Token("kannel", "42"), false},
	}
	for _, tt := range tests {
		if got := s.Verify(tt.gateway, tt.ref, tt.token); got != tt.want {
			t.Errorf("%s: Verify = %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, bad := range []string{"", "ftp://x", "nivaran.in", "https://x/?a=b"} {
		if _, err := NewSigner(bad, []byte("0123456789abcdef")); err == nil {
			t.Errorf("NewSigner(%q): nil error", bad)
		}
	}
	if _, err := NewSigner("https://x", []byte("short")); err == nil {
		t.Error("NewSigner with a short secret: nil error")
	}
}

func TestReport(t *testing.T) {
	s := MustSigner(t)
	tests := []struct {
		kind, code string
		from       grievance.MessageStatus
		want       grievance.MessageStatus
		wantErr    string
		wantCode   string
	}{
		{"1", "", grievance.MsgSent, grievance.MsgDelivered, "", ""},
		{"2", "", grievance.MsgSent, grievance.MsgUndelivered, "", "dlr_2"},
		{"4", "", grievance.MsgSent, grievance.MsgAccepted, "", ""},
		{"8", "ACK/", grievance.MsgSent, grievance.MsgAccepted, "", ""},
		{"16", "NACK/0x00000100/DLT", grievance.MsgSent, grievance.MsgFailed, "", "dlr_16:NACK/0x00000100/DLT"},
		{"DELIVRD", "", grievance.MsgAccepted, grievance.MsgDelivered, "", ""},
		{"expired", "", grievance.MsgAccepted, grievance.MsgExpired, "", "dlr_expired"},
		{"8", "", grievance.MsgDelivered, grievance.MsgDelivered, "", ""}, // late "accepted" does not undo delivery
		{"32", "", grievance.MsgSent, grievance.MsgSent, grievance.EInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+string(tt.from), func(t *testing.T) {
			ob := newMemOutbox()
			id := ob.add(grievance.Message{To: "9876543210", Status: tt.from, Attempts: 1, GatewayRef: "r1"})
			d := MustDispatcher(t, ob, &fakeGateway{}, DispatcherOptions{Gateway: "kannel", Signer: s})
			ref := itoa(id)
			err := d.ReportCode(context.Background(), "kannel", ref, s.Token("kannel", ref), tt.kind, tt.code)
			if got := grievance.ErrorCode(err); got != tt.wantErr {
				t.Fatalf("Report err = %v, want code %q", err, tt.wantErr)
			}
			m := ob.get(id)
			if m.Status != tt.want || m.LastError != tt.wantCode || m.Attempts != 1 || m.GatewayRef != "r1" {
				t.Errorf("message = %s, error %q, attempts %d, ref %q; want %s, %q, 1, r1", m.Status, m.LastError, m.Attempts, m.GatewayRef, tt.want, tt.wantCode)
			}
		})
	}
	t.Run("bad token is forbidden", func(t *testing.T) {
		ob := newMemOutbox()
		id := ob.add(grievance.Message{Status: grievance.MsgSent})
		d := MustDispatcher(t, ob, &fakeGateway{}, DispatcherOptions{Gateway: "kannel", Signer: s})
		err := d.Report(context.Background(), "nic", itoa(id), s.Token("kannel", itoa(id)), "1")
		if grievance.ErrorCode(err) != grievance.EForbidden || ob.get(id).Status != grievance.MsgSent {
			t.Errorf("Report = %v, status %s; want forbidden and unchanged", err, ob.get(id).Status)
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func TestDLRHandler(t *testing.T) {
	s := MustSigner(t)
	ob := newMemOutbox()
	id := ob.add(grievance.Message{Status: grievance.MsgSent})
	d := MustDispatcher(t, ob, &fakeGateway{}, DispatcherOptions{Gateway: "kannel", Signer: s})
	h := DLRHandler(d)
	ref := itoa(id)
	tok := s.Token("kannel", ref)
	tests := []struct {
		name, method, target, body string
		want                       int
		wantBody                   string
	}{
		{"no token", "GET", "/sms/dlr/kannel?ref=" + ref + "&type=1", "", 403, "forbidden\n"},
		{"bad token", "GET", "/sms/dlr/kannel?ref=" + ref + "&t=00&type=1", "", 403, "forbidden\n"},
		{"wrong gateway", "GET", "/sms/dlr/nic?ref=" + ref + "&t=" + tok + "&type=1", "", 403, "forbidden\n"},
		{"unknown type", "GET", "/sms/dlr/kannel?ref=" + ref + "&t=" + tok + "&type=99", "", 400, "bad request\n"},
		{"unknown message", "GET", "/sms/dlr/kannel?ref=999&t=" + s.Token("kannel", "999") + "&type=1", "", 400, "bad request\n"},
		{"bad form", "POST", "/sms/dlr/kannel", "%zz", 400, "bad request\n"},
		{"put not allowed", "PUT", "/sms/dlr/kannel?ref=" + ref + "&t=" + tok + "&type=1", "", 405, ""},
		{"accepted by GET", "GET", "/sms/dlr/kannel?ref=" + ref + "&t=" + tok + "&type=8&answer=ACK%2F", "", 200, "ok"},
		{"delivered by POST form", "POST", "/sms/dlr/kannel?ref=" + ref, "t=" + tok + "&status=DELIVRD", 200, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.method == "POST" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want || tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.target, w.Code, w.Body.String(), tt.want, tt.wantBody)
			}
		})
	}
	if m := ob.get(id); m.Status != grievance.MsgDelivered {
		t.Errorf("status = %s, want delivered", m.Status)
	}
	t.Run("outbox failure asks the gateway to retry", func(t *testing.T) {
		ob.failUpdate = func(grievance.MessageUpdate) error { return errors.New("database locked") }
		defer func() { ob.failUpdate = nil }()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/sms/dlr/kannel?ref="+ref+"&t="+tok+"&type=1", nil))
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("code = %d, want 503", w.Code)
		}
	})
}
