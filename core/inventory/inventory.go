// Package inventory owns stock: one row per SKU with its on-hand and reserved units and a version,
// and the append-only audit trail every change writes in the same unit of work.
//
// # Consistency
//
// available = onHand − reserved is never negative, and neither is either count. Every change is
// applied by the adapters as one guarded statement (PostgreSQL: UPDATE … WHERE on_hand + Δon_hand >=
// reserved + Δreserved …), after the SKUs it touches were locked in ascending SKU order, so two
// requests that touch the same SKUs queue instead of deadlocking and no update is ever lost. Admin
// edits may name the version they read (expectedVersion) and fail with VERSION_CONFLICT when someone
// changed the SKU since. See docs/inventory-consistency.md.
//
// # Calling inventory from another area's unit of work
//
// The stock operations of an order (Reserve, Release, CommitSale, CancelSale, Return) take the
// inventory Stores of the caller's unit of work, so the order area's Stores carry an
// inventory.Stores field (memory.InventoryStores(tx) / postgres.InventoryStores(q) build it) and the
// stock change, its audit rows and its events commit or roll back with the order:
//
//	err := s.orderTx.Do(ctx, func(ctx context.Context, st order.Stores) error {
//		if _, err := s.inventory.Reserve(ctx, st.Inventory, inventory.ForOrder(orderID, customerID), lines); err != nil {
//			return err // OUT_OF_STOCK with "available" and "skuId"; nothing was reserved
//		}
//		…
//	})
package inventory

import (
	"cmp"
	"slices"
	"time"
)

// Topic is the Kafka topic of inventory events (key: SKU id).
const Topic = "jupang.inventory.v1"

// EventChanged is the type of the event every stock change appends to the outbox.
const EventChanged = "inventory.changed"

// MaxAdjustmentLines is the most lines one adjustment request (a stock-take) may carry.
const MaxAdjustmentLines = 1000

// DefaultLowStockThreshold is how few available units make a SKU low on stock when its row sets no
// threshold of its own (the catalog shows LOW_STOCK at the same point).
const DefaultLowStockThreshold = 5

// Level is a SKU's stock row.
type Level struct {
	SKUID     string
	ProductID string // the SKU's product (read from the catalog's SKU table)
	OnHand    int
	Reserved  int
	Version   int // starts at 1, +1 on every change
	// LowStockThreshold overrides DefaultLowStockThreshold for this SKU when set.
	LowStockThreshold *int
	UpdatedAt         time.Time
}

// Available is how many units can still be reserved.
func (l Level) Available() int { return l.OnHand - l.Reserved }

// Threshold is the low-stock threshold in effect for the SKU.
func (l Level) Threshold() int {
	if l.LowStockThreshold != nil {
		return *l.LowStockThreshold
	}
	return DefaultLowStockThreshold
}

// IsLow reports whether the SKU's available units are at or below its threshold.
func (l Level) IsLow() bool { return l.Available() <= l.Threshold() }

// Reason says what kind of change an audit row records (column inventory_audits.reason).
type Reason string

// The reasons of a stock change.
const (
	ReasonOpening    Reason = "OPENING"    // the SKU's first stock (the seed, a new SKU)
	ReasonReserve    Reason = "RESERVE"    // an order reserved units: reserved +q
	ReasonRelease    Reason = "RELEASE"    // an unpaid order gave its reservation back: reserved −q
	ReasonSale       Reason = "SALE"       // a paid order took its units: on_hand −q, and reserved −q when they were reserved first
	ReasonCancel     Reason = "CANCEL"     // a paid order was cancelled: its units go back on hand, on_hand +q
	ReasonReturn     Reason = "RETURN"     // refunded units came back to stock: on_hand +q
	ReasonAdjustment Reason = "ADJUSTMENT" // staff changed on_hand (see AdjustmentReason)
)

// Reasons lists every Reason, for validating filters.
var Reasons = []Reason{ReasonOpening, ReasonReserve, ReasonRelease, ReasonSale, ReasonCancel, ReasonReturn, ReasonAdjustment}

// AdjustmentReason is why staff adjusted stock (column inventory_audits.adjustment_reason).
type AdjustmentReason string

// The reasons staff may give for an adjustment.
const (
	AdjustReceived   AdjustmentReason = "RECEIVED"
	AdjustDamaged    AdjustmentReason = "DAMAGED"
	AdjustLost       AdjustmentReason = "LOST"
	AdjustCorrection AdjustmentReason = "CORRECTION"
	AdjustReturned   AdjustmentReason = "RETURNED"
)

// AdjustmentReasons lists every AdjustmentReason.
var AdjustmentReasons = []AdjustmentReason{AdjustReceived, AdjustDamaged, AdjustLost, AdjustCorrection, AdjustReturned}

// Counts are a SKU's on-hand and reserved units at one moment.
type Counts struct {
	OnHand   int
	Reserved int
}

// Audit is one row of the append-only audit trail: one change of one SKU.
type Audit struct {
	ID               string
	SKUID            string
	Reason           Reason
	AdjustmentReason AdjustmentReason // set for ADJUSTMENT only
	Before, After    Counts
	VersionAfter     int
	ActorID          string // "" for a system job
	OrderID          string // the order that caused it, if any
	BatchID          string // groups the rows of one adjustment request
	TraceID          string
	Note             string
	CreatedAt        time.Time
}

// DeltaOnHand is the change of on-hand units.
func (a Audit) DeltaOnHand() int { return a.After.OnHand - a.Before.OnHand }

// DeltaReserved is the change of reserved units.
func (a Audit) DeltaReserved() int { return a.After.Reserved - a.Before.Reserved }

// Change is one guarded change the adapters apply to a SKU's row: the deltas, and optionally the
// version the row must have. The adapter applies it only when the result keeps on_hand ≥ 0,
// reserved ≥ 0 and reserved ≤ on_hand (and the version matches), in the same statement that checks
// it, and writes its audit row with the true before and after.
type Change struct {
	SKUID            string
	DeltaOnHand      int
	DeltaReserved    int
	ExpectedVersion  int // 0: any version
	Reason           Reason
	AdjustmentReason AdjustmentReason
	Note             string
	AuditID          string
}

// Fits reports whether c may apply to l: the guard every adapter evaluates together with the write.
func (c Change) Fits(l Level) bool {
	onHand, reserved := l.OnHand+c.DeltaOnHand, l.Reserved+c.DeltaReserved
	return onHand >= 0 && reserved >= 0 && reserved <= onHand && (c.ExpectedVersion == 0 || c.ExpectedVersion == l.Version)
}

// Cause is what every change of one Apply shares: who made it, for which order or batch, when.
type Cause struct {
	ActorID string
	OrderID string
	BatchID string
	TraceID string
	At      time.Time
}

// Line is a quantity of one SKU in a stock operation of an order.
type Line struct {
	SKUID    string
	Quantity int
}

// mergeLines sums the quantities per SKU and sorts by SKU id: the order every lock is taken in.
func mergeLines(lines []Line) []Line {
	out := make([]Line, 0, len(lines))
	for _, l := range lines {
		if i := slices.IndexFunc(out, func(o Line) bool { return o.SKUID == l.SKUID }); i >= 0 {
			out[i].Quantity += l.Quantity
			continue
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Line) int { return cmp.Compare(a.SKUID, b.SKUID) })
	return out
}

// AuditQuery filters the audit trail; zero fields do not filter. Results are newest first.
type AuditQuery struct {
	SKUID   string
	ActorID string
	Reason  Reason
	OrderID string
	From    time.Time // created_at >= From
	To      time.Time // created_at < To
	After   *AuditPosition
	Limit   int
}

// AuditPosition is a keyset position in the audit trail (newest first).
type AuditPosition struct {
	CreatedAt time.Time `json:"t"`
	ID        string    `json:"i"`
}

// Matches reports whether a passes q's filters (not the position or limit).
func (q AuditQuery) Matches(a Audit) bool {
	return (q.SKUID == "" || a.SKUID == q.SKUID) && (q.ActorID == "" || a.ActorID == q.ActorID) &&
		(q.Reason == "" || a.Reason == q.Reason) && (q.OrderID == "" || a.OrderID == q.OrderID) &&
		(q.From.IsZero() || !a.CreatedAt.Before(q.From)) && (q.To.IsZero() || a.CreatedAt.Before(q.To))
}

// Before reports whether a comes after position p in newest-first order.
func (p AuditPosition) Before(a Audit) bool {
	if c := a.CreatedAt.Compare(p.CreatedAt); c != 0 {
		return c < 0
	}
	return a.ID < p.ID
}

// LevelQuery lists stock rows in SKU id order; zero fields do not filter.
type LevelQuery struct {
	LowStock  bool   // only SKUs whose available units are at or below their threshold
	ProductID string // only this product's SKUs
	AfterSKU  string // keyset: SKU ids greater than this
	Limit     int
}

// Matches reports whether l passes q's low-stock filter (the product filter is the adapter's).
func (q LevelQuery) Matches(l Level) bool { return !q.LowStock || l.IsLow() }
