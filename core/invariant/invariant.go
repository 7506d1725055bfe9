// Package invariant checks that money, stock, coupons and orders agree with their own records:
// the facts of every wallet, SKU, coupon and order are read from one consistent snapshot of the
// storage (Snapshot), and the Checker decides what is a violation. An empty report means clean.
//
// The storage answers per entity with aggregates (sums and counts), never row by row, so a check
// of a loaded database costs a few grouped scans; every comparison is made here.
package invariant

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/jupang/jupang/core/order"
)

// Snapshot reads the facts of every entity from one consistent snapshot of the storage (on
// PostgreSQL one REPEATABLE READ transaction), so that no check compares two moments.
type Snapshot interface {
	Facts(ctx context.Context) (Facts, error)
}

// Facts are what the checks compare, one row per entity.
type Facts struct {
	Wallets []WalletFacts
	Stock   []StockFacts
	Coupons []CouponFacts
	Orders  []OrderFacts
}

// WalletFacts are one wallet and the aggregates of its ledger.
type WalletFacts struct {
	UserID          string
	Balance         int64 // wallets.balance
	Entries         int   // ledger rows
	LedgerSum       int64 // the sum of the ledger rows' signed amounts
	MinBalanceAfter int64 // the lowest balanceAfter of a row, or 0 when none is lower
	// Unchained counts the balances at which a different number of ledger rows start
	// (balanceAfter - amount) than end (balanceAfter), counting the opening 0 as an end and
	// LedgerSum as a start. It is 0 exactly when every row starts from the balance another row
	// left (or from 0) and the rows run from 0 to LedgerSum, whatever order their ids have:
	// the ids are made before the row lock orders concurrent movements.
	Unchained int
}

// StockFacts are one SKU's stock row and the sums of its audit rows.
type StockFacts struct {
	SKUID         string
	OnHand        int // inventory.on_hand (0 when the SKU has audit rows but no stock row)
	Reserved      int
	Audits        int
	AuditOnHand   int // the sum of the audit rows' on-hand deltas
	AuditReserved int // the sum of their reserved deltas
}

// CouponFacts are one coupon's limits and the aggregates of its claims.
type CouponFacts struct {
	CouponID     string
	Total        *int // nil: unlimited
	PerUserLimit int
	Issued       int // the claim counter (on PostgreSQL the sum of the coupon's bucket rows)
	Claims       int // user coupons of the coupon
	Used         int // of them USED
	MaxPerUser   int // the most claims one user holds
	MaxUserID    string
}

// OrderFacts are one order id: the order (when it exists) and the counts of its outbox events
// (topic order.Topic, keyed by the order id).
type OrderFacts struct {
	OrderID string
	Exists  bool // false: outbox events of an order that does not exist
	UserID  string
	Status  order.Status
	Paid    bool // the order was paid (paid_at is set)
	// KeyShared is how many orders have this order's (customer, idempotency key), this one
	// included; 0 for an order placed without a key.
	KeyShared int
	Created   int // order.created events
	PaidEvent int // order.paid events
	Cancelled int // order.cancelled events
}

// Entity is the kind of thing a violation is about.
type Entity string

// The entities the checks cover.
const (
	Wallet Entity = "wallet"
	SKU    Entity = "sku"
	Coupon Entity = "coupon"
	Order  Entity = "order"
)

// Violation is one broken invariant of one entity.
type Violation struct {
	Entity Entity
	ID     string // the wallet's user id, the SKU, coupon or order id
	Check  string // which rule, e.g. "balance = ledger sum"
	Detail string // the facts that break it
}

func (v Violation) String() string {
	return fmt.Sprintf("%s %s: %s (%s)", v.Entity, v.ID, v.Check, v.Detail)
}

// Report is the outcome of one check: what was looked at and what is wrong.
type Report struct {
	Wallets, SKUs, Coupons, Orders int // entities checked
	Violations                     []Violation
}

// Clean reports whether nothing is wrong.
func (r Report) Clean() bool { return len(r.Violations) == 0 }

// Of returns the violations about the given entities (every violation when none is given).
func (r Report) Of(entities ...Entity) []Violation {
	if len(entities) == 0 {
		return r.Violations
	}
	var out []Violation
	for _, v := range r.Violations {
		for _, e := range entities {
			if v.Entity == e {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

// WriteTo prints the report: a summary line, then one line per violation.
func (r Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	verdict := "clean"
	if !r.Clean() {
		verdict = fmt.Sprintf("%d violations", len(r.Violations))
	}
	fmt.Fprintf(&b, "invariants: %s (%d wallets, %d SKUs, %d coupons, %d orders)\n", verdict, r.Wallets, r.SKUs, r.Coupons, r.Orders)
	for _, v := range r.Violations {
		b.WriteString("  " + v.String() + "\n")
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// Checker is the invariant check use case.
type Checker struct{ snap Snapshot }

// NewChecker returns a checker reading through snap.
func NewChecker(snap Snapshot) *Checker { return &Checker{snap: snap} }

// Check reads one snapshot and reports every violation in it.
func (c *Checker) Check(ctx context.Context) (Report, error) {
	f, err := c.snap.Facts(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("invariant: reading the snapshot: %w", err)
	}
	return Judge(f), nil
}

// Judge decides which facts break an invariant.
func Judge(f Facts) Report {
	r := Report{Wallets: len(f.Wallets), SKUs: len(f.Stock), Coupons: len(f.Coupons), Orders: len(f.Orders)}
	add := func(e Entity, id string, broken bool, check, format string, args ...any) {
		if broken {
			r.Violations = append(r.Violations, Violation{Entity: e, ID: id, Check: check, Detail: fmt.Sprintf(format, args...)})
		}
	}
	for _, w := range f.Wallets {
		add(Wallet, w.UserID, w.Balance != w.LedgerSum, "balance = ledger sum", "balance %d, %d entries sum to %d", w.Balance, w.Entries, w.LedgerSum)
		add(Wallet, w.UserID, w.Balance < 0, "balance >= 0", "balance %d", w.Balance)
		add(Wallet, w.UserID, w.MinBalanceAfter < 0, "balanceAfter >= 0", "an entry left %d", w.MinBalanceAfter)
		add(Wallet, w.UserID, w.Unchained > 0, "each balanceAfter follows the one before",
			"%d balances where entries start and end do not pair up", w.Unchained)
	}
	for _, s := range f.Stock {
		add(SKU, s.SKUID, s.OnHand != s.AuditOnHand, "on_hand = audit deltas", "on_hand %d, %d audit rows sum to %d", s.OnHand, s.Audits, s.AuditOnHand)
		add(SKU, s.SKUID, s.Reserved != s.AuditReserved, "reserved = audit deltas", "reserved %d, %d audit rows sum to %d", s.Reserved, s.Audits, s.AuditReserved)
		add(SKU, s.SKUID, s.OnHand < 0 || s.Reserved < 0 || s.Reserved > s.OnHand, "0 <= reserved <= on_hand",
			"on_hand %d, reserved %d", s.OnHand, s.Reserved)
	}
	for _, c := range f.Coupons {
		add(Coupon, c.CouponID, c.Issued != c.Claims, "issued counter = claims", "counter %d, %d claims", c.Issued, c.Claims)
		add(Coupon, c.CouponID, c.Used > c.Claims, "used <= claimed", "%d used of %d claimed", c.Used, c.Claims)
		if c.Total != nil {
			add(Coupon, c.CouponID, max(c.Claims, c.Issued) > *c.Total, "claimed <= total", "%d claimed (counter %d) of %d", c.Claims, c.Issued, *c.Total)
		}
		add(Coupon, c.CouponID, c.MaxPerUser > c.PerUserLimit, "claims per user <= perUserLimit",
			"user %s holds %d, limit %d", c.MaxUserID, c.MaxPerUser, c.PerUserLimit)
	}
	for _, o := range f.Orders {
		if !o.Exists {
			add(Order, o.OrderID, true, "every order event has its order", "%d order.created, %d order.paid, %d order.cancelled events, no order",
				o.Created, o.PaidEvent, o.Cancelled)
			continue
		}
		add(Order, o.OrderID, o.Created != 1, "one order.created event", "%d", o.Created)
		add(Order, o.OrderID, o.PaidEvent != once(o.Paid), "one order.paid event when paid, else none", "paid %t, %d events", o.Paid, o.PaidEvent)
		add(Order, o.OrderID, o.Cancelled != once(o.Status == order.Cancelled), "one order.cancelled event when cancelled, else none",
			"status %s, %d events", o.Status, o.Cancelled)
		add(Order, o.OrderID, o.KeyShared > 1, "one order per (customer, idempotency key)", "customer %s has %d orders with its key", o.UserID, o.KeyShared)
	}
	return r
}

func once(b bool) int {
	if b {
		return 1
	}
	return 0
}
