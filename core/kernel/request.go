package kernel

import "context"

// IdempotencyKey is a client's retry key: 1–255 printable ASCII characters.
type IdempotencyKey string

// SessionID identifies a guest's browser session: 16–128 of [A-Za-z0-9_-].
type SessionID string

// ParseIdempotencyKey validates an Idempotency-Key header value.
func ParseIdempotencyKey(s string) (IdempotencyKey, error) {
	if len(s) < 1 || len(s) > 255 {
		return "", ErrInvalidIdempotencyKey.WithField("Idempotency-Key", FieldInvalidIdempotencyKey.Code, "length must be 1–255")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return "", ErrInvalidIdempotencyKey.WithField("Idempotency-Key", FieldInvalidIdempotencyKey.Code, "only printable ASCII is allowed")
		}
	}
	return IdempotencyKey(s), nil
}

// ParseSessionID validates an X-Session-Id header value.
func ParseSessionID(s string) (SessionID, error) {
	if len(s) < 16 || len(s) > 128 {
		return "", ErrInvalidSessionID.WithField("X-Session-Id", FieldInvalidSessionID.Code, "length must be 16–128")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return "", ErrInvalidSessionID.WithField("X-Session-Id", FieldInvalidSessionID.Code, "only A-Z, a-z, 0-9, _ and - are allowed")
		}
	}
	return SessionID(s), nil
}

// Request is what the edge learned about a call, handed to core as typed values.
type Request struct {
	Principal      Principal
	Market         Market
	Locale         Locale
	IdempotencyKey IdempotencyKey // empty when the client sent none
	SessionID      SessionID      // empty when the client sent none
	TraceID        string
	TraceParent    string // W3C traceparent of the current span, carried into outbox events
	// ClientAddress is the caller's network address as per-client limits count it: an IPv4
	// address, or the /64 of an IPv6 one (one subscriber's). Behind trusted proxies it is the
	// address they forwarded. Empty outside HTTP.
	ClientAddress string
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request facts in ctx; a context without them describes a guest in the default market.
func RequestFrom(ctx context.Context) Request {
	if r, ok := ctx.Value(requestKey{}).(Request); ok {
		return r
	}
	return Request{Principal: Guest, Market: DefaultMarket, Locale: DefaultMarket.Locale()}
}
