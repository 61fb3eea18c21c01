package notify

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"nivaran/internal/grievance"
)

// Inbound handles text messages from citizens without a smartphone:
// "STATUS <number>" answers with the complaint's status, only to the mobile
// that filed it; "SHIKAYAT <text>" (or "शिकायत", "COMPLAINT") registers a
// complaint with channel SMS in the control room's triage queue, and the
// usual registration SMS acknowledges it with its number; anything else
// gets a short help reply. Replies go through the outbox like every
// message, rendered from DLT templates.
type Inbound struct {
	Complaints grievance.ComplaintService
	Outbox     grievance.OutboxService
	Planner    *Planner
	Labels     Labels                   // status names ("status.<status>")
	Allow      func(sender string) bool // per-sender rate limit; nil allows all
	Now        func() time.Time
	Log        *slog.Logger
}

// The keywords of inbound messages, upper-cased.
var (
	statusWords    = map[string]bool{"STATUS": true, "स्थिति": true, "STATUS:": true}
	complaintWords = map[string]bool{"SHIKAYAT": true, "SHIKAYAT:": true, "COMPLAINT": true, "COMPLAINT:": true, "शिकायत": true, "शिकायत:": true}
)

// Receive handles one inbound message from mobile from. It returns what it
// did ("status", "unknown", "complaint", "help", "limited") for logs and
// tests. Errors are storage failures: the gateway should retry.
func (in *Inbound) Receive(ctx context.Context, from, text string) (string, error) {
	from = grievance.NormalizeMobile(from)
	if !grievance.ValidMobile(from) {
		return "", grievance.Errorf(grievance.EInvalid, "error.mobile")
	}
	if in.Allow != nil && !in.Allow(from) {
		// A flood from one number gets no replies: each reply costs money.
		return "limited", nil
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "")
	}
	text = strings.TrimSpace(text)
	lang := grievance.English
	if hasDevanagari(text) {
		lang = grievance.Hindi
	}
	word, rest, _ := strings.Cut(text, " ")
	word = strings.ToUpper(strings.TrimSpace(word))
	rest = strings.TrimSpace(rest)
	now := in.now()
	switch {
	case statusWords[word]:
		number := strings.TrimSpace(strings.Trim(rest, ".#:"))
		if f := strings.Fields(number); len(f) > 0 {
			number = f[0]
		}
		c, _, err := in.Complaints.Track(ctx, number, from)
		if grievance.ErrorCode(err) == grievance.ENotFound {
			if !grievance.ValidNumber(number) {
				return "help", in.reply(ctx, EventHelp, from, lang, nil, now)
			}
			return "unknown", in.reply(ctx, EventUnknown, from, lang, map[string]string{VarNumber: number}, now)
		} else if err != nil {
			return "", err
		}
		status := string(c.Status)
		if in.Labels != nil {
			status = in.Labels.T(string(c.Language), "status."+status)
		}
		return "status", in.reply(ctx, EventStatus, from, c.Language, map[string]string{
			VarNumber: c.Number, VarStatus: Fit(status), VarTrack: in.Planner.opts.TrackURL}, now)
	case complaintWords[word] && rest != "":
		if word == "SHIKAYAT" || word == "SHIKAYAT:" || strings.HasPrefix(word, "शिकायत") {
			lang = grievance.Hindi
		}
		_, err := in.Complaints.File(ctx, grievance.NewComplaint{
			Mobile: from, Language: lang, Channel: grievance.ChannelSMS, Description: rest,
		})
		if grievance.ErrorCode(err) == grievance.EInvalid {
			return "help", in.reply(ctx, EventHelp, from, lang, nil, now)
		}
		return "complaint", err
	}
	if word == "SHIKAYAT" || strings.HasPrefix(word, "शिकायत") {
		lang = grievance.Hindi
	}
	return "help", in.reply(ctx, EventHelp, from, lang, nil, now)
}

func (in *Inbound) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

// reply queues an answer to an inbound message.
func (in *Inbound) reply(ctx context.Context, event, to string, lang grievance.Lang, values map[string]string, at time.Time) error {
	t, text, err := in.Planner.Catalogue().Render(event, Citizen, lang, values)
	if err != nil {
		return err
	}
	return in.Outbox.QueueMessages(ctx, []grievance.Message{{
		Key: "in:" + to + ":" + event + ":" + strconv.FormatInt(at.UnixNano(), 10), Event: event, Audience: Citizen,
		To: to, Lang: lang, TemplateID: t.DLTID, Text: text,
	}})
}

func hasDevanagari(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Devanagari) {
			return true
		}
	}
	return false
}

// InboundHandler serves GET|POST /sms/inbound/{gateway} for the gateway's
// inbound webhook (Kannel's sms-service get-url:
// /sms/inbound/kannel?t=TOKEN&from=%p&text=%a). The token is the signer's
// for the gateway and "inbound", so nobody else can inject messages. It
// answers 200 once the message is handled (replies go through the outbox),
// 403 for a bad token, 400 for a missing sender and 503 when storage fails
// (the gateway retries).
func InboundHandler(in *Inbound, s *Signer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		gw := strings.TrimPrefix(r.URL.Path, "/sms/inbound/")
		if !gatewayName.MatchString(gw) || !s.Verify(gw, "inbound", r.FormValue("t")) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		from := firstOf(r, "from", "sender", "mobile", "msisdn")
		text := firstOf(r, "text", "message", "content", "body")
		if from == "" {
			http.Error(w, "missing sender", http.StatusBadRequest)
			return
		}
		did, err := in.Receive(r.Context(), from, text)
		var ge *grievance.Error
		switch {
		case errors.As(err, &ge) && ge.Code == grievance.EInvalid:
			http.Error(w, "bad sender", http.StatusBadRequest)
			return
		case err != nil:
			if in.Log != nil {
				in.Log.Error("inbound sms", "from", grievance.MaskMobile(grievance.NormalizeMobile(from)), "err", err)
			}
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		if in.Log != nil {
			in.Log.Info("inbound sms", "gateway", gw, "from", grievance.MaskMobile(grievance.NormalizeMobile(from)), "did", did)
		}
		w.Write([]byte("ok"))
	})
}

func firstOf(r *http.Request, names ...string) string {
	for _, n := range names {
		if v := r.FormValue(n); v != "" {
			return v
		}
	}
	return ""
}
