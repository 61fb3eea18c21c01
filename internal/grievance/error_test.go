package grievance_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"nivaran/internal/grievance"
)

func TestErrorCode(t *testing.T) {
	notFound := grievance.Errorf(grievance.ENotFound, "error.not_found")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"*Error", grievance.Errorf(grievance.EConflict, "error.action_status"), grievance.EConflict},
		{"wrapped once", fmt.Errorf("store: get complaint 42: %w", notFound), grievance.ENotFound},
		{"wrapped twice", fmt.Errorf("web: %w", fmt.Errorf("store: %w", notFound)), grievance.ENotFound},
		{"joined", errors.Join(errors.New("other"), notFound), grievance.ENotFound},
		{"plain error", errors.New("disk full"), grievance.EInternal},
		{"wrapped plain error", fmt.Errorf("store: %w", errors.New("disk full")), grievance.EInternal},
		{"formatted with %v loses the code", fmt.Errorf("store: %v", notFound), grievance.EInternal},
		{"Internal", grievance.Internal(errors.New("boom")), grievance.EInternal},
		{"field errors", grievance.FieldErrors{"name": "error.name_required"}.Err(), grievance.EInvalid},
		{"outermost *Error wins", grievance.Internal(notFound), grievance.EInternal},
	}
	for _, tt := range tests {
		if got := grievance.ErrorCode(tt.err); got != tt.want {
			t.Errorf("%s: ErrorCode(%v) = %q; want %q", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestAsError(t *testing.T) {
	forbidden := grievance.Errorf(grievance.EForbidden, "error.forbidden", "x", 1)
	if got := grievance.AsError(fmt.Errorf("web: act: %w", forbidden)); got != forbidden {
		t.Errorf("AsError(wrapped) = %v; want the same *Error %v", got, forbidden)
	}
	if got, want := forbidden.Args, []any{"x", 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("Args = %v; want %v", got, want)
	}

	cause := errors.New("sqlite: database is locked")
	got := grievance.AsError(fmt.Errorf("store: %w", cause))
	if got.Code != grievance.EInternal || got.Key != "error.internal" {
		t.Errorf("AsError(plain) = %q/%q; want %q/%q", got.Code, got.Key, grievance.EInternal, "error.internal")
	}
	if !errors.Is(got, cause) {
		t.Errorf("AsError(plain) does not wrap the cause: %v", got)
	}

	fields := grievance.FieldErrors{"mobile": "error.mobile"}
	ae := grievance.AsError(fmt.Errorf("service: file: %w", fields.Err()))
	if ae.Code != grievance.EInvalid || ae.Key != "error.invalid_form" || ae.Fields["mobile"] != "error.mobile" {
		t.Errorf("AsError(wrapped field errors) = %+v; want invalid with mobile field", ae)
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *grievance.Error
		want string
	}{
		{grievance.Errorf(grievance.ENotFound, "error.not_found"), "not_found: error.not_found"},
		{grievance.Internal(errors.New("boom")), "internal: error.internal: boom"},
		{&grievance.Error{Code: grievance.EInvalid, Key: "error.invalid_form", Fields: map[string]string{"b": "2", "a": "1"}},
			"invalid: error.invalid_form map[a:1 b:2]"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
	if err := grievance.Errorf(grievance.EConflict, "k"); err.Unwrap() != nil {
		t.Errorf("Unwrap of an error without cause = %v; want nil", err.Unwrap())
	}
}

func TestFieldErrors(t *testing.T) {
	if err := (grievance.FieldErrors{}).Err(); err != nil {
		t.Errorf("empty FieldErrors.Err() = %v; want nil", err)
	}
	if err := grievance.FieldErrors(nil).Err(); err != nil {
		t.Errorf("nil FieldErrors.Err() = %v; want nil", err)
	}

	f := grievance.FieldErrors{}
	f.Add("name", "error.name_required")
	f.Add("name", "error.name_long") // the first error of a field stays
	f.Add("mobile", "error.mobile")
	want := grievance.FieldErrors{"name": "error.name_required", "mobile": "error.mobile"}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("after Add: %v; want %v", f, want)
	}

	err := fmt.Errorf("intake: %w", f.Err())
	var e *grievance.Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As(%v, *Error) = false; want true", err)
	}
	if e.Code != grievance.EInvalid || e.Key != "error.invalid_form" || !reflect.DeepEqual(e.Fields, map[string]string(want)) {
		t.Errorf("Err() = %+v; want code %q, key error.invalid_form, fields %v", e, grievance.EInvalid, want)
	}
}
