package web

import (
	"log/slog"
	"net/http"

	"nivaran/internal/auth"
	"nivaran/internal/grievance"
)

// duplicatesFor returns the probable duplicates to offer on the staff page
// of c: none when c is itself linked or closed, or when no duplicate
// service is configured. A failure only hides the section: the page is
// about c, not its neighbours.
func (s *Server) duplicatesFor(r *http.Request, id *auth.Identity, c *grievance.Complaint) []grievance.Match {
	if s.Duplicates == nil || c.DuplicateOf != "" || !c.Status.Open() {
		return nil
	}
	ms, err := s.Duplicates.Duplicates(r.Context(), id.Actor, c.Number)
	if err != nil {
		slog.WarnContext(r.Context(), "probable duplicates", "number", c.Number, "err", err)
		return nil
	}
	return ms
}

// backTo is the complaint page an action returns to: the form's "back"
// (linking from the parent's page acts on the duplicate), else number.
func backTo(r *http.Request, number string) string {
	if b := r.FormValue("back"); grievance.ValidNumber(b) {
		return b
	}
	return number
}

// Note is what the history shows as an event's note: for links, the
// other complaint's number in a sentence of the page's language.
func (p *page) Note(e grievance.Event) string {
	switch e.Kind {
	case grievance.ActLink:
		return p.T("duplicate.history.link", e.Note)
	case grievance.ActLinked:
		return p.T("duplicate.history.linked", e.Note)
	case grievance.ActUnlink:
		return p.T("duplicate.history.unlink", e.Note)
	}
	return e.Note
}

// Metres rounds a distance for display.
func (p *page) Metres(m float64) int { return int(m + 0.5) }
