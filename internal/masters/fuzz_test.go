package masters

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzImport feeds arbitrary files to the masters' import in both formats:
// it must never panic, and whatever it accepts must pass validation and
// export again.
//
//	go test ./internal/masters -run '^$' -fuzz FuzzImport -fuzztime 30s
func FuzzImport(f *testing.F) {
	def, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	for _, format := range []string{"csv", "json"} {
		var b bytes.Buffer
		if err := Export(&b, def, format); err != nil {
			f.Fatal(err)
		}
		f.Add(format, b.String()[:min(b.Len(), 4000)])
		f.Add(format, b.String())
	}
	f.Add("csv", "table,code\ndepartments,\"=cmd\"\n")
	f.Add("json", `{"departments":[{"code":"<script>"}]}`)
	f.Add("csv", "\xff\xfe\x00")
	f.Fuzz(func(t *testing.T, format, data string) {
		if format != "csv" && format != "json" {
			format = "csv"
		}
		m, err := Import(strings.NewReader(data), format)
		if err != nil {
			return
		}
		if err := Validate(m); err != nil {
			t.Fatalf("imported masters fail validation: %v", err)
		}
		if err := Export(&bytes.Buffer{}, m, format); err != nil {
			t.Fatalf("imported masters do not export: %v", err)
		}
	})
}
