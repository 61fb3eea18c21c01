package store

import (
	"encoding/base64"
	"strconv"
	"strings"

	"nivaran/internal/grievance"
)

// cursor is the position after the last row of a page: its sort key (due or
// created, in ms) and its ID. It is opaque to callers: base64 of
// "order:key:id".
type cursor struct {
	key, id int64
}

func encodeCursor(order string, key, id int64) string {
	s := order + ":" + strconv.FormatInt(key, 10) + ":" + strconv.FormatInt(id, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// decodeCursor reads a cursor made by encodeCursor for the same order;
// EInvalid otherwise.
func decodeCursor(s, order string) (cursor, error) {
	bad := (grievance.FieldErrors{"cursor": "error.cursor"}).Err()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	parts := strings.Split(string(b), ":")
	if len(parts) != 3 || parts[0] != order {
		return cursor{}, bad
	}
	key, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return cursor{}, bad
	}
	return cursor{key: key, id: id}, nil
}
