package notify

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"nivaran/internal/grievance"
)

// Labels translates catalogue keys; *i18n.Catalogue satisfies it. The
// planner uses it for the one name that no master gives: the control room,
// shown as the department of a complaint still in its queue.
type Labels interface {
	T(lang, key string, args ...any) string
}

// LabelControlRoom is the catalogue key of the control room's name.
const LabelControlRoom = "notify.control_room"

// DateFormat is how deadlines appear in messages: dd-mm-yyyy.
const DateFormat = "02-01-2006"

// PlannerOptions configures a Planner.
type PlannerOptions struct {
	// TrackURL is where a citizen tracks, confirms or rejects a complaint,
	// short enough for a slot (at most 30 characters), e.g. "nivaran.in/t".
	TrackURL string
	// Location is the district's time zone for dates; nil means India
	// Standard Time (UTC+05:30, no daylight saving).
	Location *time.Location
	// Labels translates LabelControlRoom; nil shows "-".
	Labels Labels
}

// Planner decides and renders the messages of a change. It implements
// grievance.Messenger and is safe for concurrent use.
type Planner struct {
	// cat is the catalogue in force: an administrator's edit of a template
	// replaces it (SetCatalogue) and the next message renders from the new
	// one, without a restart.
	cat  atomic.Pointer[Catalogue]
	opts PlannerOptions
}

var _ grievance.Messenger = (*Planner)(nil)

// NewPlanner returns a planner rendering from cat. It fails when TrackURL is
// empty, longer than 30 characters or holds spaces.
func NewPlanner(cat *Catalogue, o PlannerOptions) (*Planner, error) {
	if cat == nil {
		return nil, fmt.Errorf("notify: planner: no catalogue")
	}
	n := utf8.RuneCountInString(o.TrackURL)
	if n == 0 || n > MaxVar || strings.ContainsAny(o.TrackURL, " \t\r\n") {
		return nil, fmt.Errorf("notify: planner: track URL %q: want 1-%d characters without spaces", o.TrackURL, MaxVar)
	}
	if o.Location == nil {
		o.Location = time.FixedZone("IST", 5*3600+1800)
	}
	p := &Planner{opts: o}
	p.cat.Store(cat)
	return p, nil
}

// Catalogue returns the planner's templates in force.
func (p *Planner) Catalogue() *Catalogue { return p.cat.Load() }

// SetCatalogue puts cat in force for every message planned from now on. A
// nil cat is ignored. Its entity ID and header must be the ones the
// dispatcher sends with: only templates change.
func (p *Planner) SetCatalogue(cat *Catalogue) {
	if cat != nil {
		p.cat.Store(cat)
	}
}

// plans says which event and audiences each action sends.
var plans = map[grievance.ActionKind]struct {
	event     string
	audiences []string
}{
	grievance.ActFile:          {EventRegistered, []string{Citizen, Officer}},
	grievance.ActForward:       {EventForwarded, []string{Officer}},
	grievance.ActReassign:      {EventReassigned, []string{Officer}},
	grievance.ActReport:        {EventResolved, []string{Citizen}},
	grievance.ActReject:        {EventRejected, []string{Citizen}},
	grievance.ActReopen:        {EventReopened, []string{Citizen, Officer}},
	grievance.ActCitizenReject: {EventReopened, []string{Citizen, Officer}},
	grievance.ActEscalate:      {EventEscalated, []string{Officer}},
	grievance.ActWarnDue:       {EventDueSoon, []string{Officer}},
}

// Plan returns the messages that event ev on complaint c sends (see
// grievance.Messenger): filing tells the citizen and the assigned officer;
// forward, reassign and escalation tell the new officer; a deadline
// warning tells the officer; an action-taken report, a rejection and a
// reopening tell the citizen, and a reopening the officer too. Other
// actions send nothing. A recipient without a valid mobile
// number gets nothing. The store calls it inside its transaction before the
// event has an ID, so the key is built from the complaint number, the
// action, the event time and the audience: the same event planned twice
// gives the same keys.
func (p *Planner) Plan(c *grievance.Complaint, ev grievance.Event, officer *grievance.Officer, m *grievance.Masters) ([]grievance.Message, error) {
	pl, ok := plans[ev.Kind]
	if !ok {
		return nil, nil
	}
	msgs, err := p.plan(pl.event, string(ev.Kind), pl.audiences, c, officer, m, ev.At)
	if err != nil || ev.Kind != grievance.ActEscalate || m == nil {
		return msgs, err
	}
	// Both are told: the officer it went to, and the one it left.
	prev := m.Officer(ev.FromAssignee)
	if prev == nil || officer != nil && prev.ID == officer.ID {
		return msgs, nil
	}
	away, err := p.plan(EventEscalatedAway, string(ev.Kind)+"_away", []string{Officer}, c, prev, m, ev.At)
	return append(msgs, away...), err
}

// PlanEvent returns the messages of a scheduler event (EventEscalated,
// EventDueSoon: to the officer) at time at, keyed like Plan.
func (p *Planner) PlanEvent(event string, c *grievance.Complaint, officer *grievance.Officer, m *grievance.Masters, at time.Time) ([]grievance.Message, error) {
	var aud []string
	for _, a := range []string{Citizen, Officer} {
		if _, ok := slots[key(event, a)]; ok {
			aud = append(aud, a)
		}
	}
	if len(aud) == 0 || event == EventOTP {
		return nil, fmt.Errorf("notify: plan: unknown event %q", event)
	}
	return p.plan(event, event, aud, c, officer, m, at)
}

func (p *Planner) plan(event, kind string, audiences []string, c *grievance.Complaint, officer *grievance.Officer, m *grievance.Masters, at time.Time) ([]grievance.Message, error) {
	if !grievance.ValidNumber(c.Number) {
		return nil, fmt.Errorf("notify: plan %s: complaint number %q", event, c.Number)
	}
	var out []grievance.Message
	for _, aud := range audiences {
		to, lang := c.Mobile, c.Language
		if aud == Officer {
			if officer == nil {
				continue
			}
			to, lang = officer.Mobile, officer.Language
		}
		if !grievance.ValidMobile(to) {
			continue
		}
		if !lang.Valid() {
			lang = grievance.Hindi
		}
		t, text, err := p.cat.Load().Render(event, aud, lang, p.values(c, m, lang))
		if err != nil {
			return nil, fmt.Errorf("notify: plan %s for %s: %w", event, c.Number, err)
		}
		out = append(out, grievance.Message{
			// Time first: keys then grow in order, so the outbox's unique
			// index takes each batch of inserts on its last page instead of
			// on a random page per message.
			Key:         strconv.FormatInt(at.UnixNano(), 10) + ":" + c.Number + ":" + kind + ":" + aud,
			ComplaintID: c.ID,
			Event:       event,
			Audience:    aud,
			To:          to,
			Lang:        lang,
			TemplateID:  t.DLTID,
			Text:        text,
			Status:      grievance.MsgQueued,
			NextAttempt: at,
			Created:     at,
			Updated:     at,
		})
	}
	return out, nil
}

// values gives every slot value of complaint c in lang, already fitted.
func (p *Planner) values(c *grievance.Complaint, m *grievance.Masters, lang grievance.Lang) map[string]string {
	dept, cat, area := "", c.Category, c.Area
	if m != nil {
		if d := m.Department(c.Department); d != nil {
			dept = d.Name.In(lang)
		}
		if x := m.Category(c.Category); x != nil {
			cat = x.Name.In(lang)
		}
		if a := m.Area(c.Area); a != nil {
			area = a.Name.In(lang)
		}
	}
	if dept == "" && p.opts.Labels != nil {
		dept = p.opts.Labels.T(string(lang), LabelControlRoom)
	}
	due := "-"
	if !c.Due.IsZero() {
		due = c.Due.In(p.opts.Location).Format(DateFormat)
	}
	return map[string]string{
		VarNumber:     c.Number,
		VarDepartment: Fit(dept),
		VarCategory:   Fit(cat),
		VarArea:       Fit(area),
		VarDue:        due,
		VarTrack:      p.opts.TrackURL,
	}
}

// OTP returns the message carrying a one-time code (4-10 digits) to mobile
// to, in lang, queued at at. Its key is unique per mobile and time.
func (p *Planner) OTP(to string, lang grievance.Lang, code string, at time.Time) (grievance.Message, error) {
	if !grievance.ValidMobile(to) {
		return grievance.Message{}, fmt.Errorf("notify: otp: invalid mobile")
	}
	if len(code) < 4 || len(code) > 10 || strings.Trim(code, "0123456789") != "" {
		return grievance.Message{}, fmt.Errorf("notify: otp: code must be 4-10 digits")
	}
	if !lang.Valid() {
		lang = grievance.Hindi
	}
	t, text, err := p.cat.Load().Render(EventOTP, Citizen, lang, map[string]string{VarOTP: code})
	if err != nil {
		return grievance.Message{}, fmt.Errorf("notify: otp: %w", err)
	}
	return grievance.Message{
		Key:   strconv.FormatInt(at.UnixNano(), 10) + ":otp:" + to,
		Event: EventOTP, Audience: Citizen, To: to, Lang: lang,
		TemplateID: t.DLTID, Text: text, Status: grievance.MsgQueued,
		NextAttempt: at, Created: at, Updated: at,
	}, nil
}
