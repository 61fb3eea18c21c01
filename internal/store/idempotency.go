package store

import (
	"database/sql"
	"errors"
	"strconv"

	"nivaran/internal/grievance"
)

// maxKeyLen bounds an idempotency key: a UUID is 36 characters; anything
// much longer is not a key but a mistake.
const maxKeyLen = 128

// actedWithKey reports whether actor has already acted on c with key (the
// repeat is then answered with the complaint as it stands, and nothing is
// applied, recorded or sent again). An empty key never matches. A key
// already used by the same actor on another complaint is EConflict: reusing
// a key for a different action is a client's bug, and applying it would
// make the first one unrepeatable. A key too long is EInvalid.
func (s *Store) actedWithKey(w *wtx, actor grievance.Actor, c *grievance.Complaint, key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	if len(key) > maxKeyLen {
		return false, (grievance.FieldErrors{"key": "error.idempotency_key"}).Err()
	}
	var complaintID int64
	err := w.QueryRowContext(w.ctx, "SELECT complaint_id FROM events WHERE idem_key = ?", scopedKey(actor, key)).Scan(&complaintID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if complaintID != c.ID {
		return false, grievance.Errorf(grievance.EConflict, "error.idempotency_reused")
	}
	if c.Attachments, err = attachments(w.ctx, w, c.ID); err != nil {
		return false, err
	}
	return true, nil
}

// keyEvent records the idempotency key of the event an action wrote. The
// unique index on the scoped key makes a second event with the same key fail
// even where two writers could race (PostgreSQL).
func keyEvent(w *wtx, actor grievance.Actor, eventID int64, key string) error {
	if key == "" {
		return nil
	}
	_, err := w.exec("UPDATE events SET idem_key = ? WHERE id = ?", scopedKey(actor, key), eventID)
	return err
}

// scopedKey is key as stored: prefixed with who acted, so that two actors'
// keys never collide (a citizen by mobile number, staff by user ID).
func scopedKey(actor grievance.Actor, key string) string {
	switch {
	case actor.System:
		return "system:" + key
	case actor.IsCitizen():
		return "citizen:" + actor.Mobile + ":" + key
	}
	return "user:" + strconv.FormatInt(actor.UserID, 10) + ":" + key
}
