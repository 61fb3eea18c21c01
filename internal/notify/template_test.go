package notify

import (
	"strings"
	"testing"
	"unicode/utf8"

	"nivaran/internal/grievance"
)

const (
	testEntity = "1001234567890123456"
	testHeader = "GRVCEL"
)

func MustCatalogue(t testing.TB) *Catalogue {
	t.Helper()
	c, err := NewCatalogue(DefaultTemplates(), testEntity, testHeader)
	if err != nil {
		t.Fatalf("NewCatalogue(defaults): %v", err)
	}
	return c
}

func TestDefaultTemplates(t *testing.T) {
	c := MustCatalogue(t)
	ids := map[string]bool{}
	for _, tp := range c.Templates() {
		if !tp.Placeholder() {
			t.Errorf("%s/%s/%s: DLT ID %s does not look like a placeholder", tp.Event, tp.Audience, tp.Lang, tp.DLTID)
		}
		if len(tp.DLTID) != 19 {
			t.Errorf("%s: DLT ID %s: want 19 digits", tp.Event, tp.DLTID)
		}
		if ids[tp.DLTID] {
			t.Errorf("DLT ID %s used twice", tp.DLTID)
		}
		ids[tp.DLTID] = true
		if tp.Lang == grievance.English && !GSM(tp.Text) {
			t.Errorf("%s/%s/en: text is not GSM-7: %q", tp.Event, tp.Audience, tp.Text)
		}
	}
	if got, want := len(c.Placeholders()), 2*len(slots); got != want {
		t.Errorf("placeholders = %d, want %d", got, want)
	}
}

// TestCitizenHindiLength renders every citizen template with realistic values
// and keeps Hindi citizen messages within two SMS.
func TestCitizenHindiLength(t *testing.T) {
	c := MustCatalogue(t)
	vals := map[grievance.Lang]map[string]string{
		grievance.Hindi: {VarNumber: "26031234567", VarDepartment: "लोक निर्माण विभाग", VarTrack: "nivaran.up.gov.in/t",
			VarOTP: "482913", VarCategory: "सड़क में गड्ढे", VarArea: "सदर तहसील", VarDue: "11-03-2026", VarStatus: "कार्यवाही जारी"},
		grievance.English: {VarNumber: "26031234567", VarDepartment: "Public Works Department", VarTrack: "nivaran.up.gov.in/t",
			VarOTP: "482913", VarCategory: "Potholes on road", VarArea: "Sadar tehsil", VarDue: "11-03-2026", VarStatus: "In progress"},
	}
	for _, tp := range c.Templates() {
		_, text, err := c.Render(tp.Event, tp.Audience, tp.Lang, vals[tp.Lang])
		if err != nil {
			t.Fatalf("%s/%s/%s: %v", tp.Event, tp.Audience, tp.Lang, err)
		}
		max := 2
		if tp.Lang == grievance.English {
			max = 1
		}
		if tp.Audience == Citizen && Parts(text) > max {
			t.Errorf("%s/%s/%s: %d parts (%d units), want at most %d: %q", tp.Event, tp.Audience, tp.Lang, Parts(text), UTF16Units(text), max, text)
		}
		t.Logf("%-10s %-7s %s %3d units %d part(s)", tp.Event, tp.Audience, tp.Lang, UTF16Units(text), Parts(text))
	}
}

func TestRender(t *testing.T) {
	hi := Template{Event: EventResolved, Audience: Citizen, Lang: grievance.Hindi, DLTID: "0000000000000000113",
		Text: "शिकायत {#var#} का निस्तारण हुआ। पुष्टि या अस्वीकार करें: {#var#}"}
	en := Template{Event: EventResolved, Audience: Citizen, Lang: grievance.English, DLTID: "0000000000000000114",
		Text: "Complaint {#var#} is resolved. Confirm at {#var#}"}
	tests := []struct {
		name    string
		t       Template
		vars    []string
		want    string
		wantErr bool
	}{
		{"hindi", hi, []string{"26031234567", "nivaran.in/t"}, "शिकायत 26031234567 का निस्तारण हुआ। पुष्टि या अस्वीकार करें: nivaran.in/t", false},
		{"english", en, []string{"26031234567", "nivaran.in/t"}, "Complaint 26031234567 is resolved. Confirm at nivaran.in/t", false},
		{"hindi value 30 conjunct chars", hi, []string{strings.Repeat("क्ष", 10), "x"}, "शिकायत " + strings.Repeat("क्ष", 10) + " का निस्तारण हुआ। पुष्टि या अस्वीकार करें: x", false},
		{"value 31 chars", en, []string{strings.Repeat("1", 31), "x"}, "", true},
		{"empty value", en, []string{"", "x"}, "", true},
		{"newline in value", en, []string{"2603\n1234567", "x"}, "", true},
		{"too few values", en, []string{"1"}, "", true},
		{"too many values", hi, []string{"1", "2", "3"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.t, tt.vars)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Render err = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Render = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	hi := Template{Event: EventOTP, Audience: Citizen, Lang: grievance.Hindi, DLTID: "1",
		Text: "आपका ओटीपी {#var#} है, 10 मिनट तक मान्य।"}
	en := Template{Event: EventOTP, Audience: Citizen, Lang: grievance.English, DLTID: "2",
		Text: "Your OTP is {#var#}. Valid for 10 minutes (do not share)."}
	tests := []struct {
		name string
		t    Template
		text string
		ok   bool
	}{
		{"hindi as registered", hi, "आपका ओटीपी 482913 है, 10 मिनट तक मान्य।", true},
		{"hindi word changed", hi, "आपका ओटीपी 482913 है, 15 मिनट तक मान्य।", false},
		{"hindi trailing text", hi, "आपका ओटीपी 482913 है, 10 मिनट तक मान्य। धन्यवाद", false},
		{"hindi slot empty", hi, "आपका ओटीपी  है, 10 मिनट तक मान्य।", false},
		{"english as registered", en, "Your OTP is 482913. Valid for 10 minutes (do not share).", true},
		{"english regexp chars are literal", en, "Your OTP is 482913. Valid for 10 minutesXdo not share).", false},
		{"english leading text", en, "Hi! Your OTP is 482913. Valid for 10 minutes (do not share).", false},
		{"english slot too long", en, "Your OTP is " + strings.Repeat("9", 31) + ". Valid for 10 minutes (do not share).", false},
		{"english slot with newline", en, "Your OTP is 48\n2913. Valid for 10 minutes (do not share).", false},
		{"invalid utf-8", en, "Your OTP is \xff. Valid for 10 minutes (do not share).", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.t, tt.text)
			if (err == nil) != tt.ok {
				t.Errorf("Check(%q) = %v, want ok %v", tt.text, err, tt.ok)
			}
		})
	}
}

func TestUTF16Units(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"क्ष", 3},
		{"क्षत्रिय", 8},
		{"शिकायत", 6},
		{"😀", 2},
		{"a€", 2},
	}
	for _, tt := range tests {
		if got := UTF16Units(tt.s); got != tt.want {
			t.Errorf("UTF16Units(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestParts(t *testing.T) {
	hi := func(n int) string { return strings.Repeat("क", n) }
	tests := []struct {
		name string
		s    string
		want int
	}{
		{"empty", "", 1},
		{"gsm 160", strings.Repeat("a", 160), 1},
		{"gsm 161", strings.Repeat("a", 161), 2},
		{"gsm 306", strings.Repeat("a", 306), 2},
		{"gsm 307", strings.Repeat("a", 307), 3},
		{"gsm extension counts 2: 80", strings.Repeat("€", 80), 1},
		{"gsm extension counts 2: 81", strings.Repeat("€", 81), 2},
		{"gsm basic accents", strings.Repeat("é", 160), 1},
		{"ucs2 70", hi(70), 1},
		{"ucs2 71", hi(71), 2},
		{"ucs2 134", hi(134), 2},
		{"ucs2 135", hi(135), 3},
		{"conjuncts 23x3=69", strings.Repeat("क्ष", 23), 1},
		{"conjuncts 24x3=72", strings.Repeat("क्ष", 24), 2},
		{"one non-gsm char makes ucs2", strings.Repeat("a", 70) + "…", 2},
		{"ellipsis alone", "…", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parts(tt.s); got != tt.want {
				t.Errorf("Parts = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestFit(t *testing.T) {
	long := strings.Repeat("ग्रामीण ", 10)
	tests := []struct {
		name, in, want string
	}{
		{"short", "सड़क", "सड़क"},
		{"empty", "  ", "-"},
		{"spaces collapse", "Public\n  Works", "Public Works"},
		{"hindi cut with ellipsis", long, string([]rune(strings.TrimSpace(long))[:29]) + "…"},
		{"english cut with dots", strings.Repeat("Drainage ", 5), "Drainage Drainage Drainage..."},
		{"exactly 30", strings.Repeat("x", 30), strings.Repeat("x", 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fit(tt.in)
			if got != tt.want {
				t.Errorf("Fit = %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > MaxVar {
				t.Errorf("Fit gives %d characters", n)
			}
		})
	}
	if !GSM(Fit(strings.Repeat("Road repair ", 5))) {
		t.Error("Fit of English text is not GSM-7")
	}
}

func TestNewCatalogueRefuses(t *testing.T) {
	replace := func(event, aud string, lang grievance.Lang, f func(*Template)) []Template {
		ts := DefaultTemplates()
		for i := range ts {
			if ts[i].Event == event && ts[i].Audience == aud && ts[i].Lang == lang {
				f(&ts[i])
			}
		}
		return ts
	}
	drop := func(event string, lang grievance.Lang) []Template {
		var out []Template
		for _, tp := range DefaultTemplates() {
			if tp.Event != event || tp.Lang != lang {
				out = append(out, tp)
			}
		}
		return out
	}
	tests := []struct {
		name           string
		ts             []Template
		entity, header string
		wantIn         string
	}{
		{"missing combination", drop(EventOTP, grievance.English), testEntity, testHeader, "otp/citizen/en missing"},
		{"given twice", append(DefaultTemplates(), DefaultTemplates()[0]), testEntity, testHeader, "given twice"},
		{"bad entity", DefaultTemplates(), "12ab", testHeader, "entity ID"},
		{"bad header", DefaultTemplates(), testEntity, "GRV CEL", "header"},
		{"bad DLT ID", replace(EventOTP, Citizen, grievance.Hindi, func(t *Template) { t.DLTID = "abc" }), testEntity, testHeader, "DLT ID"},
		{"unknown event", append(DefaultTemplates(), Template{Event: "closed", Audience: Citizen, Lang: "hi", DLTID: "1234567", Text: "x"}), testEntity, testHeader, "no such event"},
		{"unknown language", append(DefaultTemplates(), Template{Event: EventOTP, Audience: Citizen, Lang: "ta", DLTID: "1234567", Text: "{#var#}"}), testEntity, testHeader, "unknown language"},
		{"slot count", replace(EventOTP, Citizen, grievance.English, func(t *Template) { t.Text = "Your OTP {#var#} {#var#}" }), testEntity, testHeader, "2 slots, 1 names"},
		{"foreign slot name", replace(EventOTP, Citizen, grievance.English, func(t *Template) { t.Vars = []string{VarNumber} }), testEntity, testHeader, "slot \"number\""},
		{"number left out", replace(EventResolved, Citizen, grievance.English, func(t *Template) {
			t.Text, t.Vars = "Resolved: {#var#}", []string{VarTrack}
		}), testEntity, testHeader, "must carry the number"},
		{"too long for parts (hindi)", replace(EventRegistered, Officer, grievance.Hindi, func(t *Template) {
			t.Text += strings.Repeat(" अधिक पाठ", 10)
		}), testEntity, testHeader, "SMS parts"},
		{"too long for parts (english)", replace(EventRegistered, Citizen, grievance.English, func(t *Template) {
			t.Text += strings.Repeat(" more text", 20)
		}), testEntity, testHeader, "SMS parts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCatalogue(tt.ts, tt.entity, tt.header)
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("NewCatalogue err = %v, want one containing %q", err, tt.wantIn)
			}
		})
	}
}

func TestVarsOrder(t *testing.T) {
	ts := DefaultTemplates()
	for i := range ts {
		if ts[i].Event == EventRegistered && ts[i].Audience == Citizen && ts[i].Lang == grievance.Hindi {
			ts[i].Text = "{#var#} विभाग में आपकी शिकायत {#var#} दर्ज। स्थिति: {#var#}"
			ts[i].Vars = []string{VarDepartment, VarNumber, VarTrack}
		}
	}
	c, err := NewCatalogue(ts, testEntity, testHeader)
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := c.Render(EventRegistered, Citizen, grievance.Hindi, map[string]string{VarNumber: "26031234567", VarDepartment: "राजस्व", VarTrack: "n.in/t"})
	if want := "राजस्व विभाग में आपकी शिकायत 26031234567 दर्ज। स्थिति: n.in/t"; err != nil || got != want {
		t.Errorf("Render = %q, %v; want %q", got, err, want)
	}
}

func TestLoadTemplates(t *testing.T) {
	file := `[{"event":"otp","audience":"citizen","lang":"en","dlt_id":"1107161234567890123",
		"text":"{#var#} is your Nivaran OTP. Valid 10 minutes."}]`
	ts, err := LoadTemplates(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCatalogue(ts, testEntity, testHeader)
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := c.Template(EventOTP, Citizen, grievance.English)
	if tp.DLTID != "1107161234567890123" || tp.Placeholder() {
		t.Errorf("template = %+v, want the configured one", tp)
	}
	if got, want := len(c.Placeholders()), 2*len(slots)-1; got != want {
		t.Errorf("placeholders = %d, want %d", got, want)
	}
	for _, bad := range []string{
		`[{"event":"otp","audience":"citizen","lang":"en","dlt_id":"1","text":"x","extra":1}]`,
		`[{"event":"otp","audience":"citizen","lang":"en","dlt_id":"1","text":"{#var#}"},{"event":"otp","audience":"citizen","lang":"en","dlt_id":"2","text":"{#var#}"}]`,
		`{`,
	} {
		if _, err := LoadTemplates(strings.NewReader(bad)); err == nil {
			t.Errorf("LoadTemplates(%s) = nil error", bad)
		}
	}
}
