package grievance

import "testing"

// FuzzMobileAndNumber: whatever a citizen types as a mobile or complaint
// number, normalising never panics, a normalised mobile that is valid is
// ten digits, and normalising is idempotent.
//
//	go test ./internal/grievance -run '^$' -fuzz FuzzMobileAndNumber -fuzztime 30s
func FuzzMobileAndNumber(f *testing.F) {
	for _, s := range []string{"9876543210", "+91 98765 43210", "098765-43210", "९८७६५४३२१०", "' OR 1=1", "\xff\xfe", "26121234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeMobile(s)
		if NormalizeMobile(n) != n {
			t.Fatalf("NormalizeMobile not idempotent: %q → %q → %q", s, n, NormalizeMobile(n))
		}
		if ValidMobile(n) {
			if len(n) != 10 {
				t.Fatalf("valid mobile %q (from %q) is not ten digits", n, s)
			}
			for _, r := range n {
				if r < '0' || r > '9' {
					t.Fatalf("valid mobile %q (from %q) has a non-digit", n, s)
				}
			}
		}
		if ValidNumber(s) && len(s) != 11 {
			t.Fatalf("ValidNumber(%q) with %d characters", s, len(s))
		}
	})
}
