// Package reply is the edge's single table from application error codes to
// HTTP statuses, and the JSON error body shared by the API surfaces.
package reply

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"nivaran/internal/grievance"
	"nivaran/internal/i18n"
)

// Status returns the HTTP status for an error code.
func Status(code string) int {
	switch code {
	case grievance.EInvalid:
		return http.StatusUnprocessableEntity
	case grievance.ENotFound:
		return http.StatusNotFound
	case grievance.EForbidden:
		return http.StatusForbidden
	case grievance.EConflict:
		return http.StatusConflict
	case grievance.EUnauthorized:
		return http.StatusUnauthorized
	case grievance.ETooMany:
		return http.StatusTooManyRequests
	case grievance.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Log writes an error to the log once, at the edge: internal errors with
// their cause at error level, others at debug.
func Log(r *http.Request, err error) {
	e := grievance.AsError(err)
	if e.Code == grievance.EInternal || e.Code == grievance.EUnavailable {
		slog.Error("request failed", "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", err)
		return
	}
	slog.Debug("request refused", "method", r.Method, "path", r.URL.Path, "code", e.Code, "key", e.Key)
}

// ErrorBody is the JSON error of the API: {"error":{"code","message","fields"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the content of an ErrorBody.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// JSONError writes err as a JSON error body in lang with its status.
func JSONError(w http.ResponseWriter, r *http.Request, cat *i18n.Catalogue, lang string, err error) {
	Log(r, err)
	e := grievance.AsError(err)
	body := ErrorBody{Error: ErrorDetail{Code: e.Code, Message: cat.T(lang, e.Key, e.Args...)}}
	if len(e.Fields) > 0 {
		body.Error.Fields = map[string]string{}
		for f, k := range e.Fields {
			body.Error.Fields[f] = cat.T(lang, k)
		}
	}
	if (e.Code == grievance.ETooMany || e.Code == grievance.EUnavailable) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "60")
	}
	JSON(w, Status(e.Code), body)
}

// RetryAfter sets the Retry-After header in whole seconds (at least 1).
func RetryAfter(w http.ResponseWriter, d time.Duration) {
	s := int(d.Seconds() + 0.999)
	if s < 1 {
		s = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(s))
}

// JSON writes v as JSON with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}
