package contracttest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

// GatewayHarness builds a fresh test payment gateway (the mock gateway on one storage) whose late
// approvals and lost answers follow clock; lateDelay is how long tok_late stays PROCESSING.
type GatewayHarness func(t *testing.T, clock kernel.Clock, lateDelay time.Duration) order.PaymentGateway

// RunPaymentGateway is the contract of order.PaymentGateway with the test tokens.
func RunPaymentGateway(t *testing.T, newGateway GatewayHarness) {
	won := func(n int64) kernel.Money { return kernel.NewMoney(n, kernel.KRW) }
	start := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	setup := func(t *testing.T) (order.PaymentGateway, *kernel.FakeClock, context.Context) {
		clock := kernel.NewFakeClock(start)
		return newGateway(t, clock, 20*time.Minute), clock, context.Background()
	}

	t.Run("approve is idempotent by order id", func(t *testing.T) {
		g, _, ctx := setup(t)
		id := kernel.NewID()
		first, err := g.Charge(ctx, order.ChargeRequest{OrderID: id, Amount: won(12900), Token: order.TokenApprove})
		if err != nil || first.Status != order.ChargeApproved || first.Reference == "" || first.Last4 == "" || first.Amount != won(12900) {
			t.Fatalf("charge: %+v %v", first, err)
		}
		again, err := g.Charge(ctx, order.ChargeRequest{OrderID: id, Amount: won(12900), Token: order.TokenApprove})
		if err != nil || again.Reference != first.Reference {
			t.Fatalf("second charge of one order: %+v %v (first %s)", again, err, first.Reference)
		}
		if got, err := g.Lookup(ctx, id); err != nil || got.Status != order.ChargeApproved || got.Reference != first.Reference {
			t.Fatalf("lookup: %+v %v", got, err)
		}
	})
	t.Run("decline and unknown tokens", func(t *testing.T) {
		g, _, ctx := setup(t)
		for token, code := range map[string]string{order.TokenDecline: "CARD_DECLINED", "tok_nonsense": "UNKNOWN_TOKEN"} {
			c, err := g.Charge(ctx, order.ChargeRequest{OrderID: kernel.NewID(), Amount: won(500), Token: token})
			if err != nil || c.Status != order.ChargeDeclined || c.FailureCode != code {
				t.Fatalf("%s: %+v %v", token, c, err)
			}
		}
	})
	t.Run("a lost answer is found by lookup and by asking again", func(t *testing.T) {
		g, _, ctx := setup(t)
		id := kernel.NewID()
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if c, err := g.Charge(short, order.ChargeRequest{OrderID: id, Amount: won(700), Token: order.TokenTimeout}); err == nil {
			t.Fatalf("tok_timeout answered at once: %+v", c)
		}
		if c, err := g.Lookup(ctx, id); err != nil || c.Status != order.ChargeApproved {
			t.Fatalf("lookup after the lost answer: %+v %v", c, err)
		}
		if c, err := g.Charge(ctx, order.ChargeRequest{OrderID: id, Amount: won(700), Token: order.TokenTimeout}); err != nil || c.Status != order.ChargeApproved {
			t.Fatalf("asking again: %+v %v", c, err)
		}
	})
	t.Run("tok_late is processing until its delay passed", func(t *testing.T) {
		g, clock, ctx := setup(t)
		id := kernel.NewID()
		c, err := g.Charge(ctx, order.ChargeRequest{OrderID: id, Amount: won(900), Token: order.TokenLate})
		if err != nil || c.Status != order.ChargeProcessing || c.Final() {
			t.Fatalf("late charge: %+v %v", c, err)
		}
		clock.Advance(19 * time.Minute)
		if c, _ := g.Lookup(ctx, id); c.Status != order.ChargeProcessing {
			t.Fatalf("approved early: %+v", c)
		}
		if _, err := g.Refund(ctx, id); err == nil {
			t.Fatal("a processing charge was refunded")
		}
		clock.Advance(time.Minute)
		if c, _ := g.Lookup(ctx, id); c.Status != order.ChargeApproved {
			t.Fatalf("not approved after the delay: %+v", c)
		}
	})
	t.Run("refund once, then a no-op", func(t *testing.T) {
		g, _, ctx := setup(t)
		id := kernel.NewID()
		if _, err := g.Charge(ctx, order.ChargeRequest{OrderID: id, Amount: won(300), Token: order.TokenApprove}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if c, err := g.Refund(ctx, id); err != nil || c.Status != order.ChargeRefunded {
				t.Fatalf("refund %d: %+v %v", i, c, err)
			}
		}
		if _, err := g.Refund(ctx, kernel.NewID()); err == nil {
			t.Fatal("refunded a charge that does not exist")
		}
		if c, err := g.Lookup(ctx, kernel.NewID()); err != nil || c.Status != order.ChargeNotFound {
			t.Fatalf("lookup of nothing: %+v %v", c, err)
		}
	})
	t.Run("concurrent charges of one order make one charge", func(t *testing.T) {
		g, _, ctx := setup(t)
		id := kernel.NewID()
		refs := make([]string, 100)
		var wg sync.WaitGroup
		for i := range refs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := g.Charge(ctx, order.ChargeRequest{OrderID: id, Amount: won(100), Token: order.TokenApprove})
				if err != nil {
					t.Error(err)
				}
				refs[i] = c.Reference
			}()
		}
		wg.Wait()
		for _, r := range refs {
			if r != refs[0] || r == "" {
				t.Fatalf("two references for one order: %q and %q", refs[0], r)
			}
		}
	})
}
