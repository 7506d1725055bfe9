package inventory

import (
	"context"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Run runs fn in an inventory unit of work (nested in the caller's when ctx carries one on the
// same storage): for tests and callers that have no unit of work of their own.
func (s *Service) Run(ctx context.Context, fn func(ctx context.Context, st Stores) error) error {
	return s.tx.Do(ctx, fn)
}

// AdjustmentLine is one line of a staff adjustment: exactly one of Delta and SetOnHand.
type AdjustmentLine struct {
	SKUID           string
	Delta           *int // on_hand += Delta
	SetOnHand       *int // on_hand = SetOnHand
	Reason          AdjustmentReason
	Note            string
	ExpectedVersion *int // the version the staff member read; a different one is VERSION_CONFLICT
}

// Adjustment is the result of one adjustment request: the rows after it, in request order.
type Adjustment struct {
	BatchID string
	Levels  []Level
	Audits  []Audit
}

// Adjust applies a stock-take or correction of up to MaxAdjustmentLines lines all-or-nothing in
// one unit of work, as staff member actorID. A line whose result would be below zero or below the
// reserved units is NEGATIVE_STOCK, a stale expectedVersion VERSION_CONFLICT, an unknown SKU
// SKU_NOT_FOUND (each carrying "skuId"); then nothing changes.
func (s *Service) Adjust(ctx context.Context, actorID string, lines []AdjustmentLine) (Adjustment, error) {
	if err := validateAdjustment(actorID, lines); err != nil {
		return Adjustment{}, err
	}
	ids := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = l.SKUID
	}
	out := Adjustment{BatchID: kernel.NewID()}
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		levels, err := st.Stock.Lock(ctx, ids)
		if err != nil {
			return err
		}
		changes := make([]Change, len(lines))
		for i, l := range lines {
			if changes[i], err = adjustmentChange(l, levels); err != nil {
				return err
			}
		}
		cause := Cause{ActorID: actorID, BatchID: out.BatchID, TraceID: kernel.RequestFrom(ctx).TraceID, At: s.now()}
		out.Levels, out.Audits, err = s.apply(ctx, st, cause, changes, levels)
		return err
	})
	if err != nil {
		return Adjustment{}, err
	}
	return out, nil
}

// adjustmentChange checks one line against its locked row and returns its change.
func adjustmentChange(l AdjustmentLine, levels map[string]Level) (Change, error) {
	level, ok := levels[l.SKUID]
	if !ok {
		return Change{}, ErrSKUNotFound.WithExtra("skuId", l.SKUID)
	}
	if l.ExpectedVersion != nil && *l.ExpectedVersion != level.Version {
		return Change{}, errs.ErrVersionConflict.WithExtra("skuId", l.SKUID).WithExtra("version", level.Version)
	}
	target := level.OnHand
	if l.Delta != nil {
		target += *l.Delta
	} else {
		target = *l.SetOnHand
	}
	if target < 0 || target < level.Reserved || target > maxUnits {
		return Change{}, ErrNegativeStock.WithExtra("skuId", l.SKUID).WithExtra("onHand", level.OnHand).
			WithExtra("reserved", level.Reserved).WithExtra("requestedOnHand", target)
	}
	c := Change{SKUID: l.SKUID, DeltaOnHand: target - level.OnHand, Reason: ReasonAdjustment, AdjustmentReason: l.Reason,
		Note: l.Note, AuditID: kernel.NewID(), ExpectedVersion: level.Version}
	return c, nil
}

func validateAdjustment(actorID string, lines []AdjustmentLine) error {
	var v errs.Validation
	v.Check(kernel.IsID(actorID), "actorId", errs.FieldInvalidID, "an adjustment needs a staff member")
	v.Check(len(lines) > 0, "adjustments", errs.FieldRequired, "at least one line is required")
	if !v.Check(len(lines) <= MaxAdjustmentLines, "adjustments", FieldTooManyLines, "at most "+strconv.Itoa(MaxAdjustmentLines)+" lines") {
		return v.Err()
	}
	seen := make(map[string]bool, len(lines))
	for i, l := range lines {
		at := "adjustments[" + strconv.Itoa(i) + "]"
		if v.Check(kernel.IsID(l.SKUID), at+".skuId", errs.FieldInvalidID, "must be a UUID") {
			v.Check(!seen[l.SKUID], at+".skuId", errs.FieldDuplicate, "each SKU may appear once")
			seen[l.SKUID] = true
		}
		if v.Check((l.Delta == nil) != (l.SetOnHand == nil), at, FieldDeltaOrSetOnHand, "give exactly one of delta and setOnHand") {
			if l.Delta != nil {
				v.Check(*l.Delta != 0 && *l.Delta >= -maxUnits && *l.Delta <= maxUnits, at+".delta", errs.FieldOutOfRange,
					"must be non-zero, within ±1000000000")
			} else {
				v.Check(*l.SetOnHand >= 0 && *l.SetOnHand <= maxUnits, at+".setOnHand", errs.FieldOutOfRange, "must be 0..1000000000")
			}
		}
		v.Check(slices.Contains(AdjustmentReasons, l.Reason), at+".reason", FieldInvalidReason,
			"must be one of RECEIVED, DAMAGED, LOST, CORRECTION, RETURNED")
		v.Check(utf8.ValidString(l.Note), at+".note", errs.FieldInvalidText, "must be UTF-8 text")
		v.Check(utf8.RuneCountInString(l.Note) <= 1000, at+".note", errs.FieldTooLong, "must be at most 1000 characters")
		v.Check(l.ExpectedVersion == nil || *l.ExpectedVersion >= 1, at+".expectedVersion", errs.FieldOutOfRange, "must be at least 1")
	}
	return v.Err()
}

// Levels returns the current rows of these SKUs (absent ones skipped).
func (s *Service) Levels(ctx context.Context, skuIDs []string) (map[string]Level, error) {
	return s.read.Levels(ctx, skuIDs)
}

// SKUDetail is a SKU's row and its latest audit rows.
type SKUDetail struct {
	Level  Level
	Audits []Audit
}

// DetailAudits is how many audit rows SKU shows.
const DetailAudits = 20

// SKU returns a SKU's row with its last DetailAudits audit rows, newest first.
func (s *Service) SKU(ctx context.Context, skuID string) (SKUDetail, error) {
	if !kernel.IsID(skuID) {
		return SKUDetail{}, ErrSKUNotFound.WithExtra("skuId", skuID)
	}
	levels, err := s.read.Levels(ctx, []string{skuID})
	if err != nil {
		return SKUDetail{}, err
	}
	level, ok := levels[skuID]
	if !ok {
		return SKUDetail{}, ErrSKUNotFound.WithExtra("skuId", skuID)
	}
	audits, err := s.read.Audits(ctx, AuditQuery{SKUID: skuID, Limit: DetailAudits})
	if err != nil {
		return SKUDetail{}, err
	}
	return SKUDetail{Level: level, Audits: audits}, nil
}

// Page sizes of the admin lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// AuditFilter is the admin audit query as the client gives it.
type AuditFilter struct {
	AuditQuery
	Cursor string
}

// Audits returns one keyset page of the audit trail, newest first.
func (s *Service) Audits(ctx context.Context, f AuditFilter) (kernel.Page[Audit], error) {
	q := f.AuditQuery
	var v errs.Validation
	v.Check(q.SKUID == "" || kernel.IsID(q.SKUID), "skuId", errs.FieldInvalidID, "must be a UUID")
	v.Check(q.ActorID == "" || kernel.IsID(q.ActorID), "actor", errs.FieldInvalidID, "must be a UUID")
	v.Check(q.OrderID == "" || kernel.IsID(q.OrderID), "orderId", errs.FieldInvalidID, "must be a UUID")
	v.Check(q.Reason == "" || slices.Contains(Reasons, q.Reason), "reason", FieldInvalidReason,
		"must be one of OPENING, RESERVE, RELEASE, SALE, CANCEL, RETURN, ADJUSTMENT")
	v.Check(q.From.IsZero() || q.To.IsZero() || q.From.Before(q.To), "from", errs.FieldOutOfRange, "must be before to")
	q.Limit = pageSize(&v, q.Limit)
	var after AuditPosition
	if err := kernel.DecodeCursor(f.Cursor, &after); err != nil {
		return kernel.Page[Audit]{}, err
	}
	if err := v.Err(); err != nil {
		return kernel.Page[Audit]{}, err
	}
	if f.Cursor != "" {
		q.After = &after
	}
	want := q.Limit
	q.Limit++
	items, err := s.read.Audits(ctx, q)
	if err != nil {
		return kernel.Page[Audit]{}, err
	}
	page := kernel.Page[Audit]{Items: items}
	if len(items) > want {
		page.Items = items[:want]
		last := page.Items[want-1]
		page.NextCursor = kernel.EncodeCursor(AuditPosition{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return page, nil
}

func pageSize(v *errs.Validation, limit int) int {
	if limit == 0 {
		return DefaultPageSize
	}
	v.Check(limit >= 1 && limit <= MaxPageSize, "limit", errs.FieldOutOfRange, "must be 1..200")
	return limit
}

// LevelFilter is the admin stock list as the client gives it.
type LevelFilter struct {
	LowStock  bool
	ProductID string
	Cursor    string
	Limit     int
}

type levelPosition struct {
	SKUID string `json:"s"`
}

// ListLevels returns one page of stock rows in SKU id order: all of them, those low on stock, or
// one product's.
func (s *Service) ListLevels(ctx context.Context, f LevelFilter) (kernel.Page[Level], error) {
	var v errs.Validation
	v.Check(f.ProductID == "" || kernel.IsID(f.ProductID), "productId", errs.FieldInvalidID, "must be a UUID")
	limit := pageSize(&v, f.Limit)
	var after levelPosition
	if err := kernel.DecodeCursor(f.Cursor, &after); err != nil {
		return kernel.Page[Level]{}, err
	}
	if err := v.Err(); err != nil {
		return kernel.Page[Level]{}, err
	}
	items, err := s.read.ListLevels(ctx, LevelQuery{LowStock: f.LowStock, ProductID: f.ProductID, AfterSKU: after.SKUID, Limit: limit + 1})
	if err != nil {
		return kernel.Page[Level]{}, err
	}
	page := kernel.Page[Level]{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.NextCursor = kernel.EncodeCursor(levelPosition{SKUID: page.Items[limit-1].SKUID})
	}
	return page, nil
}
