// Package route is net/http's ServeMux that remembers the patterns it was
// given, so that every route of the server can be listed: the hostile-input
// and access tests walk that list, and a route added anywhere is covered
// without editing them.
package route

import "net/http"

// Mux is an http.ServeMux that records its patterns.
type Mux struct {
	*http.ServeMux
	patterns []string
}

// New returns an empty Mux.
func New() *Mux { return &Mux{ServeMux: http.NewServeMux()} }

// Handle registers h for pattern, as http.ServeMux.Handle.
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// HandleFunc registers h for pattern, as http.ServeMux.HandleFunc.
func (m *Mux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

// Patterns returns the patterns in the order they were registered.
func (m *Mux) Patterns() []string { return append([]string(nil), m.patterns...) }
