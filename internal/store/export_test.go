package store

import (
	"context"
	"time"

	"nivaran/internal/grievance"
)

// ScorecardScan is Scorecard counted from the histories alone, never from
// the daily sums: what the sums must always agree with.
func (s *Store) ScorecardScan(ctx context.Context, by grievance.ScoreBy, from, to time.Time) ([]grievance.ScoreRow, error) {
	t := grievance.NewTally(by, from, to)
	if err := s.scoreScan(ctx, t, from, to); err != nil {
		return nil, err
	}
	return t.Rows(), nil
}
