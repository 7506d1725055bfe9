// Package errs is the domain error type: a Kind that says what sort of failure it is, and a stable
// UPPER_SNAKE Code that clients can rely on. Nothing here knows about HTTP; the edge maps Kind to a status.
//
// # Declaring an area's codes
//
// Each code is written once, in its area's errors.go, with its kind and its Korean, English and
// Japanese texts; field codes (errors[].code of VALIDATION_FAILED) likewise. A function Codes lists
// them all, and the binaries' message catalog (core/i18n) is built from those lists:
//
//	// core/coupon/errors.go
//	var (
//		ErrSoldOut = errs.New(errs.Conflict, "COUPON_SOLD_OUT", errs.Text{
//			KO: "쿠폰이 모두 소진되었습니다.",
//			EN: "This coupon has run out.",
//			JA: "このクーポンは配布上限に達しました。",
//		})
//		FieldInvalidCode = errs.NewFieldCode("INVALID_COUPON_CODE", errs.Text{KO: "…", EN: "…", JA: "…"})
//	)
//
//	// Codes lists every code the coupon area declares.
//	func Codes() errs.Codes {
//		return errs.Codes{Area: "coupon", Errors: []*errs.Error{ErrSoldOut}, Fields: []errs.FieldCode{FieldInvalidCode}}
//	}
//
// The area then adds coupon.Codes() to wiring.Messages and a row per code to the code tables of its
// OpenAPI fragment. A test there walks every listed code, fails on a missing language, a code
// declared twice, a code missing from the OpenAPI documents, an errs.New or errs.NewFieldCode in the
// source that no Codes lists, and a field code written as text (WithField in an adapter) that none
// declares. Generic field codes (FieldRequired, FieldOutOfRange, …) are the platform's, below: reuse
// them rather than declaring a twin.
//
// An area validates its input with Validation, which collects field errors into one
// VALIDATION_FAILED error.
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

// Text is one message in every supported language. Korean is polite 존댓말 (합니다체 or 해요체),
// Japanese is です・ます調; each is a full sentence ending in its language's full stop.
type Text struct {
	KO string
	EN string
	JA string
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
	text       Text // the texts Code was declared with
}

// New declares an error code with its kind and its texts; areas call it once per code at package
// level and list it in their Codes. The English text is the error's Message.
func New(kind Kind, code string, text Text) *Error {
	return &Error{Kind: kind, Code: code, Message: text.EN, text: text}
}

// Text returns the texts the error's code was declared with (WithMessage does not change them).
func (e *Error) Text() Text { return e.text }

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

// WithMessage returns a copy of e with a more specific English message (for logs and the OAuth
// error description; problem+json shows the code's declared texts).
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
