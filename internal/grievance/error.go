package grievance

import (
	"errors"
	"fmt"
)

// Error codes. One table at the HTTP edge maps each to a status.
const (
	EInvalid      = "invalid"
	ENotFound     = "not_found"
	EForbidden    = "forbidden"
	EConflict     = "conflict"
	EUnauthorized = "unauthorized"
	ETooMany      = "too_many"
	EUnavailable  = "unavailable"
	EInternal     = "internal"
)

// Error is the application error. Key names a message in the translation
// catalogue (never internal text: complaints carry personal data); Fields
// holds per-field message keys for forms. Err is the cause, for the log only.
type Error struct {
	Code   string
	Key    string
	Args   []any
	Fields map[string]string
	Err    error
}

// Errorf returns an *Error with the given code and catalogue key.
func Errorf(code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Internal wraps a cause as an internal error whose user message is generic.
func Internal(err error) *Error {
	return &Error{Code: EInternal, Key: "error.internal", Err: err}
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Key
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" %v", e.Fields)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns the first *Error in err's chain, or an internal error
// wrapping err.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// FieldErrors collects per-field validation failures.
type FieldErrors map[string]string

// Add records key for field unless the field already has an error.
func (f FieldErrors) Add(field, key string) {
	if _, ok := f[field]; !ok {
		f[field] = key
	}
}

// Err returns an EInvalid *Error carrying the fields, or nil when empty.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Key: "error.invalid_form", Fields: f}
}
