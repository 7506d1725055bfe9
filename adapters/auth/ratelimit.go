package auth

import (
	"context"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
)

// RateLimiter applies token buckets per caller and route class. It implements server.RateLimiter.
// Buckets are kept in this process's memory, at most limits.MaxBuckets of them (see package ratelimit).
type RateLimiter struct {
	limiter *ratelimit.Limiter
	limits  ratelimit.Limits
}

// NewRateLimiter returns a limiter with limits, reading time from clock.
func NewRateLimiter(limits ratelimit.Limits, clock kernel.Clock) (*RateLimiter, error) {
	if err := limits.Validate(); err != nil {
		return nil, err
	}
	return &RateLimiter{limiter: ratelimit.New(clock, limits.MaxBuckets), limits: limits}, nil
}

// Take spends one request of caller's bucket for class.
func (r *RateLimiter) Take(_ context.Context, class server.RateClass, caller string) server.RateDecision {
	var lim ratelimit.Limit
	switch class {
	case server.RateNone:
		return server.RateDecision{Allowed: true}
	case server.RateAuth:
		lim = r.limits.Auth
	case server.RateRead:
		lim = r.limits.Read
	case server.RateCouponClaim:
		lim = r.limits.CouponClaim
	default:
		lim = r.limits.Write
	}
	d := r.limiter.Take(string(class)+"|"+caller, lim)
	return server.RateDecision{Allowed: d.Allowed, Limit: d.Limit, Remaining: d.Remaining, Reset: d.Reset, RetryAfter: d.RetryAfter}
}

// Attempts returns the sign-in guard sharing this limiter's buckets and clock, for
// identity.Options.Attempts.
func (r *RateLimiter) Attempts() *ratelimit.SignInGuard {
	return ratelimit.NewSignInGuard(r.limiter, r.limits)
}
