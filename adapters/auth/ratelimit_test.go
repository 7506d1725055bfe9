package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
)

func TestRateLimiterBucketsPerClassAndCaller(t *testing.T) {
	clock := kernel.NewFakeClock(now)
	limits := ratelimit.DefaultLimits()
	limits.Auth = ratelimit.Limit{Requests: 2, Per: time.Minute, Burst: 2}
	rl, err := auth.NewRateLimiter(limits, clock)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if d := rl.Take(ctx, server.RateAuth, "ip:1.2.3.4"); !d.Allowed || d.Limit != 2 {
			t.Fatalf("take %d: %+v", i, d)
		}
	}
	d := rl.Take(ctx, server.RateAuth, "ip:1.2.3.4")
	if d.Allowed || d.RetryAfter != 30*time.Second {
		t.Fatalf("over the limit: %+v", d)
	}
	if !rl.Take(ctx, server.RateAuth, "ip:5.6.7.8").Allowed || !rl.Take(ctx, server.RateRead, "ip:1.2.3.4").Allowed {
		t.Fatal("other callers and other classes have their own buckets")
	}
	if d := rl.Take(ctx, server.RateRead, "ip:9.9.9.9"); d.Limit != limits.Read.Burst {
		t.Fatalf("read limit %+v", d)
	}
	if d := rl.Take(ctx, server.RateCouponClaim, "ip:9.9.9.9"); d.Limit != limits.CouponClaim.Burst {
		t.Fatalf("coupon-claim limit %+v", d)
	}
	if d := rl.Take(ctx, server.RateWrite, "ip:9.9.9.9"); d.Limit != limits.Write.Burst {
		t.Fatalf("write limit %+v", d)
	}
	clock.Advance(30 * time.Second)
	if !rl.Take(ctx, server.RateAuth, "ip:1.2.3.4").Allowed {
		t.Fatal("a token is back after 30 s")
	}
	bad := limits
	bad.Read.Per = 0
	if _, err := auth.NewRateLimiter(bad, clock); err == nil {
		t.Fatal("invalid limits accepted")
	}
	bad = limits
	bad.MaxBuckets = 0
	if _, err := auth.NewRateLimiter(bad, clock); err == nil {
		t.Fatal("a zero bucket cap accepted")
	}
}
