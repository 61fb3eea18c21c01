package grievance

import (
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status is where a complaint stands in its life.
type Status string

// The statuses of a complaint. See Transition for the allowed moves.
const (
	StatusRegistered Status = "registered"  // filed, waiting in the control-room queue (no routing rule matched)
	StatusAssigned   Status = "assigned"    // with an officer, not yet accepted
	StatusInProgress Status = "in_progress" // accepted by the officer
	StatusResolved   Status = "resolved"    // action-taken report submitted
	StatusClosed     Status = "closed"      // resolution confirmed or closed by the control room
	StatusReopened   Status = "reopened"    // the citizen (or control room) rejected the resolution
	StatusReturned   Status = "returned"    // the officer says it is not their department
	StatusRejected   Status = "rejected"    // out of scope, by a supervisor, with a reason
)

// Statuses lists every status in display order.
var Statuses = []Status{StatusRegistered, StatusAssigned, StatusInProgress, StatusReopened,
	StatusReturned, StatusResolved, StatusClosed, StatusRejected}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Open reports whether the complaint still needs work from someone.
func (s Status) Open() bool {
	switch s {
	case StatusResolved, StatusClosed, StatusRejected:
		return false
	}
	return true
}

// Channel is how a complaint arrived.
type Channel string

// The intake channels.
const (
	ChannelWeb     Channel = "web"
	ChannelApp     Channel = "app"
	ChannelPhone   Channel = "phone"
	ChannelWalkIn  Channel = "walk_in"
	ChannelOpen311 Channel = "open311"
	ChannelSMS     Channel = "sms"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	switch c {
	case ChannelWeb, ChannelApp, ChannelPhone, ChannelWalkIn, ChannelOpen311, ChannelSMS:
		return true
	}
	return false
}

// Lang is a language code of the catalogue: "hi" or "en".
type Lang string

// The languages of Nivaran.
const (
	Hindi   Lang = "hi"
	English Lang = "en"
)

// Valid reports whether l is a supported language.
func (l Lang) Valid() bool { return l == Hindi || l == English }

// Point is a location in decimal degrees (WGS 84).
type Point struct {
	Lat  float64
	Long float64
}

// Distance returns the great-circle distance between a and b in metres.
func Distance(a, b Point) float64 {
	const r = 6371000.0 // mean Earth radius, metres
	rad := math.Pi / 180
	dLat, dLong := (b.Lat-a.Lat)*rad, (b.Long-a.Long)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLong/2)*math.Sin(dLong/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// InIndia reports whether p lies in India's bounding box (mainland and islands).
func (p Point) InIndia() bool {
	return p.Lat >= 6.5 && p.Lat <= 37.5 && p.Long >= 68.0 && p.Long <= 97.5
}

// Complaint is a grievance as filed and as it stands now.
type Complaint struct {
	ID          int64
	Number      string // public number, digits only: see NewNumber
	Name        string
	Mobile      string // 10 digits
	Language    Lang
	Channel     Channel
	Category    string // category code
	Area        string // area code
	Address     string
	Description string
	Location    *Point
	Status      Status
	Department  string // department code; "" while in the control-room queue
	AssigneeID  int64  // officer ID; 0 when unassigned
	Level       int    // level of the assignee on the ladder
	Due         time.Time
	DuplicateOf string    // number of the complaint this one duplicates (see ActLink); "" when none
	Links       int       // complaints linked to this one as duplicates (kept by the store)
	Escalations int       // times it went up the ladder (deadline passed, or the citizen rejected the resolution)
	OnHold      bool      // waiting on the citizen or a court: the clock is stopped
	HoldSince   time.Time // when the hold began
	Created     time.Time
	Updated     time.Time
	Attachments []Attachment
}

// Overdue reports whether the complaint is open, not on hold, and past its
// deadline at now.
func (c *Complaint) Overdue(now time.Time) bool {
	return c.Status.Open() && !c.OnHold && !c.Due.IsZero() && now.After(c.Due)
}

// Attachment is a file (photo) kept in the blob store.
type Attachment struct {
	ID          int64
	EventID     int64 // the history event it came with (filing or action-taken report)
	Key         string
	ContentType string
	Size        int64
	Location    *Point // where the photo was taken, when known
	Created     time.Time
}

// Upload is a file to attach, already checked by the edge for size and type.
type Upload struct {
	ContentType string
	Data        []byte
}

// Limits of user input.
const (
	MaxName        = 100
	MaxAddress     = 500
	MaxDescription = 4000
	MaxNote        = 4000
	MaxPhotos      = 5
)

// NewComplaint is what intake supplies: any channel calls File with it.
type NewComplaint struct {
	Name        string
	Mobile      string
	Language    Lang
	Channel     Channel
	Category    string
	Area        string
	Address     string
	Description string
	Location    *Point
	Photos      []Upload
}

// Normalize trims the text fields and canonicalises the mobile number.
func (n *NewComplaint) Normalize() {
	n.Name = strings.TrimSpace(n.Name)
	n.Mobile = NormalizeMobile(n.Mobile)
	n.Category = strings.TrimSpace(n.Category)
	n.Area = strings.TrimSpace(n.Area)
	n.Address = strings.TrimSpace(n.Address)
	n.Description = strings.TrimSpace(n.Description)
}

// Triage reports whether the complaint needs the control room to give it a
// category and area: a text message without them.
func (n *NewComplaint) Triage() bool {
	return n.Channel == ChannelSMS && n.Category == ""
}

// Validate checks the fields that need no masters (category and area codes
// are checked against the masters by the service). Call Normalize first.
func (n *NewComplaint) Validate() FieldErrors {
	f := FieldErrors{}
	// A complaint by SMS arrives as free text: the control room's triage
	// gives it a category and an area, so only the mobile and text are needed.
	full := !n.Triage()
	checkText(f, "name", n.Name, MaxName, full)
	if !ValidMobile(n.Mobile) {
		f.Add("mobile", "error.mobile")
	}
	if !n.Language.Valid() {
		f.Add("language", "error.language")
	}
	if !n.Channel.Valid() {
		f.Add("channel", "error.channel")
	}
	if n.Category == "" && full {
		f.Add("category", "error.category")
	}
	if n.Area == "" && full {
		f.Add("area", "error.area")
	}
	checkText(f, "address", n.Address, MaxAddress, full)
	checkText(f, "description", n.Description, MaxDescription, true)
	if n.Location != nil && !n.Location.InIndia() {
		f.Add("location", "error.location")
	}
	if len(n.Photos) > MaxPhotos {
		f.Add("photo", "error.photo_count")
	}
	return f
}

// checkText records an error for field when s is not valid UTF-8, holds
// control characters, is required and empty, or is longer than max runes.
func checkText(f FieldErrors, field, s string, max int, required bool) {
	switch {
	case !utf8.ValidString(s):
		f.Add(field, "error.utf8")
	case required && s == "":
		f.Add(field, "error."+field+"_required")
	case utf8.RuneCountInString(s) > max:
		f.Add(field, "error."+field+"_long")
	case hasControl(s):
		f.Add(field, "error.control_chars")
	}
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return true
		}
	}
	return false
}

// NormalizeMobile strips spaces, dashes and an Indian country prefix (+91,
// 91 or 0) from a mobile number. It does not validate.
func NormalizeMobile(s string) string {
	// Every kind of space, not only ' ': normalising twice must give the
	// same number as once (found by FuzzMobileAndNumber).
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, s)
	switch {
	case len(s) == 13 && strings.HasPrefix(s, "+91"):
		s = s[3:]
	case len(s) == 12 && strings.HasPrefix(s, "91"):
		s = s[2:]
	case len(s) == 11 && strings.HasPrefix(s, "0"):
		s = s[1:]
	}
	return s
}

// ValidMobile reports whether s is a 10-digit Indian mobile number (first digit 6-9).
func ValidMobile(s string) bool {
	if len(s) != 10 || s[0] < '6' || s[0] > '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaskMobile hides all but the last four digits, for logs and for roles that
// do not need the number.
func MaskMobile(s string) string {
	if len(s) < 4 {
		return "****"
	}
	return strings.Repeat("x", len(s)-4) + s[len(s)-4:]
}
