package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
	"nivaran/internal/masters"
	"nivaran/internal/notify"
	"nivaran/internal/store"
)

// smsRig is a real store with the default masters and SMS templates, the
// planner as its messenger (a filing queues the citizen's acknowledgement,
// as in the server) and a signer for the gateway's URLs.
type smsRig struct {
	st      *store.Store
	planner *notify.Planner
	signer  *notify.Signer
	cat     *i18n.Catalogue
}

func mustSMSRig(f *testing.F) *smsRig {
	f.Helper()
	ctx := context.Background()
	tc, err := notify.NewCatalogue(notify.DefaultTemplates(), "1000000000000000000", "NIVRAN")
	if err != nil {
		f.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	p, err := notify.NewPlanner(tc, notify.PlannerOptions{TrackURL: "nivaran.in/t", Labels: cat})
	if err != nil {
		f.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(f.TempDir(), "nivaran.db"), Messenger: p})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	def, err := masters.Default()
	if err != nil {
		f.Fatal(err)
	}
	if err := st.ReplaceMasters(ctx, def); err != nil {
		f.Fatal(err)
	}
	s, err := notify.NewSigner("https://nivaran.example.in", []byte("fuzz-secret-0123456789"))
	if err != nil {
		f.Fatal(err)
	}
	return &smsRig{st: st, planner: p, signer: s, cat: cat}
}

// newMessages returns the messages queued after the one with ID after,
// oldest first, and the newest ID.
func (r *smsRig) newMessages(t testing.TB, after int64) ([]grievance.Message, int64) {
	t.Helper()
	msgs, err := r.st.Messages(context.Background(), "", 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []grievance.Message
	last := after
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].ID > after {
			out = append(out, msgs[i])
		}
		last = max(last, msgs[i].ID)
	}
	return out, last
}

// filings wraps the real store's complaint service and remembers who filed
// each complaint made through it.
type filings struct {
	grievance.ComplaintService
	mu    sync.Mutex
	filer map[string]string // number -> mobile
	n     int
}

func (f *filings) File(ctx context.Context, in grievance.NewComplaint) (*grievance.Complaint, error) {
	c, err := f.ComplaintService.File(ctx, in)
	if err == nil {
		f.mu.Lock()
		f.filer[c.Number] = c.Mobile
		f.n++
		f.mu.Unlock()
	}
	return c, err
}

func (f *filings) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// FuzzInboundSMS sends arbitrary inbound messages to the gateway webhook
// (Kannel's sms-service get-url, and the generic gateways' GET or POST form
// with their own field names) on a real store. No request gets a 5xx; a
// request without the gateway's token files nothing and queues nothing; a
// handled message gets its replies only at the sender's number; and a
// status reply goes only to the mobile that filed the complaint, whoever
// asks.
//
//	go test ./internal/notify -run '^$' -fuzz FuzzInboundSMS -fuzztime 30s
func FuzzInboundSMS(f *testing.F) {
	rig := mustSMSRig(f)
	ctx := context.Background()
	fl := &filings{ComplaintService: rig.st, filer: map[string]string{}}
	in := &notify.Inbound{Complaints: fl, Outbox: rig.st, Planner: rig.planner, Labels: rig.cat}
	h := notify.InboundHandler(in, rig.signer)
	const filer, stranger = "9876543210", "9123456789"
	c, err := fl.File(ctx, grievance.NewComplaint{Mobile: filer, Language: grievance.Hindi, Channel: grievance.ChannelSMS,
		Description: "गली 4 में तीन दिन से पानी नहीं आया"})
	if err != nil {
		f.Fatal(err)
	}
	_, last := rig.newMessages(f, 0)

	// mode: bit 0 signs with the gateway's token (otherwise token is
	// sent as it is), bit 1 POSTs a form, bit 2 uses the generic gateways'
	// field names (sender, message) instead of Kannel's (from, text).
	for _, s := range []struct {
		gw, token, from, text string
		mode                  uint8
	}{
		{"kannel", "", "+91" + filer, "STATUS " + c.Number, 1},
		{"kannel", "", filer, "status " + c.Number, 1},
		{"kannel", "", stranger, "STATUS " + c.Number, 1},
		{"kannel", "", "0" + stranger, "स्थिति " + c.Number, 1},
		{"kannel", "", filer, "STATUS #" + c.Number + ".", 1},
		{"kannel", "", filer, "STATUS 00000000000", 1},
		{"kannel", "", filer, "SHIKAYAT गली 4 में तीन दिन से पानी नहीं आया", 1},
		{"kannel", "", filer, "शिकायत: सड़क पर गड्ढा", 1},
		{"kannel", "", filer, "COMPLAINT streetlight off near the school", 1},
		{"kannel", "", filer, "SHIKAYAT", 1},
		{"kannel", "", filer, "SHIKAYAT <script>alert(1)</script> =HYPERLINK(\"x\")", 1},
		{"kannel", "", filer, "hello?", 1},
		{"kannel", "", filer, "\xff\xfeSTATUS \x00", 1},
		{"http", "", "919876543210", "SHIKAYAT पानी", 3},
		{"msg91", "", stranger, "STATUS " + c.Number, 7},
		{"textlocal", "", filer, "COMPLAINT drain blocked", 6 | 1},
		{"kannel", "forged", filer, "SHIKAYAT x", 0},
		{"kannel", "", filer, "SHIKAYAT x", 2},
		{"kannel", rig.signer.Token("nic", "inbound"), filer, "SHIKAYAT x", 0},
		{"KANNEL", "", filer, "STATUS " + c.Number, 1},
		{"../admin", "", filer, "STATUS " + c.Number, 1},
		{"kannel", "", "12345", "SHIKAYAT x", 1},
		{"kannel", "", "", "SHIKAYAT x", 1},
		{"kannel", "", "' OR 1=1 --", "STATUS ' OR 1=1 --", 1},
		{"kannel", "", filer, strings.Repeat("शिकायत ", 3000), 3},
	} {
		f.Add(s.gw, s.token, s.from, s.text, s.mode)
	}
	f.Fuzz(func(t *testing.T, gw, token, from, text string, mode uint8) {
		signed := mode&1 != 0
		if signed {
			token = rig.signer.Token(gw, "inbound")
		}
		fromKey, textKey := "from", "text"
		if mode&4 != 0 {
			fromKey, textKey = "sender", "message"
		}
		form := url.Values{"t": {token}, fromKey: {from}, textKey: {text}}
		target := "/sms/inbound/" + url.PathEscape(gw)
		var req *http.Request
		if mode&2 != 0 {
			req = httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest("GET", target+"?"+form.Encode(), nil)
		}
		filed := fl.count()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		msgs, newest := rig.newMessages(t, last)
		last = newest

		if rec.Code >= 500 {
			t.Fatalf("%s %q from %q: status %d %s", req.Method, text, from, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusOK {
			if len(msgs) > 0 || fl.count() != filed {
				t.Fatalf("refused with %d but queued %d messages, filed %d complaints", rec.Code, len(msgs), fl.count()-filed)
			}
			return
		}
		// Answered 200: the token was right for the gateway named.
		if !signed && token != rig.signer.Token(gw, "inbound") {
			t.Fatalf("token %q for gateway %q accepted", token, gw)
		}
		sender := grievance.NormalizeMobile(from)
		if len(msgs) == 0 {
			t.Fatalf("%q from %q answered 200 with no reply queued", text, from)
		}
		for _, m := range msgs {
			if m.To != sender {
				t.Fatalf("message from %q: %s reply went to %q", from, m.Event, m.To)
			}
			if m.Event != "status" {
				continue
			}
			fl.mu.Lock()
			own := false
			for number, mobile := range fl.filer {
				if strings.Contains(m.Text, number) {
					own = own || mobile == sender
				}
			}
			fl.mu.Unlock()
			if !own {
				t.Fatalf("status reply to %s, who filed no complaint named in it: %q", sender, m.Text)
			}
		}
	})
}

// FuzzDeliveryReport sends arbitrary delivery reports to the HMAC-checked
// callback (Kannel's dlr-url and the generic gateways' status callbacks) on
// a real outbox. No request gets a 5xx; a report is recorded only with the
// MAC of its gateway and message, and only on that message; anything
// refused changes no message at all.
//
//	go test ./internal/notify -run '^$' -fuzz FuzzDeliveryReport -fuzztime 30s
func FuzzDeliveryReport(f *testing.F) {
	rig := mustSMSRig(f)
	ctx := context.Background()
	var queued []grievance.Message
	for i, to := range []string{"9876543210", "9123456789", "9000000001"} {
		queued = append(queued, grievance.Message{Key: "fuzz:" + strconv.Itoa(i), Event: "help", Audience: notify.Citizen,
			To: to, Lang: grievance.Hindi, TemplateID: "1107000000000000001", Text: "नमस्ते"})
	}
	if err := rig.st.QueueMessages(ctx, queued); err != nil {
		f.Fatal(err)
	}
	d, err := notify.NewDispatcher(rig.st, notify.NewLogGateway(nil, 1), notify.DispatcherOptions{Gateway: "kannel", Signer: rig.signer})
	if err != nil {
		f.Fatal(err)
	}
	h := notify.DLRHandler(d)
	snapshot := func(t testing.TB) map[int64]grievance.Message {
		t.Helper()
		msgs, err := rig.st.Messages(ctx, "", 500)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]grievance.Message{}
		for _, m := range msgs {
			out[m.ID] = m
		}
		return out
	}
	first := int64(0)
	for id := range snapshot(f) {
		if first == 0 || id < first {
			first = id
		}
	}
	ref := strconv.FormatInt(first, 10)

	// mode: bit 0 signs (gateway, ref) with the right MAC, bit 1 POSTs the
	// fields as a form, bit 2 names the kind "status" and the code "code"
	// (generic gateways) instead of "type" and "err" (Kannel).
	for _, s := range []struct {
		gw, ref, token, kind, code string
		mode                       uint8
	}{
		{"kannel", ref, "", "1", "", 1},
		{"kannel", ref, "", "8", "ACK/", 1},
		{"kannel", ref, "", "16", "NACK/0x00000100/DLT scrubbing", 1},
		{"kannel", ref, "", "2", "", 3},
		{"msg91", ref, "", "DELIVRD", "", 5},
		{"http", ref, "", "failed", "DND", 7},
		{"kannel", ref, "", "expired", "समय समाप्त", 1},
		{"kannel", ref, "", "32", "", 1},
		{"kannel", ref, "0123456789abcdef0123456789abcdef", "1", "", 0},
		{"kannel", ref, "", "1", "", 0},
		{"kannel", ref, rig.signer.Token("nic", ref), "1", "", 0},
		{"kannel", "999999", "", "1", "", 1},
		{"kannel", "-1", "", "1", "", 1},
		{"kannel", "1e3", "", "1", "", 1},
		{"kannel", "99999999999999999999", "", "1", "", 1},
		{"kannel", ref + " ", "", "1", "", 1},
		{"kannel/../x", ref, "", "1", "", 1},
		{"kannel", ref, "", "1", strings.Repeat("x", 70000), 3},
	} {
		f.Add(s.gw, s.ref, s.token, s.kind, s.code, s.mode)
	}
	f.Fuzz(func(t *testing.T, gw, ref, token, kind, code string, mode uint8) {
		if mode&1 != 0 {
			token = rig.signer.Token(gw, ref)
		}
		kindKey, codeKey := "type", "err"
		if mode&4 != 0 {
			kindKey, codeKey = "status", "code"
		}
		form := url.Values{"ref": {ref}, "t": {token}, kindKey: {kind}, codeKey: {code}}
		target := "/sms/dlr/" + url.PathEscape(gw)
		var req *http.Request
		if mode&2 != 0 {
			req = httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest("GET", target+"?"+form.Encode(), nil)
		}
		before := snapshot(t)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		after := snapshot(t)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: status %d %s", req.Method, req.URL, rec.Code, rec.Body)
		}
		valid := rig.signer.Verify(gw, ref, token)
		if !valid && rec.Code != http.StatusForbidden && rec.Code < 300 {
			t.Fatalf("report with a bad MAC (gateway %q, ref %q, token %q) answered %d", gw, ref, token, rec.Code)
		}
		for id, was := range before {
			now := after[id]
			if reflect.DeepEqual(was, now) {
				continue
			}
			if rec.Code != http.StatusOK || strconv.FormatInt(id, 10) != ref {
				t.Fatalf("report %d on ref %q changed message %d: %+v -> %+v", rec.Code, ref, id, was, now)
			}
		}
		if len(after) != len(before) {
			t.Fatalf("a delivery report added or removed messages: %d -> %d", len(before), len(after))
		}
	})
}
