package i18n

import "testing"

// FuzzNegotiate: any choice and Accept-Language header (a client sends
// what it likes) gives one of the supported languages.
//
//	go test ./internal/i18n -run '^$' -fuzz FuzzNegotiate -fuzztime 30s
func FuzzNegotiate(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"en", ""}, {"", "hi-IN,hi;q=0.9,en;q=0.8"}, {"xx", "en;q=abc,,;"}, {"\xff", "*;q=1e999"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, choice, accept string) {
		if got := Negotiate(choice, accept); got != "hi" && got != "en" {
			t.Fatalf("Negotiate(%q, %q) = %q, want hi or en", choice, accept, got)
		}
	})
}
