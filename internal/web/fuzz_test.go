package web

import (
	"strings"
	"testing"
)

// FuzzExportCellsSafe checks the exports' neutralisation: whatever text a
// citizen, officer or administrator typed, no CSV or XLSX cell starts with
// a character a spreadsheet would run as a formula, and the text is kept
// (only a leading quote is added).
//
//	go test ./internal/web -run '^$' -fuzz FuzzExportCellsSafe -fuzztime 30s
func FuzzExportCellsSafe(f *testing.F) {
	for _, s := range []string{"", "=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", `=HYPERLINK("http://x","y")`, "राम", "'=x", " =1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, got := range []string{csvSafe([]string{s})[0], xlsxSafe(s)} {
			if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
				t.Fatalf("%q → %q: starts with a formula character", s, got)
			}
			if got != s && got != "'"+s {
				t.Fatalf("%q → %q: text changed beyond a leading quote", s, got)
			}
		}
	})
}
