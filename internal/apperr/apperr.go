// Package apperr is the small vocabulary of errors that domain packages return and that
// server/ maps, in one place, to gRPC and HTTP status codes.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind says what a client can do about an error.
type Kind int

// The kinds, each mapped to one standard gRPC code by the server.
const (
	KindInternal           Kind = iota // a bug or an outage: the message is not shown
	KindInvalid                        // the request is malformed: fix the named field
	KindNotFound                       // the id does not exist (or is not visible to the caller)
	KindConflict                       // it exists already
	KindFailedPrecondition             // the state does not allow it now
	KindPermissionDenied               // the caller may not do this
	KindUnauthenticated                // no valid credentials
	KindExhausted                      // a limit was reached; try later
	KindUnavailable                    // a dependency is down or not configured; try later
)

// Error is a domain error with a message written for the API's caller. It never carries
// personal data: messages name fields and ids, not values.
type Error struct {
	Kind  Kind
	Field string // the request field at fault, for KindInvalid
	Msg   string
	Err   error // the cause, for logs
	// RetryAfter, when set, says when to try again (HTTP Retry-After).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Invalid reports a malformed field.
func Invalid(field, format string, args ...any) error {
	return &Error{Kind: KindInvalid, Field: field, Msg: field + ": " + fmt.Sprintf(format, args...)}
}

// NotFound reports an unknown id.
func NotFound(format string, args ...any) error {
	return &Error{Kind: KindNotFound, Msg: fmt.Sprintf(format, args...)}
}

// Conflict reports a resource that exists already.
func Conflict(format string, args ...any) error {
	return &Error{Kind: KindConflict, Msg: fmt.Sprintf(format, args...)}
}

// FailedPrecondition reports a request the current state does not allow.
func FailedPrecondition(format string, args ...any) error {
	return &Error{Kind: KindFailedPrecondition, Msg: fmt.Sprintf(format, args...)}
}

// Unavailable reports a dependency that cannot serve now; cause is kept for the logs.
func Unavailable(cause error, format string, args ...any) error {
	return &Error{Kind: KindUnavailable, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// UnavailableFor is Unavailable with the time after which to try again.
func UnavailableFor(retryAfter time.Duration, cause error, format string, args ...any) error {
	return &Error{Kind: KindUnavailable, Msg: fmt.Sprintf(format, args...), Err: cause, RetryAfter: retryAfter}
}
