package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/invariant"
	"github.com/jupang/jupang/core/order"
)

// Invariants is invariant.Snapshot on the store: the committed State is immutable, so one
// Snapshot of it is one consistent moment, and no unit of work waits for the check.
type Invariants struct{ store *Store }

// NewInvariants returns the snapshot reader of store.
func NewInvariants(store *Store) *Invariants { return &Invariants{store: store} }

// Facts implements invariant.Snapshot.
func (i *Invariants) Facts(ctx context.Context) (invariant.Facts, error) {
	st := i.store.Snapshot(ctx)
	return invariant.Facts{Wallets: walletFacts(st), Stock: stockFacts(st), Coupons: couponFacts(st), Orders: orderFacts(st)}, nil
}

func walletFacts(st *State) []invariant.WalletFacts {
	byUser := map[string]*invariant.WalletFacts{}
	ends := map[string]map[int64]int{} // user → balance → rows starting there minus rows ending there
	for id, w := range st.Wallet.Wallets.All() {
		byUser[id] = &invariant.WalletFacts{UserID: id, Balance: w.Balance}
		ends[id] = map[int64]int{}
	}
	for _, e := range st.Wallet.Ledger.All() {
		f, ok := byUser[e.UserID]
		if !ok { // a ledger without its wallet: a balance of nothing
			f = &invariant.WalletFacts{UserID: e.UserID}
			byUser[e.UserID], ends[e.UserID] = f, map[int64]int{}
		}
		f.Entries++
		f.LedgerSum += e.Amount
		f.MinBalanceAfter = min(f.MinBalanceAfter, e.BalanceAfter)
		ends[e.UserID][e.BalanceAfter-e.Amount]++
		ends[e.UserID][e.BalanceAfter]--
	}
	out := make([]invariant.WalletFacts, 0, len(byUser))
	for id, f := range byUser {
		net := ends[id]
		net[0]--
		net[f.LedgerSum]++
		for _, n := range net {
			if n != 0 {
				f.Unchained++
			}
		}
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b invariant.WalletFacts) int { return strings.Compare(a.UserID, b.UserID) })
	return out
}

func stockFacts(st *State) []invariant.StockFacts {
	bySKU := map[string]*invariant.StockFacts{}
	for id, l := range st.Inventory.Levels.All() {
		bySKU[id] = &invariant.StockFacts{SKUID: id, OnHand: l.OnHand, Reserved: l.Reserved}
	}
	for _, a := range st.Inventory.Audits.All() {
		f, ok := bySKU[a.SKUID]
		if !ok {
			f = &invariant.StockFacts{SKUID: a.SKUID}
			bySKU[a.SKUID] = f
		}
		f.Audits++
		f.AuditOnHand += a.DeltaOnHand()
		f.AuditReserved += a.DeltaReserved()
	}
	out := make([]invariant.StockFacts, 0, len(bySKU))
	for _, f := range bySKU {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b invariant.StockFacts) int { return strings.Compare(a.SKUID, b.SKUID) })
	return out
}

func couponFacts(st *State) []invariant.CouponFacts {
	byCoupon := map[string]*invariant.CouponFacts{}
	perUser := map[[2]string]int{}
	for id, c := range st.Coupons.Coupons.All() {
		byCoupon[id] = &invariant.CouponFacts{CouponID: id, Total: c.TotalQuantity, PerUserLimit: c.PerUserLimit, Issued: c.Issued}
	}
	for _, u := range st.Coupons.UserCoupons.All() {
		f, ok := byCoupon[u.CouponID]
		if !ok {
			f = &invariant.CouponFacts{CouponID: u.CouponID}
			byCoupon[u.CouponID] = f
		}
		f.Claims++
		if u.Status == coupon.UserUsed {
			f.Used++
		}
		k := [2]string{u.CouponID, u.UserID}
		perUser[k]++
		if n := perUser[k]; n > f.MaxPerUser || (n == f.MaxPerUser && u.UserID < f.MaxUserID) {
			f.MaxPerUser, f.MaxUserID = n, u.UserID
		}
	}
	out := make([]invariant.CouponFacts, 0, len(byCoupon))
	for _, f := range byCoupon {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b invariant.CouponFacts) int { return strings.Compare(a.CouponID, b.CouponID) })
	return out
}

func orderFacts(st *State) []invariant.OrderFacts {
	byOrder := map[string]*invariant.OrderFacts{}
	keys := map[[2]string][]string{}
	for id, o := range st.Order.Orders.All() {
		byOrder[id] = &invariant.OrderFacts{OrderID: id, Exists: true, UserID: o.UserID, Status: o.Status, Paid: o.PaidAt != nil}
		if o.IdempotencyKey != "" {
			k := [2]string{o.UserID, o.IdempotencyKey}
			keys[k] = append(keys[k], id)
		}
	}
	for _, ids := range keys {
		for _, id := range ids {
			byOrder[id].KeyShared = len(ids)
		}
	}
	for _, e := range st.Outbox.All() {
		if e.Topic != order.Topic {
			continue
		}
		f, ok := byOrder[e.AggregateID]
		if !ok {
			f = &invariant.OrderFacts{OrderID: e.AggregateID}
			byOrder[e.AggregateID] = f
		}
		switch e.Type {
		case order.EventCreated:
			f.Created++
		case order.EventPaid:
			f.PaidEvent++
		case order.EventCancelled:
			f.Cancelled++
		}
	}
	out := make([]invariant.OrderFacts, 0, len(byOrder))
	for _, f := range byOrder {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b invariant.OrderFacts) int { return strings.Compare(a.OrderID, b.OrderID) })
	return out
}
