package telephony

import (
	"fmt"
	"strings"

	"nivaran/internal/grievance"
)

// Helpline is what a dialled number (DID) leads to: its greeting, the
// languages the caller chooses from by keypad (the first is the default),
// and the agent group that answers.
type Helpline struct {
	Code       string           // agent group: agents serve helplines by code
	DIDs       []string         // numbers that reach it
	Languages  []grievance.Lang // in the order of the menu: key 1 is the first
	Greeting   []string         // prompt names played in order (each names the key of its language)
	MissedCall bool             // a missed-call number: rejected unanswered, becomes a call-back request
}

// DefaultHelplines are the district's helplines: the district helpline
// (Hindi first), the helpline for foreign nationals and visitors from other
// states (English first), and the missed-call number.
func DefaultHelplines() []Helpline {
	return []Helpline{
		{Code: "district", DIDs: []string{"1076", "helpline"}, Languages: []grievance.Lang{grievance.Hindi, grievance.English},
			Greeting: []string{"greeting_hi", "greeting_en"}},
		{Code: "visitors", DIDs: []string{"1077", "visitors"}, Languages: []grievance.Lang{grievance.English, grievance.Hindi},
			Greeting: []string{"greeting_foreign_en", "greeting_foreign_hi"}},
		{Code: "district", DIDs: []string{"1078", "missed"}, Languages: []grievance.Lang{grievance.Hindi, grievance.English},
			MissedCall: true},
	}
}

// ParseHelplines reads NIVARAN_SIP_HELPLINES: entries separated by ";",
// each "code:did,did:lang,lang[:missed]", e.g.
// "district:1076,helpline:hi,en;visitors:1077:en,hi;district:1078:hi,en:missed".
// Greetings are the prompts greeting_<lang> (district) or
// greeting_<code>_<lang>.
func ParseHelplines(s string) ([]Helpline, error) {
	var out []Helpline
	for _, e := range strings.Split(s, ";") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		p := strings.Split(e, ":")
		if len(p) < 3 || len(p) > 4 || p[0] == "" || p[1] == "" {
			return nil, fmt.Errorf("helpline %q: want code:did,did:lang,lang[:missed]", e)
		}
		h := Helpline{Code: p[0], MissedCall: len(p) == 4 && p[3] == "missed"}
		if len(p) == 4 && p[3] != "missed" {
			return nil, fmt.Errorf("helpline %q: the fourth part may only be \"missed\"", e)
		}
		for _, d := range strings.Split(p[1], ",") {
			if d = strings.TrimSpace(d); d != "" {
				h.DIDs = append(h.DIDs, d)
			}
		}
		for _, l := range strings.Split(p[2], ",") {
			lang := grievance.Lang(strings.TrimSpace(l))
			if lang != grievance.Hindi && lang != grievance.English {
				return nil, fmt.Errorf("helpline %q: language %q (hi or en)", e, l)
			}
			h.Languages = append(h.Languages, lang)
			if h.Code == "district" {
				h.Greeting = append(h.Greeting, "greeting_"+string(lang))
			} else {
				h.Greeting = append(h.Greeting, "greeting_foreign_"+string(lang))
			}
		}
		out = append(out, h)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no helpline")
	}
	return out, nil
}

// menu is the language choice of one call: it turns keypad digits into a
// language. Key n chooses the n-th language; any other key is wrong, and
// after maxWrong wrong keys (or no key at all) the default language applies.
type menu struct {
	langs    []grievance.Lang
	wrong    int
	maxWrong int
}

func newMenu(h Helpline) *menu { return &menu{langs: h.Languages, maxWrong: 2} }

// key reports the language chosen by digit d: done when the choice is
// made (by this key or by too many wrong ones).
func (m *menu) key(d rune) (lang grievance.Lang, done bool) {
	if d >= '1' && d <= '9' && int(d-'1') < len(m.langs) {
		return m.langs[d-'1'], true
	}
	m.wrong++
	if m.wrong >= m.maxWrong {
		return m.langs[0], true
	}
	return "", false
}

// timeout is the language when the caller pressed nothing.
func (m *menu) timeout() grievance.Lang { return m.langs[0] }
