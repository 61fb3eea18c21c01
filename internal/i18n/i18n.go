// Package i18n holds the translation catalogues (Hindi and English) and the
// choice of a language for a request.
//
// Catalogues are flat dotted keys in embedded JSON, one directory per
// language and any number of files in each (one per area of the program, so
// that areas do not collide). Every key must exist in every language; a test
// enforces it. Hindi is the default language.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed catalogue
var files embed.FS

// Default is the language used when nothing else decides.
const Default = "hi"

// Languages lists the supported languages, default first.
var Languages = []string{"hi", "en"}

// Catalogue maps language → key → message.
type Catalogue struct {
	msgs map[string]map[string]string
}

// Load reads the embedded catalogues. It fails on malformed JSON, a key
// defined twice in one language, or a key missing in some language.
func Load() (*Catalogue, error) {
	c := &Catalogue{msgs: map[string]map[string]string{}}
	for _, lang := range Languages {
		m := map[string]string{}
		dir := path.Join("catalogue", lang)
		entries, err := fs.ReadDir(files, dir)
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", dir, err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			b, err := files.ReadFile(path.Join(dir, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("i18n: read %s: %w", e.Name(), err)
			}
			var part map[string]string
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("i18n: parse %s/%s: %w", lang, e.Name(), err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("i18n: %s: key %q defined twice", lang, k)
				}
				m[k] = v
			}
		}
		c.msgs[lang] = m
	}
	if missing := c.Missing(); len(missing) > 0 {
		return nil, fmt.Errorf("i18n: keys missing in a language: %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// MustLoad is Load for start-up and tests; it panics on error.
func MustLoad() *Catalogue {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Missing lists "lang:key" for every key that some language lacks.
func (c *Catalogue) Missing() []string {
	all := map[string]bool{}
	for _, m := range c.msgs {
		for k := range m {
			all[k] = true
		}
	}
	var out []string
	for _, lang := range Languages {
		for k := range all {
			if _, ok := c.msgs[lang][k]; !ok {
				out = append(out, lang+":"+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether key exists.
func (c *Catalogue) Has(key string) bool {
	_, ok := c.msgs[Default][key]
	return ok
}

// Keys returns every key, sorted.
func (c *Catalogue) Keys() []string {
	var out []string
	for k := range c.msgs[Default] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// T returns the message for key in lang, formatted with args (fmt verbs).
// An unknown language falls back to the default; an unknown key returns the
// key itself, which the catalogue test prevents from shipping.
func (c *Catalogue) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[Default]
	}
	s, ok := m[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Valid reports whether lang is a supported language code.
func Valid(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Negotiate picks a language: the user's explicit choice when valid, then
// the first supported language in an Accept-Language header (by quality),
// then the default.
func Negotiate(choice, acceptLanguage string) string {
	if Valid(choice) {
		return choice
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				continue
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if Valid(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	if best != "" && bestQ > 0 {
		return best
	}
	return Default
}
