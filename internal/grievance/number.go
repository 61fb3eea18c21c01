package grievance

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"
)

// NewNumber returns a complaint number: the year and month of filing (YYMM)
// then seven random digits, eleven digits in all. Digits only, so that it can
// be read out on the phone and keyed in on a helpline's keypad; random, so
// numbers are not guessable in sequence (public tracking also needs the
// mobile number). Uniqueness is the store's job: it retries on a clash.
func NewNumber(now time.Time) string {
	var b [8]byte
	rand.Read(b[:]) // never fails: crypto/rand crashes the program instead
	return now.Format("0601") + fmt.Sprintf("%07d", binary.BigEndian.Uint64(b[:])%10_000_000)
}

// ValidNumber reports whether s has the shape of a complaint number.
func ValidNumber(s string) bool {
	if len(s) != 11 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
