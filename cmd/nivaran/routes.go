package main

// Routes returns the pattern of every route the server answers, the
// surfaces' own routes in place of the prefixes they are mounted on. The
// hostile-input and access tests walk it, so a route added anywhere is
// covered by them without a list to keep up to date.
func (m *Main) Routes() []string { return append([]string(nil), m.routes...) }

// joinRoutes replaces each mount pattern of root found in mounted by the
// mounted handler's own patterns.
func joinRoutes(root []string, mounted map[string][]string) []string {
	var out []string
	for _, p := range root {
		if sub, ok := mounted[p]; ok {
			out = append(out, sub...)
			continue
		}
		out = append(out, p)
	}
	return out
}
