package i18n

import "testing"

func TestCatalogueComplete(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Keys()) == 0 {
		t.Fatal("catalogue is empty")
	}
	for _, k := range c.Keys() {
		for _, lang := range Languages {
			if c.T(lang, k) == "" {
				t.Errorf("%s:%s is empty", lang, k)
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct{ choice, header, want string }{
		{"", "", "hi"},
		{"en", "hi-IN", "en"},
		{"xx", "en-US,en;q=0.9", "en"},
		{"", "fr-FR, en;q=0.5, hi;q=0.8", "hi"},
		{"", "fr-FR", "hi"},
		{"", "en;q=0", "hi"},
		{"", "en;q=abc", "hi"},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.choice, tt.header); got != tt.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tt.choice, tt.header, got, tt.want)
		}
	}
}

func TestTFallback(t *testing.T) {
	c := MustLoad()
	k := c.Keys()[0]
	if got, want := c.T("zz", k), c.T(Default, k); got != want {
		t.Errorf("unknown language: got %q, want default %q", got, want)
	}
	if got := c.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key: got %q", got)
	}
}
