package store

import (
	"encoding/base64"
	"strconv"
	"strings"

	"nivaran/internal/grievance"
)

// cursor is the position after the last row of a page: its sort key (due or
// created, in ms), its ID and, in deadline order, its count of duplicates
// (links sort first). It is opaque to callers: base64 of "order:key:id" or
// "order:key:id:links".
type cursor struct {
	key, id, links int64
}

func encodeCursor(order string, key, id, links int64) string {
	s := order + ":" + strconv.FormatInt(key, 10) + ":" + strconv.FormatInt(id, 10)
	if links != 0 {
		s += ":" + strconv.FormatInt(links, 10)
	}
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
	if len(parts) != 3 && len(parts) != 4 || parts[0] != order {
		return cursor{}, bad
	}
	key, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	var links int64
	var err3 error
	if len(parts) == 4 {
		links, err3 = strconv.ParseInt(parts[3], 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil {
		return cursor{}, bad
	}
	return cursor{key: key, id: id, links: links}, nil
}
