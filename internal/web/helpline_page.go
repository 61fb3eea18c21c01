package web

import (
	"fmt"
	"time"

	"nivaran/internal/grievance"
)

// Seconds shows a duration as minutes and seconds: "3:07".
func (p *page) Seconds(d time.Duration) string {
	n := int(d.Seconds())
	return fmt.Sprintf("%d:%02d", n/60, n%60)
}

// Since shows how long ago since was at at, as minutes and seconds.
func (p *page) Since(at, since time.Time) string {
	if since.IsZero() {
		return "–"
	}
	return p.Seconds(at.Sub(since))
}

// HelplineOn reports whether the phone helpline runs (its links show).
func (p *page) HelplineOn() bool { return p.s.Helpline != nil }

// Agent reports whether the user is a helpline agent.
func (p *page) Agent() bool { return p.Identity != nil && p.Identity.Actor.Has(grievance.RoleAgent) }
