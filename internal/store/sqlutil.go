package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"nivaran/internal/grievance"
)

// ms is t as stored: unix milliseconds UTC.
func ms(t time.Time) int64 { return t.UnixMilli() }

// msNull is t as stored, NULL when zero.
func msNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMs is a stored time.
func fromMs(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromMsNull is a stored time, zero when NULL.
func fromMsNull(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMs(v.Int64)
}

// same returns t as a read would return it: ms precision, UTC.
func same(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return fromMs(ms(t))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// idNull is an optional reference: NULL when 0.
func idNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func pointArgs(p *grievance.Point) (lat, lng any) {
	if p == nil {
		return nil, nil
	}
	return p.Lat, p.Long
}

func point(lat, lng sql.NullFloat64) *grievance.Point {
	if !lat.Valid || !lng.Valid {
		return nil
	}
	return &grievance.Point{Lat: lat.Float64, Long: lng.Float64}
}

func notFound() *grievance.Error { return grievance.Errorf(grievance.ENotFound, "error.not_found") }

// wrap prefixes err with the package and action, keeping the chain (and so
// any *grievance.Error code) intact.
func wrap(action string, err error) error {
	if err == nil {
		return nil
	}
	// A database that cannot be reached is EUnavailable (503), not internal.
	return fmt.Errorf("store: %s: %w", action, unavailable(err))
}

// noRows turns sql.ErrNoRows into ENotFound.
func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound()
	}
	return err
}

type scanner interface{ Scan(dest ...any) error }

// scanValues scans the current row of rows, of n columns, into fresh
// values of the driver's own types.
func scanValues(rows *sql.Rows, n int) ([]any, error) {
	v := make([]any, n)
	ptrs := make([]any, n)
	for i := range v {
		ptrs[i] = &v[i]
	}
	return v, rows.Scan(ptrs...)
}
