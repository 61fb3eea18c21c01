package grievance

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The events a webhook can subscribe to.
const (
	HookRegistered    = "complaint.registered"     // a complaint was filed (any channel)
	HookStatusChanged = "complaint.status_changed" // a complaint's status changed
	HookEscalated     = "complaint.escalated"      // a complaint passed its deadline and went up the ladder
)

// HookEvents lists the webhook events, in the order the administration
// page offers them.
var HookEvents = []string{HookRegistered, HookStatusChanged, HookEscalated}

// Webhook is an integration's subscription: Nivaran POSTs the events it
// chose to URL, signed with Secret (HMAC-SHA256). Secret is known only when
// the webhook is created (shown once) and to the dispatcher.
type Webhook struct {
	ID        int64
	URL       string
	Events    []string
	Secret    string
	Active    bool
	Created   time.Time
	CreatedBy string
}

// The states of a webhook delivery.
const (
	DeliveryPending   = "pending"   // waiting for its first or next attempt
	DeliveryDelivered = "delivered" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // given up after the last attempt
	DeliveryCancelled = "cancelled" // its webhook was removed before it was delivered
)

// WebhookDelivery is one event to send to one webhook, written in the same
// transaction as the change it reports.
type WebhookDelivery struct {
	ID          int64
	WebhookID   int64
	EventID     int64 // the complaint history event
	Event       string
	Number      string
	Payload     string // JSON body, exactly as signed and sent
	Status      string
	Attempts    int
	NextAttempt time.Time
	LastStatus  int // HTTP status of the last attempt, 0 when none came back
	LastError   string
	Created     time.Time
	Updated     time.Time
	// URL and Secret are the webhook's, for the dispatcher (Secret is
	// empty in the administration log).
	URL, Secret string
}

// WebhookOutcome is the result of one delivery attempt.
type WebhookOutcome struct {
	ID          int64
	Status      string    // DeliveryDelivered, DeliveryPending (retry at NextAttempt) or DeliveryFailed
	HTTPStatus  int       // 0 when no answer came
	Error       string    // short, for the log; "" on success
	NextAttempt time.Time // with DeliveryPending
}

// WebhookService keeps the webhooks and their deliveries.
type WebhookService interface {
	// AdminAddWebhook subscribes rawURL to events, with a new random
	// secret, and returns the webhook with its secret (shown once).
	// RoleAdmin only (EForbidden); EInvalid with field "url" (an absolute
	// http or https URL) or "events" (at least one, each in HookEvents).
	// Audited.
	AdminAddWebhook(ctx context.Context, actor Actor, rawURL string, events []string) (*Webhook, error)

	// AdminDeleteWebhook ends a webhook: nothing more is queued for it and
	// its pending deliveries are cancelled; its log stays. RoleAdmin only;
	// ENotFound. Audited.
	AdminDeleteWebhook(ctx context.Context, actor Actor, id int64) error

	// Webhooks lists the active webhooks, without their secrets.
	Webhooks(ctx context.Context) ([]Webhook, error)

	// WebhookDeliveries returns the latest deliveries, newest first,
	// without secrets, at most limit (500).
	WebhookDeliveries(ctx context.Context, limit int) ([]WebhookDelivery, error)

	// ClaimWebhookDeliveries returns up to limit pending deliveries due at
	// now and not leased, with their webhook's URL and secret, and leases
	// them until now+lease. For the dispatcher.
	ClaimWebhookDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]WebhookDelivery, error)

	// RecordWebhookDelivery records an attempt's outcome and ends the
	// lease; a delivery already delivered, failed or cancelled is left as
	// it is. ENotFound.
	RecordWebhookDelivery(ctx context.Context, o WebhookOutcome) error
}

// CheckWebhook normalises and checks a new webhook's URL and events.
func CheckWebhook(rawURL string, events []string) (string, []string, error) {
	fe := FieldErrors{}
	rawURL = strings.TrimSpace(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(rawURL) > 2000 {
		fe.Add("url", "webhook.error.url")
	}
	var evs []string
	for _, e := range HookEvents {
		if slices.Contains(events, e) {
			evs = append(evs, e)
		}
	}
	for _, e := range events {
		if !slices.Contains(HookEvents, e) {
			fe.Add("events", "webhook.error.events")
		}
	}
	if len(evs) == 0 {
		fe.Add("events", "webhook.error.events")
	}
	if err := fe.Err(); err != nil {
		return "", nil, err
	}
	return rawURL, evs, nil
}

// HooksOf names the webhook events that event ev on complaint c raises:
// registration, escalation, and any change of status after filing.
func HooksOf(ev Event) []string {
	var out []string
	switch ev.Kind {
	case ActFile:
		return []string{HookRegistered}
	case ActEscalate:
		out = append(out, HookEscalated)
	}
	if ev.From != "" && ev.From != ev.To && ev.To != "" {
		out = append(out, HookStatusChanged)
	}
	return out
}

// hookComplaint is a complaint as a webhook carries it: no name, mobile,
// address or description (the receiver is another system; personal data
// stays in Nivaran, which it can ask through the API).
type hookComplaint struct {
	Number         string   `json:"number"`
	Status         Status   `json:"status"`
	PreviousStatus Status   `json:"previous_status,omitempty"`
	Category       string   `json:"category"`
	Area           string   `json:"area"`
	Department     string   `json:"department"`
	Level          int      `json:"level"`
	Channel        Channel  `json:"channel"`
	Due            string   `json:"due"`
	Escalations    int      `json:"escalations"`
	Created        string   `json:"created"`
	Lat            *float64 `json:"lat,omitempty"`
	Long           *float64 `json:"long,omitempty"`
}

type hookBody struct {
	ID         string        `json:"id"`
	Event      string        `json:"event"`
	OccurredAt string        `json:"occurred_at"`
	Action     ActionKind    `json:"action"`
	Complaint  hookComplaint `json:"complaint"`
}

// HookPayload is the JSON body of webhook event name for ev on c. Its id
// ("<event id>.<name>") is the same for every webhook and every attempt:
// receivers drop an id they have already processed.
func HookPayload(name string, c *Complaint, ev Event) string {
	hc := hookComplaint{Number: c.Number, Status: c.Status, Category: c.Category, Area: c.Area,
		Department: c.Department, Level: c.Level, Channel: c.Channel, Due: c.Due.UTC().Format(time.RFC3339),
		Escalations: c.Escalations, Created: c.Created.UTC().Format(time.RFC3339)}
	if ev.Kind != ActFile {
		hc.PreviousStatus = ev.From
	}
	if c.Location != nil {
		hc.Lat, hc.Long = &c.Location.Lat, &c.Location.Long
	}
	b, _ := json.Marshal(hookBody{ID: strconv.FormatInt(ev.ID, 10) + "." + name, Event: name,
		OccurredAt: ev.At.UTC().Format(time.RFC3339Nano), Action: ev.Kind, Complaint: hc})
	return string(b)
}
