package store

import (
	"errors"
	"syscall"
	"time"

	"nivaran/internal/grievance"
)

// Overload and storage faults. A control room's worst day (a flood, an
// epidemic) must not turn a slow or full disk into requests that pile up
// until memory runs out, nor into a 500: writes wait a bounded time in a
// bounded queue in front of the writer, and a full, locked or failing
// database becomes EUnavailable with a message the citizen can act on
// ("try again in a little while"), which the edge answers with 503 and
// Retry-After.

const (
	// DefaultMaxPending is how many writes may wait for, or be in, the
	// writer's transaction at once (Options.MaxPending).
	DefaultMaxPending = 2048
	// DefaultWriteWait is how long a write waits for the writer to take it
	// (Options.WriteWait).
	DefaultWriteWait = 5 * time.Second
)

var (
	errBusy        = grievance.Errorf(grievance.EUnavailable, "error.store_busy")
	errStorageFull = "error.storage_full"
	errStorageIO   = "error.storage_io"
)

// sqliteCode is the driver's error, with SQLite's result code.
type sqliteCode interface{ Code() int }

// unavailable turns a storage fault in err's chain into EUnavailable with a
// message for the user, keeping err as the cause for the log: a full,
// locked or failing SQLite database, or a lost connection to PostgreSQL
// (connUnavailable); other errors are returned as they are.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	key := ""
	var sc sqliteCode
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		key = errStorageFull
	case errors.As(err, &sc):
		switch sc.Code() & 0xff {
		case 13: // SQLITE_FULL
			key = errStorageFull
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			key = errBusy.Key
		case 10: // SQLITE_IOERR
			key = errStorageIO
		}
	}
	if key == "" {
		return connUnavailable(err)
	}
	return &grievance.Error{Code: grievance.EUnavailable, Key: key, Err: err}
}
