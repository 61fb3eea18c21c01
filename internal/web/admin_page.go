package web

import "nivaran/internal/grievance"

// Tx gives a bilingual text in the page's language.
func (p *page) Tx(t grievance.Text) string { return t.In(grievance.Lang(p.Lang)) }

// Ladder writes an escalation ladder as the administrator types it.
func (p *page) Ladder(l []grievance.Span) string { return grievance.FormatLadder(l) }
