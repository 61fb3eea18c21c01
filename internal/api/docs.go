package api

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"nivaran/internal/i18n"
)

// openapiJSON is the API's OpenAPI 3 document. A test validates every
// request and response of the API's test suite against it.
//
//go:embed openapi.json
var openapiJSON []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openapiJSON)
}

// docOp is one operation as the developer page lists it.
type docOp struct {
	Method, Path, Summary, Example string
	Token                          bool
}

type docGroup struct {
	Tag string
	Ops []docOp
}

// docGroups reads the operations of the OpenAPI document, grouped by tag,
// with the summary in lang. The page is built from the document so that it
// cannot drift from it.
func docGroups(lang string) ([]docGroup, error) {
	var doc struct {
		Tags []struct {
			Name string `json:"name"`
		} `json:"tags"`
		Paths map[string]map[string]struct {
			Summary   string           `json:"summary"`
			SummaryHi string           `json:"x-summary-hi"`
			Example   string           `json:"x-example"`
			Tags      []string         `json:"tags"`
			Security  []map[string]any `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		return nil, err
	}
	byTag := map[string][]docOp{}
	for p, ops := range doc.Paths {
		for m, o := range ops {
			sum := o.Summary
			if lang == "hi" && o.SummaryHi != "" {
				sum = o.SummaryHi
			}
			tag := ""
			if len(o.Tags) > 0 {
				tag = o.Tags[0]
			}
			byTag[tag] = append(byTag[tag], docOp{Method: strings.ToUpper(m), Path: p, Summary: sum, Example: o.Example, Token: len(o.Security) > 0})
		}
	}
	var out []docGroup
	for _, t := range doc.Tags {
		ops := byTag[t.Name]
		sort.Slice(ops, func(i, j int) bool {
			if ops[i].Path != ops[j].Path {
				return ops[i].Path < ops[j].Path
			}
			return ops[i].Method < ops[j].Method
		})
		out = append(out, docGroup{Tag: t.Name, Ops: ops})
	}
	return out, nil
}

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T "apidoc.title"}}</title></head>
<body>
<header><p><a href="?lang={{.Other}}">{{.T "apidoc.other_language"}}</a></p>
<h1>{{.T "apidoc.title"}}</h1>
<p>{{.T "apidoc.intro"}}</p>
<p><a href="/api/v1/openapi.json">{{.T "apidoc.openapi_link"}}</a> · <a href="/open311/v2/discovery.json">{{.T "apidoc.open311_link"}}</a></p>
<h2>{{.T "apidoc.tokens_title"}}</h2>
<p>{{.T "apidoc.tokens_text"}}</p>
<h2>{{.T "apidoc.errors_title"}}</h2>
<p>{{.T "apidoc.errors_text"}}</p>
<pre>{"error":{"code":"invalid","message":"…","fields":{"mobile":"…"}}}</pre>
</header>
<main>
{{range .Groups}}<section><h2>{{$.T (printf "apidoc.tag.%s" .Tag)}}</h2>
{{range .Ops}}<article><h3><code>{{.Method}} {{.Path}}</code>{{if .Token}} · {{$.T "apidoc.needs_token"}}{{end}}</h3>
<p>{{.Summary}}</p>
<pre>{{.Example}}</pre></article>
{{end}}</section>
{{end}}</main>
</body></html>
`))

type docsView struct {
	Lang, Other string
	Groups      []docGroup
	cat         *i18n.Catalogue
}

// T translates key in the page's language.
func (v docsView) T(key string) string { return v.cat.T(v.Lang, key) }

// docs is the page for developers: every endpoint with an example, in
// Hindi or English, and the link to the OpenAPI document.
func (s *Server) docs(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r)
	groups, err := docGroups(lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := docsView{Lang: lang, Other: "en", Groups: groups, cat: s.Catalogue}
	if lang == "en" {
		v.Other = "hi"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	docsPage.Execute(w, v)
}

// OpenAPI returns the API's OpenAPI 3 document, for tests and tools.
func OpenAPI() []byte { return openapiJSON }
