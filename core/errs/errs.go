// Package errs is the domain error type: a Kind that says what sort of failure it is, and a stable
// UPPER_SNAKE Code that clients can rely on. Nothing here knows about HTTP; the edge maps Kind to a status.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds of failure. The zero value is Internal so that an unclassified error never looks harmless.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	FailedPrecondition
	Unauthenticated
	Forbidden
	RateLimited
	Unavailable
	TooLarge
	MethodNotAllowed
	UnsupportedMedia
	URITooLong      // the request-target is longer than the server reads
	HeadersTooLarge // the request's header section is larger than the server reads
	NotImplemented  // the request method is not one the server knows
)

var kindNames = [...]string{"Internal", "Invalid", "NotFound", "Conflict", "FailedPrecondition",
	"Unauthenticated", "Forbidden", "RateLimited", "Unavailable", "TooLarge", "MethodNotAllowed", "UnsupportedMedia",
	"URITooLong", "HeadersTooLarge", "NotImplemented"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// FieldError names one bad input field.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is the one error type that crosses from core to the edge.
type Error struct {
	Kind    Kind
	Code    string
	Message string // English fallback; the edge translates Code per Accept-Language
	Err     error  // the cause, never shown to clients
	Fields  []FieldError
	// Extra carries machine-readable details a client may act on (e.g. "available" for OUT_OF_STOCK).
	Extra map[string]any
	// RetryAfter, when set, tells the client when trying again makes sense.
	RetryAfter time.Duration
}

// New declares an error; areas call it once per code at package level.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is match any error with the same Code, so a declared sentinel matches
// the copies made by With* methods.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code
	}
	return false
}

func (e *Error) clone() *Error {
	c := *e
	c.Fields = append([]FieldError(nil), e.Fields...)
	if e.Extra != nil {
		c.Extra = make(map[string]any, len(e.Extra))
		for k, v := range e.Extra {
			c.Extra[k] = v
		}
	}
	return &c
}

// Wrap returns a copy of e caused by err.
func (e *Error) Wrap(err error) *Error {
	c := e.clone()
	c.Err = err
	return c
}

// WithMessage returns a copy of e with a more specific English message.
func (e *Error) WithMessage(format string, args ...any) *Error {
	c := e.clone()
	c.Message = fmt.Sprintf(format, args...)
	return c
}

// WithField returns a copy of e with one more field error.
func (e *Error) WithField(field, code, message string) *Error {
	c := e.clone()
	c.Fields = append(c.Fields, FieldError{Field: field, Code: code, Message: message})
	return c
}

// WithExtra returns a copy of e carrying a detail for the client.
func (e *Error) WithExtra(key string, value any) *Error {
	c := e.clone()
	if c.Extra == nil {
		c.Extra = map[string]any{}
	}
	c.Extra[key] = value
	return c
}

// WithRetryAfter returns a copy of e that tells the client to wait d.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := e.clone()
	c.RetryAfter = d
	return c
}

// As returns the domain error inside err, or an Internal one wrapping it.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrInternal.Wrap(err)
}

// KindOf returns the Kind of err (Internal for foreign errors).
func KindOf(err error) Kind { return As(err).Kind }

// Platform-wide codes; areas declare their own in their errors.go.
var (
	ErrInternal          = New(Internal, "INTERNAL", "An unexpected error occurred.")
	ErrValidation        = New(Invalid, "VALIDATION_FAILED", "The request is not valid.")
	ErrNotFound          = New(NotFound, "NOT_FOUND", "The resource was not found.")
	ErrMethodNotAllowed  = New(MethodNotAllowed, "METHOD_NOT_ALLOWED", "The method is not allowed on this resource.")
	ErrBodyTooLarge      = New(TooLarge, "BODY_TOO_LARGE", "The request body is too large.")
	ErrUnsupportedMedia  = New(UnsupportedMedia, "UNSUPPORTED_MEDIA_TYPE", "The request body must be JSON.")
	ErrURITooLong        = New(URITooLong, "URI_TOO_LONG", "The request URI is too long.")
	ErrHeadersTooLarge   = New(HeadersTooLarge, "HEADERS_TOO_LARGE", "The request headers are too large.")
	ErrNotImplemented    = New(NotImplemented, "METHOD_NOT_IMPLEMENTED", "The request method is not supported by this server.")
	ErrUnauthenticated   = New(Unauthenticated, "UNAUTHENTICATED", "Authentication is required.")
	ErrForbidden         = New(Forbidden, "FORBIDDEN", "You are not allowed to do this.")
	ErrRateLimited       = New(RateLimited, "RATE_LIMITED", "Too many requests.")
	ErrUnavailable       = New(Unavailable, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable.")
	ErrVersionConflict   = New(Conflict, "VERSION_CONFLICT", "The resource was changed by someone else.")
	ErrInvalidTransition = New(Conflict, "INVALID_STATE_TRANSITION", "That state change is not allowed.")
)
