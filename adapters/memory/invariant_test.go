package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/wallet"
)

func TestInvariantContract(t *testing.T) {
	contracttest.RunInvariants(t, func(*testing.T) contracttest.InvariantHarness {
		store := memory.NewStore()
		return contracttest.InvariantHarness{
			Order: orderHarnessOn(store),
			Coupons: contracttest.CouponHarness{Tx: memory.NewUnitOfWork(store, memory.CouponStores), Outbox: memory.NewOutboxReader(store),
				NewUsers: func(_ *testing.T, n int) []string {
					ids := make([]string, n)
					for i := range ids {
						ids[i] = kernel.NewID()
					}
					return ids
				},
				NewOrder: func(*testing.T, string) string { return kernel.NewID() }},
			Snapshot: memory.NewInvariants(store),
			Tamper:   tamper{memory.NewUnitOfWork(store, func(tx *memory.Tx) *memory.Tx { return tx })},
		}
	})
}

// tamper writes the memory State directly, past every use case.
type tamper struct {
	tx *memory.UnitOfWork[*memory.Tx]
}

func (m tamper) SetBalance(ctx context.Context, userID string, balance int64) error {
	return m.tx.Do(ctx, func(_ context.Context, tx *memory.Tx) error {
		t := memory.Mutable(tx, &tx.State.Wallet.Wallets)
		w, _ := t.Get(userID)
		w.Balance = balance
		t.Put(userID, w)
		return nil
	})
}

func (m tamper) AppendEntry(ctx context.Context, userID string, amount, balanceAfter int64) error {
	return m.tx.Do(ctx, func(_ context.Context, tx *memory.Tx) error {
		id := kernel.NewID()
		memory.Mutable(tx, &tx.State.Wallet.Ledger).Put(id, wallet.Entry{ID: id, UserID: userID, Type: wallet.TypeAdjustment,
			Amount: amount, BalanceAfter: balanceAfter, Currency: kernel.KRW, CreatedAt: time.Now()})
		return nil
	})
}

func (m tamper) SetStock(ctx context.Context, skuID string, onHand, reserved int) error {
	return m.tx.Do(ctx, func(_ context.Context, tx *memory.Tx) error {
		t := memory.Mutable(tx, &tx.State.Inventory.Levels)
		l, _ := t.Get(skuID)
		l.OnHand, l.Reserved = onHand, reserved
		t.Put(skuID, l)
		return nil
	})
}

func (m tamper) AddClaim(ctx context.Context, couponID, userID string, claimNo int) error {
	return m.tx.Do(ctx, func(_ context.Context, tx *memory.Tx) error {
		id, now := kernel.NewID(), time.Now()
		memory.Mutable(tx, &tx.State.Coupons.UserCoupons).Put(id, coupon.UserCoupon{ID: id, CouponID: couponID, UserID: userID,
			ClaimNo: claimNo, Status: coupon.UserAvailable, ClaimedAt: now, ExpiresAt: now.Add(time.Hour), UpdatedAt: now})
		return nil
	})
}

func (m tamper) DropOrderEvents(ctx context.Context, orderID, eventType string) error {
	return m.tx.Do(ctx, func(_ context.Context, tx *memory.Tx) error {
		t := memory.Mutable(tx, &tx.State.Outbox)
		for id, e := range t.All() {
			if e.AggregateID == orderID && e.Type == eventType {
				t.Delete(id)
			}
		}
		return nil
	})
}

func (m tamper) AddOrderEvent(ctx context.Context, orderID, eventType string) error {
	return m.tx.Do(ctx, func(ctx context.Context, tx *memory.Tx) error {
		e, err := integration.NewEvent(ctx, kernel.SystemClock{}, order.Topic, eventType, orderID, "orders/"+orderID, map[string]string{"orderId": orderID})
		if err != nil {
			return err
		}
		return memory.NewOutbox(tx).Append(ctx, e)
	})
}

func (m tamper) CopyOrder(ctx context.Context, orderID string) error {
	return m.tx.Do(ctx, func(_ context.Context, tx *memory.Tx) error {
		t := memory.Mutable(tx, &tx.State.Order.Orders)
		o, ok := t.Get(orderID)
		if !ok {
			return fmt.Errorf("no order %s", orderID)
		}
		o.ID = kernel.NewID()
		t.Put(o.ID, o)
		return nil
	})
}
