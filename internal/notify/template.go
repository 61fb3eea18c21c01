package notify

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"nivaran/internal/grievance"
)

// Slot is how a variable is written in a DLT template.
const Slot = "{#var#}"

// MaxVar is the longest value, in characters, a slot takes.
const MaxVar = 30

// Template is a message as registered on the DLT platform: the text must be
// sent exactly as registered, except for the {#var#} slots.
type Template struct {
	Event    string         `json:"event"`
	Audience string         `json:"audience"` // "citizen" or "officer"
	Lang     grievance.Lang `json:"lang"`
	DLTID    string         `json:"dlt_id"` // content template ID
	Text     string         `json:"text"`   // as registered, with {#var#} slots
	// Vars names what fills each slot, in order (see the Var constants);
	// empty means the event's default order.
	Vars []string `json:"vars,omitempty"`
	// MaxParts is the most SMS parts the message may take when every slot is
	// full; 0 means the default: 3 for Hindi (UCS-2, 201 units), 2 for
	// English (GSM-7, 306 characters).
	MaxParts int `json:"max_parts,omitempty"`
}

// Placeholder reports whether the template still carries a made-up DLT ID
// from the defaults (they start with ten zeros): operators drop such
// messages, so production configuration must replace them.
func (t Template) Placeholder() bool { return strings.HasPrefix(t.DLTID, "0000000000") }

// Pattern returns the regular expression a rendered text must match: the
// registered text with its literal parts quoted and each slot 1 to 30
// characters other than a line break.
func (t Template) Pattern() (*regexp.Regexp, error) {
	parts := strings.Split(t.Text, Slot)
	var b strings.Builder
	b.WriteString("^")
	for i, p := range parts {
		if i > 0 {
			fmt.Fprintf(&b, "[^\\r\\n]{1,%d}", MaxVar)
		}
		b.WriteString(regexp.QuoteMeta(p))
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("notify: template %s: %w", t.DLTID, err)
	}
	return re, nil
}

// Slots returns the number of {#var#} slots in the template.
func (t Template) Slots() int { return strings.Count(t.Text, Slot) }

func (t Template) maxParts() int {
	if t.MaxParts > 0 {
		return t.MaxParts
	}
	if t.Lang == grievance.English {
		return 2
	}
	return 3
}

func (t Template) vars() []string {
	if len(t.Vars) > 0 {
		return t.Vars
	}
	return slots[key(t.Event, t.Audience)]
}

// Render fills the slots of t with vars in order and checks the result with
// Check. A value must be 1 to 30 characters without line breaks: callers
// shorten names first (see Fit); Render never cuts a value itself, so a
// complaint number or a code is never sent mangled.
func Render(t Template, vars []string) (string, error) {
	parts := strings.Split(t.Text, Slot)
	if len(vars) != len(parts)-1 {
		return "", fmt.Errorf("notify: render %s/%s/%s: %d values for %d slots", t.Event, t.Audience, t.Lang, len(vars), len(parts)-1)
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(vars[i-1])
		}
		b.WriteString(p)
	}
	s := b.String()
	if err := Check(t, s); err != nil {
		return "", err
	}
	return s, nil
}

// Check returns an error unless text matches the registered pattern of t
// (see Pattern).
func Check(t Template, text string) error {
	return check(t, strings.Split(t.Text, Slot), text)
}

// check matches text against the pattern of t, whose text split at its
// slots is parts.
func check(t Template, parts []string, text string) error {
	if !utf8.ValidString(text) || !matches(parts, text) {
		return fmt.Errorf("notify: text does not match template %s (%s/%s/%s)", t.DLTID, t.Event, t.Audience, t.Lang)
	}
	return nil
}

// matches reports whether text matches Pattern of the template whose text
// split at its slots is parts: parts[0], a value, parts[1], … parts[n], each
// value 1 to MaxVar characters other than a line break. It is what the
// regular expression says, without its backtracking over every message
// (which cost more than the rest of planning): it follows the set of byte
// offsets where the literal after each slot can end, at most one per byte.
func matches(parts []string, text string) bool {
	if !strings.HasPrefix(text, parts[0]) {
		return false
	}
	cur := []int{len(parts[0])}
	var next []int
	for _, lit := range parts[1:] {
		next = next[:0]
		for _, at := range cur {
			i := at
			for n := 0; n < MaxVar && i < len(text); n++ {
				r, size := utf8.DecodeRuneInString(text[i:])
				if r == '\r' || r == '\n' {
					break
				}
				i += size
				if lit != "" && (i == len(text) || text[i] != lit[0]) {
					continue // the literal cannot start here (cheaper than comparing it)
				}
				if strings.HasPrefix(text[i:], lit) && !slices.Contains(next, i+len(lit)) {
					next = append(next, i+len(lit))
				}
			}
		}
		if len(next) == 0 {
			return false
		}
		cur, next = next, cur
	}
	return slices.Contains(cur, len(text))
}

// Fit makes s usable as a slot value: line breaks and runs of spaces become
// one space, and a value longer than 30 characters is cut to 29 and ends in
// "…" — or in "..." when the rest is GSM-7 text, so that an English message
// does not become UCS-2 (and twice as long) for one ellipsis. An empty value
// becomes "-", since a slot cannot be empty. Use it for names, never for
// numbers or codes.
func Fit(s string) string {
	if !tidy(s) {
		s = strings.Join(strings.Fields(s), " ")
	}
	if s == "" {
		return "-"
	}
	if len(s) <= MaxVar || utf8.RuneCountInString(s) <= MaxVar {
		return s
	}
	r := []rune(s)
	if GSM(s) {
		return strings.TrimSpace(string(r[:MaxVar-3])) + "..."
	}
	return strings.TrimSpace(string(r[:MaxVar-1])) + "…"
}

// tidy reports whether s is already as strings.Fields would join it: no
// white space but single ASCII spaces between words (the common case of a
// name, which then costs no copy).
func tidy(s string) bool {
	space := true // at the start, a space would be leading
	for _, r := range s {
		switch {
		case r == ' ':
			if space {
				return false
			}
			space = true
		case unicode.IsSpace(r):
			return false
		default:
			space = false
		}
	}
	return !space || s == ""
}

// UTF16Units returns the length of s in UTF-16 code units, the measure of a
// UCS-2 SMS: a character outside the Basic Multilingual Plane takes two, and
// a conjunct such as क्ष takes three (क, virama, ष).
func UTF16Units(s string) int {
	n := 0
	for _, r := range s { // invalid bytes decode as U+FFFD: one unit
		n += utf16.RuneLen(r)
	}
	return n
}

// gsmBasic is the GSM 03.38 default alphabet; gsmExt the characters of its
// extension table, which take two septets (escape + character).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExt   = "\f^{}\\[~]|€"
)

// GSM reports whether s can be sent in the GSM 7-bit alphabet (basic set and
// extension table); otherwise it goes as UCS-2.
func GSM(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(gsmBasic, r) && !strings.ContainsRune(gsmExt, r) {
			return false
		}
	}
	return true
}

// Septets returns the length of GSM-7 text s in septets: extension
// characters count two.
func Septets(s string) int {
	n := 0
	for _, r := range s {
		n++
		if strings.ContainsRune(gsmExt, r) {
			n++
		}
	}
	return n
}

// Parts returns how many SMS s takes: GSM-7 text 160 septets in one message
// and 153 per part when split; any other text goes as UCS-2, 70 UTF-16 units
// in one and 67 per part. An empty text still takes one SMS.
func Parts(s string) int {
	n, single, part := UTF16Units(s), 70, 67
	if GSM(s) {
		n, single, part = Septets(s), 160, 153
	}
	if n <= single {
		return 1
	}
	return (n + part - 1) / part
}

//go:embed templates.json
var defaultTemplates []byte

// DefaultTemplates returns the built-in templates in Hindi and English. Their
// DLT IDs are placeholders (see Template.Placeholder); the texts are what a
// district registers, unless it registers its own (see LoadTemplates).
func DefaultTemplates() []Template {
	var ts []Template
	if err := json.Unmarshal(defaultTemplates, &ts); err != nil {
		panic("notify: embedded templates.json: " + err.Error()) // caught by the tests
	}
	return ts
}

// LoadTemplates reads a JSON array of templates (the shape of
// templates.json) and returns the defaults with every event, audience and
// language the file names replaced by the file's template. That is how real
// DLT IDs (and texts as registered) come from configuration. It fails on
// malformed JSON and on a combination named twice; NewCatalogue checks the
// rest.
func LoadTemplates(r io.Reader) ([]Template, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var file []Template
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("notify: load templates: %w", err)
	}
	seen := map[string]bool{}
	out := DefaultTemplates()
	for _, t := range file {
		k := key(t.Event, t.Audience) + "/" + string(t.Lang)
		if seen[k] {
			return nil, fmt.Errorf("notify: load templates: %s named twice", k)
		}
		seen[k] = true
		i := slices.IndexFunc(out, func(d Template) bool {
			return d.Event == t.Event && d.Audience == t.Audience && d.Lang == t.Lang
		})
		if i < 0 {
			out = append(out, t) // NewCatalogue refuses it if unknown
		} else {
			out[i] = t
		}
	}
	return out, nil
}

// Catalogue is a checked set of templates with the DLT entity ID and header
// they are registered under. It is immutable and safe for concurrent use.
type Catalogue struct {
	EntityID string // principal entity (PE) ID
	Header   string // registered sender ID
	byKey    map[string]*entry
	list     []Template
}

// entry is a template with its text split at the slots and the names of
// what fills them.
type entry struct {
	t     Template
	parts []string
	vars  []string
}

var (
	digits = regexp.MustCompile(`^[0-9]{6,25}$`)
	header = regexp.MustCompile(`^[A-Za-z0-9]{3,11}$`)
)

// NewCatalogue checks templates at configuration time and returns them as a
// catalogue. It refuses: an entity ID or template ID that is not 6-25 digits,
// a header that is not 3-11 letters or digits, an unknown event, audience or
// language, a combination given twice or missing (every event and audience
// of the slots table in Hindi and English), slot names that are not the
// event's, a slot count that differs from the names, and a template whose
// worst-case render (every slot full with 30 characters: "क्ष" repeated for
// Hindi, "W" for English) does not match its own pattern or takes more than
// its MaxParts.
func NewCatalogue(templates []Template, entityID, hdr string) (*Catalogue, error) {
	if !digits.MatchString(entityID) {
		return nil, fmt.Errorf("notify: entity ID %q: want 6-25 digits", entityID)
	}
	if !header.MatchString(hdr) {
		return nil, fmt.Errorf("notify: header %q: want 3-11 letters or digits", hdr)
	}
	c := &Catalogue{EntityID: entityID, Header: hdr, byKey: map[string]*entry{}}
	for _, t := range templates {
		name := key(t.Event, t.Audience) + "/" + string(t.Lang)
		allowed, ok := slots[key(t.Event, t.Audience)]
		switch {
		case !ok:
			return nil, fmt.Errorf("notify: template %s: no such event and audience", name)
		case !t.Lang.Valid():
			return nil, fmt.Errorf("notify: template %s: unknown language", name)
		case c.byKey[name] != nil:
			return nil, fmt.Errorf("notify: template %s: given twice", name)
		case !digits.MatchString(t.DLTID):
			return nil, fmt.Errorf("notify: template %s: DLT ID %q: want 6-25 digits", name, t.DLTID)
		case !utf8.ValidString(t.Text) || strings.TrimSpace(t.Text) == "":
			return nil, fmt.Errorf("notify: template %s: empty or invalid text", name)
		}
		vars := t.vars()
		if len(vars) != t.Slots() {
			return nil, fmt.Errorf("notify: template %s: %d slots, %d names (%v)", name, t.Slots(), len(vars), vars)
		}
		for _, v := range vars {
			if !slices.Contains(allowed, v) {
				return nil, fmt.Errorf("notify: template %s: slot %q: want one of %v", name, v, allowed)
			}
		}
		if (slices.Contains(allowed, VarNumber) && !slices.Contains(vars, VarNumber)) ||
			(slices.Contains(allowed, VarOTP) && !slices.Contains(vars, VarOTP)) {
			return nil, fmt.Errorf("notify: template %s: the message must carry the %s", name, allowed[0])
		}
		if _, err := t.Pattern(); err != nil {
			return nil, err
		}
		parts := strings.Split(t.Text, Slot)
		sample := worstCase(t)
		if err := check(t, parts, sample); err != nil {
			return nil, fmt.Errorf("notify: template %s: sample render: %w", name, err)
		}
		if p := Parts(sample); p > t.maxParts() {
			return nil, fmt.Errorf("notify: template %s: %d SMS parts with full slots, at most %d allowed", name, p, t.maxParts())
		}
		c.byKey[name] = &entry{t: t, parts: parts, vars: vars}
		c.list = append(c.list, t)
	}
	for k := range slots {
		for _, l := range languages {
			if c.byKey[k+"/"+string(l)] == nil {
				return nil, fmt.Errorf("notify: template %s/%s missing", k, l)
			}
		}
	}
	return c, nil
}

// worstCase renders t with every slot full: 30 characters of the heaviest
// kind a value in the template's language usually has.
func worstCase(t Template) string {
	fill := strings.Repeat("W", MaxVar)
	if t.Lang != grievance.English {
		fill = strings.Repeat("क्ष", MaxVar/3)
	}
	return strings.ReplaceAll(t.Text, Slot, fill)
}

// Template returns the template for event, audience and lang.
func (c *Catalogue) Template(event, audience string, lang grievance.Lang) (Template, bool) {
	e := c.byKey[key(event, audience)+"/"+string(lang)]
	if e == nil {
		return Template{}, false
	}
	return e.t, true
}

// Templates returns every template, in the order given to NewCatalogue.
func (c *Catalogue) Templates() []Template { return slices.Clone(c.list) }

// Placeholders returns the templates that still carry placeholder DLT IDs;
// the server warns about them at start-up.
func (c *Catalogue) Placeholders() []Template {
	var out []Template
	for _, t := range c.list {
		if t.Placeholder() {
			out = append(out, t)
		}
	}
	return out
}

// Render renders the template for event, audience and lang with the named
// values (see the Var constants) and checks the text against the pattern.
// Values must already fit (see Fit).
func (c *Catalogue) Render(event, audience string, lang grievance.Lang, values map[string]string) (Template, string, error) {
	e := c.byKey[key(event, audience)+"/"+string(lang)]
	if e == nil {
		return Template{}, "", fmt.Errorf("notify: no template %s/%s/%s", event, audience, lang)
	}
	n := len(e.t.Text)
	for _, v := range e.vars {
		n += len(values[v])
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range e.parts {
		if i > 0 {
			b.WriteString(values[e.vars[i-1]])
		}
		b.WriteString(p)
	}
	s := b.String()
	if err := check(e.t, e.parts, s); err != nil {
		return e.t, "", err
	}
	return e.t, s, nil
}
