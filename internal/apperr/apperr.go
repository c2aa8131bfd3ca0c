// Package apperr is the one error type of tenderdesk. Domain code returns
// *Error with a code; the web layer maps the code to an HTTP status in one
// place, so users see Message and logs get the wrapped internal detail.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

type Code string

const (
	Invalid       Code = "invalid"       // 400: malformed or failing validation
	Unauthorized  Code = "unauthorized"  // 401: no or bad credentials
	Forbidden     Code = "forbidden"     // 403: authenticated, not allowed
	NotFound      Code = "not_found"     // 404
	Method        Code = "method"        // 405: known path, other methods (Allow names them)
	Conflict      Code = "conflict"      // 409: illegal state transition, duplicate
	TooLarge      Code = "too_large"     // 413
	Unsupported   Code = "unsupported"   // 415
	Unprocessable Code = "unprocessable" // 422: well-formed but semantically refused
	TooMany       Code = "too_many"      // 429: throttled; RetryAfter says when to come back
	Internal      Code = "internal"      // 500
	// Unavailable is a 503 with Retry-After: the database is down or full
	// (store.Fault), so the same request may succeed a few seconds later.
	Unavailable Code = "unavailable"
)

// NotAcceptable is a 406: no representation the request's Accept header
// takes (Fields names the header and what is served). A block of its own
// so the list above stays as it was.
const NotAcceptable Code = "not_acceptable"

// Error is a domain error. Fields names each bad input field with what is wrong.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	Err     error // internal cause, never shown to users
	// RetryAfter, with TooMany or Unavailable, is how long the caller should wait (the
	// Retry-After header).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap marks err as internal while keeping it for the logs.
func Wrap(err error, msg string) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	return &Error{Code: Internal, Message: msg, Err: err}
}

// CodeOf returns the code of err, Internal for foreign errors.
func CodeOf(err error) Code {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return Internal
}

// Validation collects field errors; Err returns nil when there are none.
type Validation map[string]string

func (v Validation) Add(field, problem string) {
	if _, ok := v[field]; !ok {
		v[field] = problem
	}
}

func (v Validation) Err() error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "validation failed", Fields: v}
}

// Throttled is a 429 telling the caller to retry after d (at least a second).
func Throttled(d time.Duration, format string, args ...any) *Error {
	if d < time.Second {
		d = time.Second
	}
	return &Error{Code: TooMany, Message: fmt.Sprintf(format, args...), RetryAfter: d}
}
