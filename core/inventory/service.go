package inventory

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// Service is the inventory use cases: the stock operations of orders, staff adjustments, the
// opening stock of the seed, and the admin reads.
type Service struct {
	tx    uow.UnitOfWork[Stores]
	read  Reader
	clock kernel.Clock
}

// NewService returns the inventory use cases over tx (writes) and read (admin reads).
func NewService(tx uow.UnitOfWork[Stores], read Reader, clock kernel.Clock) *Service {
	return &Service{tx: tx, read: read, clock: clock}
}

// WithClock returns a copy of the service that tells time by clock: the dev seed writes its past
// orders' stock moves at their own instants.
func (s *Service) WithClock(clock kernel.Clock) *Service {
	c := *s
	c.clock = clock
	return &c
}

// OrderRef names the order a stock operation belongs to and who caused it ("" for a system job).
type OrderRef struct {
	OrderID string
	ActorID string
}

// ForOrder is the OrderRef of an order's stock operation.
func ForOrder(orderID, actorID string) OrderRef { return OrderRef{OrderID: orderID, ActorID: actorID} }

// Reserve sets units aside for an order: reserved +q per line, only where that many are
// available. A line over what is available is OUT_OF_STOCK carrying "skuId" and "available";
// an unknown SKU is SKU_NOT_FOUND. Either way nothing is reserved. It runs in the caller's unit of
// work (st); repeated SKUs are summed. It returns the SKUs' rows after the change.
func (s *Service) Reserve(ctx context.Context, st Stores, ref OrderRef, lines []Line) ([]Level, error) {
	return s.orderMove(ctx, st, ref, ReasonReserve, lines, func(q int) (int, int) { return 0, q }, outOfStock)
}

// Release gives an unpaid order's reservation back: reserved −q per line.
func (s *Service) Release(ctx context.Context, st Stores, ref OrderRef, lines []Line) ([]Level, error) {
	return s.orderMove(ctx, st, ref, ReasonRelease, lines, func(q int) (int, int) { return 0, -q }, mismatch)
}

// CommitSale turns a paid order's reservation into a sale: on_hand −q and reserved −q per line.
func (s *Service) CommitSale(ctx context.Context, st Stores, ref OrderRef, lines []Line) ([]Level, error) {
	return s.orderMove(ctx, st, ref, ReasonSale, lines, func(q int) (int, int) { return -q, -q }, mismatch)
}

// Sell takes units straight from what is available for an order paid in full at once: on_hand −q
// per line, only where that many are available (reserved untouched), so the order needs one stock
// step instead of Reserve then CommitSale. Refusals are Reserve's (OUT_OF_STOCK with "skuId" and
// "available", SKU_NOT_FOUND), and nothing is sold.
func (s *Service) Sell(ctx context.Context, st Stores, ref OrderRef, lines []Line) ([]Level, error) {
	return s.orderMove(ctx, st, ref, ReasonSale, lines, func(q int) (int, int) { return -q, 0 }, outOfStock)
}

// CancelSale puts a cancelled paid order's units back on hand: on_hand +q per line.
func (s *Service) CancelSale(ctx context.Context, st Stores, ref OrderRef, lines []Line) ([]Level, error) {
	return s.orderMove(ctx, st, ref, ReasonCancel, lines, restock, mismatch)
}

// Return puts refunded units back on hand: on_hand +q per line (ref.OrderID may be empty).
func (s *Service) Return(ctx context.Context, st Stores, ref OrderRef, lines []Line) ([]Level, error) {
	return s.orderMove(ctx, st, ref, ReasonReturn, lines, restock, mismatch)
}

func restock(q int) (int, int) { return q, 0 }

func outOfStock(l Level) error {
	return ErrOutOfStock.WithExtra("skuId", l.SKUID).WithExtra("available", max(0, l.Available()))
}

func mismatch(l Level) error {
	return ErrStockMismatch.WithExtra("skuId", l.SKUID)
}

// orderMove is one stock operation of an order: validate, then lock the SKUs in ascending order
// and apply the lines' deltas with their audit rows in one step (Stock.Take: the guard that each
// row keeps on_hand ≥ reserved ≥ 0 is evaluated on the row as locked, by the statement that
// writes it), and append one inventory.changed event per SKU. A line that does not fit is refused
// as refusal says of its row as locked (OUT_OF_STOCK with what is available, or a mismatch).
func (s *Service) orderMove(ctx context.Context, st Stores, ref OrderRef, reason Reason, lines []Line,
	deltas func(q int) (onHand, reserved int), refusal func(l Level) error) ([]Level, error) {
	var v errs.Validation
	v.Check(len(lines) > 0, "lines", errs.FieldRequired, "at least one line is required")
	for i, l := range lines {
		at := "lines[" + strconv.Itoa(i) + "]"
		v.Check(kernel.IsID(l.SKUID), at+".skuId", errs.FieldInvalidID, "must be a UUID")
		v.Check(l.Quantity >= 1 && l.Quantity <= 1_000_000, at+".quantity", errs.FieldOutOfRange, "must be 1..1000000")
	}
	if reason != ReasonReturn {
		v.Check(kernel.IsID(ref.OrderID), "orderId", errs.FieldInvalidID, "must be a UUID")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	merged := mergeLines(lines)
	changes := make([]Change, len(merged))
	for i, l := range merged {
		onHand, reserved := deltas(l.Quantity)
		changes[i] = Change{SKUID: l.SKUID, DeltaOnHand: onHand, DeltaReserved: reserved, Reason: reason, AuditID: kernel.NewID()}
	}
	cause := Cause{ActorID: ref.ActorID, OrderID: ref.OrderID, TraceID: kernel.RequestFrom(ctx).TraceID, At: s.now()}
	levels, audits, err := st.Stock.Take(ctx, cause, changes)
	if errors.Is(err, ErrStockChanged) {
		skuID, _ := errs.As(err).Extra["skuId"].(string)
		l, ok := levels[skuID]
		if !ok {
			return nil, ErrSKUNotFound.WithExtra("skuId", skuID)
		}
		return nil, refusal(l)
	}
	if err != nil {
		return nil, err
	}
	return s.applied(ctx, st, audits, levels)
}

// apply writes the checked changes and their events; levels are the rows as locked.
func (s *Service) apply(ctx context.Context, st Stores, cause Cause, changes []Change, levels map[string]Level) ([]Level, []Audit, error) {
	audits, err := st.Stock.Apply(ctx, cause, changes)
	if err != nil {
		return nil, nil, err
	}
	out, err := s.applied(ctx, st, audits, levels)
	return out, audits, err
}

// applied appends the events of written audits and tells the catalog; levels are the rows as
// locked. It returns the rows after the change.
func (s *Service) applied(ctx context.Context, st Stores, audits []Audit, levels map[string]Level) ([]Level, error) {
	out := make([]Level, len(audits))
	events := make([]integration.Event, len(audits))
	var err error
	for i, a := range audits {
		l := levels[a.SKUID]
		l.OnHand, l.Reserved, l.Version, l.UpdatedAt = a.After.OnHand, a.After.Reserved, a.VersionAfter, a.CreatedAt
		out[i] = l
		if events[i], err = changedEvent(ctx, s.clock, l, a); err != nil {
			return nil, err
		}
	}
	if err := st.Outbox.Append(ctx, events...); err != nil {
		return nil, err
	}
	if err := st.Catalog.AvailabilityChanged(ctx, skuIDsOf(audits)); err != nil {
		return nil, err
	}
	return out, nil
}

// ChangedData is the data of an inventory.changed event.
type ChangedData struct {
	SKUID            string           `json:"skuId"`
	ProductID        string           `json:"productId,omitempty"`
	Reason           Reason           `json:"reason"`
	AdjustmentReason AdjustmentReason `json:"adjustmentReason,omitempty"`
	OnHand           int              `json:"onHand"`
	Reserved         int              `json:"reserved"`
	Available        int              `json:"available"`
	Version          int              `json:"version"`
	DeltaOnHand      int              `json:"deltaOnHand"`
	DeltaReserved    int              `json:"deltaReserved"`
	OrderID          string           `json:"orderId,omitempty"`
	BatchID          string           `json:"batchId,omitempty"`
	AuditID          string           `json:"auditId"`
	ActorID          string           `json:"actorId,omitempty"`
}

func changedEvent(ctx context.Context, clock kernel.Clock, l Level, a Audit) (integration.Event, error) {
	return integration.NewEvent(ctx, clock, Topic, EventChanged, a.SKUID, "skus/"+a.SKUID, ChangedData{
		SKUID: a.SKUID, ProductID: l.ProductID, Reason: a.Reason, AdjustmentReason: a.AdjustmentReason,
		OnHand: a.After.OnHand, Reserved: a.After.Reserved, Available: a.After.OnHand - a.After.Reserved,
		Version: a.VersionAfter, DeltaOnHand: a.DeltaOnHand(), DeltaReserved: a.DeltaReserved(),
		OrderID: a.OrderID, BatchID: a.BatchID, AuditID: a.ID, ActorID: a.ActorID,
	})
}

// Open gives a SKU its first stock: its inventory row with onHand units, an OPENING audit row and
// an inventory.changed event, in one unit of work. actorID may be "" (the seed).
func (s *Service) Open(ctx context.Context, actorID, skuID string, onHand int, lowStockThreshold *int) (Level, error) {
	var v errs.Validation
	v.Check(kernel.IsID(skuID), "skuId", errs.FieldInvalidID, "must be a UUID")
	v.Check(onHand >= 0 && onHand <= maxUnits, "onHand", errs.FieldOutOfRange, "must be 0..1000000000")
	v.Check(lowStockThreshold == nil || *lowStockThreshold >= 0, "lowStockThreshold", errs.FieldNegative, "must not be negative")
	if err := v.Err(); err != nil {
		return Level{}, err
	}
	var level Level
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		a := Audit{ID: kernel.NewID(), SKUID: skuID, Reason: ReasonOpening, After: Counts{OnHand: onHand}, VersionAfter: 1,
			ActorID: actorID, TraceID: kernel.RequestFrom(ctx).TraceID, CreatedAt: s.now()}
		var err error
		if level, err = st.Stock.Open(ctx, a, lowStockThreshold); err != nil {
			return err
		}
		ev, err := changedEvent(ctx, s.clock, level, a)
		if err != nil {
			return err
		}
		if err := st.Outbox.Append(ctx, ev); err != nil {
			return err
		}
		return st.Catalog.AvailabilityChanged(ctx, []string{skuID})
	})
	return level, err
}

// skuIDsOf lists the SKUs the audits changed.
func skuIDsOf(audits []Audit) []string {
	ids := make([]string, len(audits))
	for i, a := range audits {
		ids[i] = a.SKUID
	}
	return ids
}

// maxUnits bounds on-hand units and deltas so sums stay within PostgreSQL's integer.
const maxUnits = 1_000_000_000

// now is the clock's time at the precision PostgreSQL stores, so both adapters keep the same instants.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }
