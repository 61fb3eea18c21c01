package grievance_test

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"nivaran/internal/grievance"
)

// validNew returns a new complaint that passes Validate and, against
// MustMasters, CheckNew.
func validNew() grievance.NewComplaint {
	return grievance.NewComplaint{
		Name:        "रामेश्वर प्रसाद",
		Mobile:      "9876543210",
		Language:    grievance.Hindi,
		Channel:     grievance.ChannelWeb,
		Category:    "road",
		Area:        "w1",
		Address:     "12, गली 4, आलमबाग",
		Description: "सड़क में गड्ढा है।\nबारिश में पानी भरता है।",
		Location:    &grievance.Point{Lat: 26.85, Long: 80.95},
	}
}

func TestNormalizeMobile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"9876543210", "9876543210"},
		{"+919876543210", "9876543210"},
		{"919876543210", "9876543210"},
		{"09876543210", "9876543210"},
		{"98765 43210", "9876543210"},
		{"98765-43210", "9876543210"},
		{"+91 98765-43210", "9876543210"},
		{"  +91-98765 43210\t", "9876543210"},
		{"0 98765 43210", "9876543210"},
		{"91 98765 43210", "9876543210"},
		{"9198765432", "9198765432"},         // ten digits starting 91: a number, not a prefix
		{"0987654321", "0987654321"},         // ten digits starting 0: left alone (ValidMobile refuses it)
		{"+9198765432", "+9198765432"},       // prefix without ten digits after it: left alone
		{"00919876543210", "00919876543210"}, // international 00 prefix is not stripped
		{"(98765) 43210", "(98765)43210"},    // only spaces and dashes go
		{"", ""},
	}
	for _, tt := range tests {
		if got := grievance.NormalizeMobile(tt.in); got != tt.want {
			t.Errorf("NormalizeMobile(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidMobile(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"9876543210", true},
		{"8000000000", true},
		{"7999999999", true},
		{"6000000000", true},
		{"5876543210", false}, // first digit must be 6-9
		{"0876543210", false},
		{"1234567890", false},
		{"98765432101", false}, // 11 digits
		{"987654321", false},   // 9 digits
		{"98765a3210", false},
		{"98765 4321", false},
		{"+919876543210", false}, // not normalised
		{"९८७६५४३२१०", false},    // Devanagari digits
		{"9876543९", false},      // ten bytes, one of them a Devanagari digit
		{"９８７６５４３２１０", false},    // full-width digits
		{"", false},
	}
	for _, tt := range tests {
		if got := grievance.ValidMobile(tt.in); got != tt.want {
			t.Errorf("ValidMobile(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestMaskMobile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"9876543210", "xxxxxx3210"},
		{"12345", "x2345"},
		{"1234", "1234"},
		{"123", "****"},
		{"", "****"},
	}
	for _, tt := range tests {
		if got := grievance.MaskMobile(tt.in); got != tt.want {
			t.Errorf("MaskMobile(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	n := grievance.NewComplaint{
		Name: "  राम \n", Mobile: " +91 98765-43210 ", Category: " road ", Area: "\tw1 ",
		Address: "  पता  ", Description: "\n विवरण \n",
	}
	n.Normalize()
	want := grievance.NewComplaint{Name: "राम", Mobile: "9876543210", Category: "road", Area: "w1", Address: "पता", Description: "विवरण"}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("Normalize = %+v; want %+v", n, want)
	}
}

func TestValidate(t *testing.T) {
	deva := func(n int) string { return strings.Repeat("क", n) } // 3 bytes a rune
	tests := []struct {
		name   string
		change func(n *grievance.NewComplaint)
		field  string // "" for valid
		key    string
	}{
		{"valid", func(n *grievance.NewComplaint) {}, "", ""},
		{"no location", func(n *grievance.NewComplaint) { n.Location = nil }, "", ""},
		{"every channel, English", func(n *grievance.NewComplaint) { n.Channel, n.Language = grievance.ChannelSMS, grievance.English }, "", ""},
		{"tab and newlines are text", func(n *grievance.NewComplaint) { n.Description = "a\tb\r\nc" }, "", ""},

		{"name empty", func(n *grievance.NewComplaint) { n.Name = "" }, "name", "error.name_required"},
		{"name 100 Devanagari runes", func(n *grievance.NewComplaint) { n.Name = deva(100) }, "", ""},
		{"name 101 runes", func(n *grievance.NewComplaint) { n.Name = deva(101) }, "name", "error.name_long"},
		{"name invalid UTF-8", func(n *grievance.NewComplaint) { n.Name = "Ram\xff" }, "name", "error.utf8"},
		{"name NUL", func(n *grievance.NewComplaint) { n.Name = "Ram\x00" }, "name", "error.control_chars"},
		{"name escape", func(n *grievance.NewComplaint) { n.Name = "Ram\x1b[31m" }, "name", "error.control_chars"},
		{"name DEL", func(n *grievance.NewComplaint) { n.Name = "Ram\x7f" }, "name", "error.control_chars"},

		{"mobile short", func(n *grievance.NewComplaint) { n.Mobile = "98765" }, "mobile", "error.mobile"},
		{"mobile not normalised", func(n *grievance.NewComplaint) { n.Mobile = "+919876543210" }, "mobile", "error.mobile"},
		{"language unknown", func(n *grievance.NewComplaint) { n.Language = "fr" }, "language", "error.language"},
		{"language empty", func(n *grievance.NewComplaint) { n.Language = "" }, "language", "error.language"},
		{"channel unknown", func(n *grievance.NewComplaint) { n.Channel = "fax" }, "channel", "error.channel"},
		{"category empty", func(n *grievance.NewComplaint) { n.Category = "" }, "category", "error.category"},
		{"area empty", func(n *grievance.NewComplaint) { n.Area = "" }, "area", "error.area"},

		{"address empty", func(n *grievance.NewComplaint) { n.Address = "" }, "address", "error.address_required"},
		{"address 500 runes", func(n *grievance.NewComplaint) { n.Address = deva(500) }, "", ""},
		{"address 501 runes", func(n *grievance.NewComplaint) { n.Address = deva(501) }, "address", "error.address_long"},
		{"address control", func(n *grievance.NewComplaint) { n.Address = "a\x01b" }, "address", "error.control_chars"},

		{"description empty", func(n *grievance.NewComplaint) { n.Description = "" }, "description", "error.description_required"},
		{"description 4000 Devanagari runes (12000 bytes)", func(n *grievance.NewComplaint) { n.Description = deva(4000) }, "", ""},
		{"description 4001 runes", func(n *grievance.NewComplaint) { n.Description = deva(4001) }, "description", "error.description_long"},
		{"description 4001 ASCII", func(n *grievance.NewComplaint) { n.Description = strings.Repeat("a", 4001) }, "description", "error.description_long"},
		{"description invalid UTF-8", func(n *grievance.NewComplaint) { n.Description = "\xe0\xa4" }, "description", "error.utf8"},
		{"description invalid UTF-8 beats too long", func(n *grievance.NewComplaint) { n.Description = deva(4001) + "\xff" }, "description", "error.utf8"},
		{"description control", func(n *grievance.NewComplaint) { n.Description = "a\x08b" }, "description", "error.control_chars"},

		{"location London", func(n *grievance.NewComplaint) { n.Location = &grievance.Point{Lat: 51.5, Long: -0.12} }, "location", "error.location"},
		{"location zero", func(n *grievance.NewComplaint) { n.Location = &grievance.Point{} }, "location", "error.location"},
		{"5 photos", func(n *grievance.NewComplaint) { n.Photos = make([]grievance.Upload, 5) }, "", ""},
		{"6 photos", func(n *grievance.NewComplaint) { n.Photos = make([]grievance.Upload, 6) }, "photo", "error.photo_count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := validNew()
			tt.change(&n)
			got := n.Validate()
			want := grievance.FieldErrors{}
			if tt.field != "" {
				want[tt.field] = tt.key
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Validate = %v; want %v", got, want)
			}
		})
	}
}

func TestValidateEmpty(t *testing.T) {
	var n grievance.NewComplaint
	got := n.Validate()
	want := grievance.FieldErrors{
		"name": "error.name_required", "mobile": "error.mobile", "language": "error.language",
		"channel": "error.channel", "category": "error.category", "area": "error.area",
		"address": "error.address_required", "description": "error.description_required",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Validate(empty) = %v; want %v", got, want)
	}
}

func TestStatusOpenValid(t *testing.T) {
	tests := []struct {
		s           grievance.Status
		open, valid bool
	}{
		{grievance.StatusRegistered, true, true},
		{grievance.StatusAssigned, true, true},
		{grievance.StatusInProgress, true, true},
		{grievance.StatusReopened, true, true},
		{grievance.StatusReturned, true, true},
		{grievance.StatusResolved, false, true},
		{grievance.StatusClosed, false, true},
		{grievance.StatusRejected, false, true},
		{"", true, false},
		{"Closed", true, false},
		{"pending", true, false},
	}
	for _, tt := range tests {
		if got := tt.s.Open(); got != tt.open {
			t.Errorf("Status(%q).Open() = %v; want %v", tt.s, got, tt.open)
		}
		if got := tt.s.Valid(); got != tt.valid {
			t.Errorf("Status(%q).Valid() = %v; want %v", tt.s, got, tt.valid)
		}
	}
	if got := len(grievance.Statuses); got != 8 {
		t.Errorf("len(Statuses) = %d; want 8", got)
	}
}

func TestChannelLangValid(t *testing.T) {
	channels := []struct {
		c    grievance.Channel
		want bool
	}{
		{"web", true}, {"app", true}, {"phone", true}, {"walk_in", true}, {"open311", true}, {"sms", true},
		{"", false}, {"Web", false}, {"email", false}, {"walk-in", false},
	}
	for _, tt := range channels {
		if got := tt.c.Valid(); got != tt.want {
			t.Errorf("Channel(%q).Valid() = %v; want %v", tt.c, got, tt.want)
		}
	}
	langs := []struct {
		l    grievance.Lang
		want bool
	}{{"hi", true}, {"en", true}, {"", false}, {"HI", false}, {"ur", false}}
	for _, tt := range langs {
		if got := tt.l.Valid(); got != tt.want {
			t.Errorf("Lang(%q).Valid() = %v; want %v", tt.l, got, tt.want)
		}
	}
}

func TestPointInIndia(t *testing.T) {
	tests := []struct {
		name string
		p    grievance.Point
		want bool
	}{
		{"Lucknow", grievance.Point{Lat: 26.85, Long: 80.95}, true},
		{"Port Blair", grievance.Point{Lat: 11.62, Long: 92.72}, true},
		{"south-west corner", grievance.Point{Lat: 6.5, Long: 68.0}, true},
		{"north-east corner", grievance.Point{Lat: 37.5, Long: 97.5}, true},
		{"just south", grievance.Point{Lat: 6.4999, Long: 80}, false},
		{"just north", grievance.Point{Lat: 37.5001, Long: 80}, false},
		{"just west", grievance.Point{Lat: 20, Long: 67.9999}, false},
		{"just east", grievance.Point{Lat: 20, Long: 97.5001}, false},
		{"swapped lat/long", grievance.Point{Lat: 80.95, Long: 26.85}, false},
		{"null island", grievance.Point{}, false},
		{"London", grievance.Point{Lat: 51.5, Long: -0.12}, false},
		{"NaN", grievance.Point{Lat: math.NaN(), Long: math.NaN()}, false},
		{"Inf", grievance.Point{Lat: math.Inf(1), Long: 80}, false},
	}
	for _, tt := range tests {
		if got := tt.p.InIndia(); got != tt.want {
			t.Errorf("%s: %+v.InIndia() = %v; want %v", tt.name, tt.p, got, tt.want)
		}
	}
}

func TestOverdue(t *testing.T) {
	due := time.Date(2026, 3, 9, 18, 29, 59, 0, time.UTC)
	tests := []struct {
		name   string
		status grievance.Status
		due    time.Time
		now    time.Time
		want   bool
	}{
		{"open, past due", grievance.StatusInProgress, due, due.Add(time.Second), true},
		{"open, at the deadline", grievance.StatusAssigned, due, due, false},
		{"open, before", grievance.StatusReopened, due, due.Add(-time.Hour), false},
		{"resolved, past due", grievance.StatusResolved, due, due.Add(time.Hour), false},
		{"closed, past due", grievance.StatusClosed, due, due.Add(time.Hour), false},
		{"rejected, past due", grievance.StatusRejected, due, due.Add(time.Hour), false},
		{"no deadline", grievance.StatusRegistered, time.Time{}, due, false},
	}
	for _, tt := range tests {
		c := &grievance.Complaint{Status: tt.status, Due: tt.due}
		if got := c.Overdue(tt.now); got != tt.want {
			t.Errorf("%s: Overdue = %v; want %v", tt.name, got, tt.want)
		}
	}
}
