package notify

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// matchCase is a template text and a candidate message.
type matchCase struct{ template, text string }

var matchSeeds = []matchCase{
	{"शिकायत {#var#} दर्ज। विभाग {#var#}", "शिकायत 20261204-1234567 दर्ज। विभाग लोक निर्माण"},
	{"A {#var#} B {#var#}", "A x B y"},
	{"A {#var#} B {#var#}", "A x B "},                                // empty last value
	{"A {#var#} B {#var#}", "A x\nB y"},                              // line break in a value
	{"A {#var#} B {#var#}", "A " + strings.Repeat("x", 31) + " B y"}, // value too long
	{"A {#var#} B {#var#}", "A " + strings.Repeat("x", 30) + " B y"}, // just fits
	{"{#var#}{#var#}", "ab"},                                         // adjacent slots
	{"{#var#}{#var#}", "a"},                                          // two values need two characters
	{"x{#var#}x{#var#}x", "x" + "xx" + "x" + "xxx" + "x"},            // literals inside values
	{"Code {#var#}.", "Code 1. Code 2."},                             // the literal also inside the value
	{"Code {#var#}.", "Code " + strings.Repeat("क्ष", 10) + "."},     // 30 characters of conjuncts
	{"Code {#var#}.", "Code " + strings.Repeat("क्ष", 10) + "क."},    // 31
	{"No slots here", "No slots here"},
	{"No slots here", "No slots here!"},
}

// FuzzMatches checks the matcher against the regular expression of
// Pattern, which says what a registered template allows.
func FuzzMatches(f *testing.F) {
	for _, c := range matchSeeds {
		f.Add(c.template, c.text)
	}
	f.Fuzz(func(t *testing.T, template, text string) {
		if !strings.Contains(template, Slot) && len(template) > 200 {
			return
		}
		tpl := Template{DLTID: "1", Text: template}
		re, err := tpl.Pattern()
		if err != nil {
			t.Skip()
		}
		want := re.MatchString(text)
		if got := matches(strings.Split(template, Slot), text); got != want {
			t.Errorf("matches(%q, %q) = %v, the pattern says %v", template, text, got, want)
		}
	})
}

// TestMatchesRandom compares the matcher with the pattern on messages built
// from the default templates with random values, valid and not.
func TestMatchesRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	alphabet := []string{"a", " ", "क", "्", "ष", ".", "\n", "1", "{", "#", "-", "ि"}
	n := 0
	for _, tpl := range DefaultTemplates() {
		re, err := tpl.Pattern()
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(tpl.Text, Slot)
		for range 200 {
			var b strings.Builder
			for i, p := range parts {
				if i > 0 {
					for range r.IntN(34) {
						b.WriteString(alphabet[r.IntN(len(alphabet))])
					}
				}
				b.WriteString(p)
			}
			text := b.String()
			if want := re.MatchString(text); matches(parts, text) != want {
				t.Fatalf("%s/%s/%s: matches(%q) != %v", tpl.Event, tpl.Audience, tpl.Lang, text, want)
			} else if want {
				n++
			}
		}
	}
	if n == 0 {
		t.Error("no generated message matched: the test checks nothing but refusals")
	}
}

// TestFitTidy checks that Fit's fast path gives what joining the fields
// gives.
func TestFitTidy(t *testing.T) {
	for _, s := range []string{"", " ", "Sita Devi", "Sita  Devi", " Sita", "Sita ", "Sita\tDevi", "सीता देवी", "a\u00a0b", "a\nb",
		strings.Repeat("क", 31), strings.Repeat("ab ", 12)} {
		want := strings.Join(strings.Fields(s), " ")
		if tidy(s) && s != want {
			t.Errorf("tidy(%q) but Fields gives %q", s, want)
		}
		if got := Fit(s); got != Fit(want) {
			t.Errorf("Fit(%q) = %q, Fit(%q) = %q", s, got, want, Fit(want))
		}
	}
}
