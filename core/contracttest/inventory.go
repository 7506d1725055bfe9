package contracttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/invariant"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// InventoryHarness is what an adapter provides to the inventory suite: fresh storage per call,
// with the catalog on the same storage (stock rows reference SKUs).
type InventoryHarness struct {
	Catalog CatalogHarness
	Tx      uow.UnitOfWork[inventory.Stores]
	Reader  inventory.Reader
	Outbox  integration.OutboxReader
	// NewStaff returns the id of a staff member who may adjust stock (on PostgreSQL: a user row).
	NewStaff func(t testing.TB) string
	// NewOrder returns the id of an order audit rows may reference (on PostgreSQL: an order row).
	NewOrder func(t testing.TB) string
	// Invariants, when set, is the invariant checker's view of the same storage: the races end
	// with its stock checks clean.
	Invariants invariant.Snapshot
}

// InventoryWorld is an inventory service on a harness with a product whose SKUs have no stock yet.
type InventoryWorld struct {
	H       InventoryHarness
	Svc     *inventory.Service
	Catalog *CatalogWorld
	Clock   *kernel.FakeClock
	Staff   string
}

// NewInventoryWorld sets up the catalog world and the inventory service.
func NewInventoryWorld(t testing.TB, h InventoryHarness) *InventoryWorld {
	t.Helper()
	cw := NewCatalogWorld(t, h.Catalog)
	return &InventoryWorld{H: h, Catalog: cw, Clock: cw.Clock, Svc: inventory.NewService(h.Tx, h.Reader, cw.Clock), Staff: h.NewStaff(t)}
}

// NewSKUs saves a product with one SKU per opening entry and opens each SKU's stock with it; a
// negative entry leaves that SKU without stock. It returns the SKU ids.
func (w *InventoryWorld) NewSKUs(t testing.TB, opening ...int) (productID string, skuIDs []string) {
	t.Helper()
	ctx := context.Background()
	p := catalog.Product{
		CategoryID: w.Catalog.Kitchen.ID, BrandID: w.Catalog.Brand.ID, Status: catalog.StatusActive, BasePrice: 10000,
		Names: names("재고", "Stock", "在庫"), Markets: []kernel.Market{kernel.MarketKR}, CreatedAt: w.Clock.Now(),
	}
	for i := range opening {
		p.SKUs = append(p.SKUs, catalog.SKU{Code: "INV-" + kernel.NewID(), Attributes: map[string]string{"n": fmt.Sprint(i)}, Active: true})
	}
	saved, err := w.Catalog.Svc.SaveProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range opening {
		skuIDs = append(skuIDs, saved.SKUs[i].ID)
		if n < 0 {
			continue
		}
		if _, err := w.Svc.Open(ctx, "", saved.SKUs[i].ID, n, nil); err != nil {
			t.Fatal(err)
		}
	}
	return saved.ID, skuIDs
}

// Reserve reserves lines for a fresh order in a unit of work of its own.
func (w *InventoryWorld) Reserve(ctx context.Context, orderID string, lines ...inventory.Line) ([]inventory.Level, error) {
	var out []inventory.Level
	err := w.Svc.Run(ctx, func(ctx context.Context, st inventory.Stores) error {
		var err error
		out, err = w.Svc.Reserve(ctx, st, inventory.ForOrder(orderID, ""), lines)
		return err
	})
	return out, err
}

func intp(n int) *int { return &n }

func level(t testing.TB, r inventory.Reader, skuID string) inventory.Level {
	t.Helper()
	levels, err := r.Levels(context.Background(), []string{skuID})
	if err != nil {
		t.Fatal(err)
	}
	l, ok := levels[skuID]
	if !ok {
		t.Fatalf("no stock row for %s", skuID)
	}
	return l
}

// allAudits reads every audit row of a SKU, paging through the reader.
func allAudits(t testing.TB, r inventory.Reader, skuID string) []inventory.Audit {
	t.Helper()
	var out []inventory.Audit
	q := inventory.AuditQuery{SKUID: skuID, Limit: 100}
	for {
		page, err := r.Audits(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < q.Limit {
			return out
		}
		last := page[len(page)-1]
		q.After = &inventory.AuditPosition{CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

// CheckStockInvariant fails t unless the SKU's on_hand and reserved equal the sums of its audit
// deltas, nothing is negative, reserved ≤ on_hand, every audit row's before is the previous row's
// after, and every audit row has its inventory.changed event in the outbox.
func CheckStockInvariant(t testing.TB, h InventoryHarness, skuID string) inventory.Level {
	t.Helper()
	l := level(t, h.Reader, skuID)
	audits := allAudits(t, h.Reader, skuID)
	onHand, reserved := 0, 0
	for _, a := range audits {
		onHand += a.DeltaOnHand()
		reserved += a.DeltaReserved()
		if a.After.OnHand < 0 || a.After.Reserved < 0 || a.After.Reserved > a.After.OnHand {
			t.Errorf("audit %s leaves %+v", a.ID, a.After)
		}
	}
	if l.OnHand != onHand || l.Reserved != reserved || l.OnHand < 0 || l.Reserved < 0 || l.Reserved > l.OnHand {
		t.Errorf("stock %+v, audit sums on_hand %d reserved %d", l, onHand, reserved)
	}
	if l.Version != len(audits) {
		t.Errorf("version %d after %d audit rows", l.Version, len(audits))
	}
	// Applied oldest first, each row starts where the one before ended (versions order them).
	byVersion := map[int]inventory.Audit{}
	for _, a := range audits {
		byVersion[a.VersionAfter] = a
	}
	for v := 2; v <= len(audits); v++ {
		if prev, cur := byVersion[v-1], byVersion[v]; prev.After != cur.Before {
			t.Errorf("audit v%d starts at %+v, v%d ended at %+v", v, cur.Before, v-1, prev.After)
		}
	}
	events, err := h.Outbox.List(context.Background(), integration.OutboxPending, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range events {
		if e.Type != inventory.EventChanged || e.AggregateID != skuID {
			continue
		}
		var d inventory.ChangedData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		have[d.AuditID] = true
	}
	for _, a := range audits {
		if !have[a.ID] {
			t.Errorf("audit %s (%s) has no inventory.changed event", a.ID, a.Reason)
		}
	}
	return l
}

// RunInventory checks the inventory ports and use cases on an adapter.
func RunInventory(t *testing.T, newHarness func(t *testing.T) InventoryHarness) {
	ctx := context.Background()

	t.Run("opening stock writes its row, an OPENING audit row and an event; twice or for an unknown SKU fails", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		productID, skus := w.NewSKUs(t, 7)
		l := CheckStockInvariant(t, w.H, skus[0])
		if l.OnHand != 7 || l.Reserved != 0 || l.Version != 1 || l.ProductID != productID {
			t.Errorf("level = %+v", l)
		}
		audits := allAudits(t, w.H.Reader, skus[0])
		if len(audits) != 1 || audits[0].Reason != inventory.ReasonOpening || audits[0].DeltaOnHand() != 7 {
			t.Errorf("audits = %+v", audits)
		}
		if _, err := w.Svc.Open(ctx, "", skus[0], 3, nil); !errors.Is(err, inventory.ErrStockOpened) {
			t.Errorf("second open = %v", err)
		}
		if _, err := w.Svc.Open(ctx, "", kernel.NewID(), 3, nil); !errors.Is(err, inventory.ErrSKUNotFound) {
			t.Errorf("open of an unknown SKU = %v", err)
		}
	})

	t.Run("reserve, release, sale, cancel and return move the counts and audit each change with its order", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		_, skus := w.NewSKUs(t, 10, 5)
		order := w.H.NewOrder(t)
		ref := inventory.ForOrder(order, "")
		a, b := inventory.Line{SKUID: skus[0], Quantity: 3}, inventory.Line{SKUID: skus[1], Quantity: 2}
		steps := []struct {
			name         string
			op           func(context.Context, inventory.Stores, inventory.OrderRef, []inventory.Line) ([]inventory.Level, error)
			lines        []inventory.Line
			wantA, wantB inventory.Counts
		}{
			{"reserve", w.Svc.Reserve, []inventory.Line{b, a}, inventory.Counts{OnHand: 10, Reserved: 3}, inventory.Counts{OnHand: 5, Reserved: 2}},
			{"release", w.Svc.Release, []inventory.Line{b}, inventory.Counts{OnHand: 10, Reserved: 3}, inventory.Counts{OnHand: 5}},
			{"sale", w.Svc.CommitSale, []inventory.Line{a}, inventory.Counts{OnHand: 7}, inventory.Counts{OnHand: 5}},
			{"cancel", w.Svc.CancelSale, []inventory.Line{a}, inventory.Counts{OnHand: 10}, inventory.Counts{OnHand: 5}},
			{"return", w.Svc.Return, []inventory.Line{{SKUID: skus[1], Quantity: 1}}, inventory.Counts{OnHand: 10}, inventory.Counts{OnHand: 6}},
		}
		for _, s := range steps {
			err := w.Svc.Run(ctx, func(ctx context.Context, st inventory.Stores) error {
				_, err := s.op(ctx, st, ref, s.lines)
				return err
			})
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			la, lb := level(t, w.H.Reader, skus[0]), level(t, w.H.Reader, skus[1])
			if (inventory.Counts{OnHand: la.OnHand, Reserved: la.Reserved}) != s.wantA || (inventory.Counts{OnHand: lb.OnHand, Reserved: lb.Reserved}) != s.wantB {
				t.Fatalf("after %s: %+v %+v", s.name, la, lb)
			}
		}
		for _, sku := range skus {
			CheckStockInvariant(t, w.H, sku)
		}
		byOrder, err := w.H.Reader.Audits(ctx, inventory.AuditQuery{OrderID: order, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(byOrder) != 6 {
			t.Errorf("%d audit rows for the order, want 6", len(byOrder))
		}
		sales, err := w.H.Reader.Audits(ctx, inventory.AuditQuery{Reason: inventory.ReasonSale, Limit: 100})
		if err != nil || len(sales) != 1 || sales[0].OrderID != order || sales[0].DeltaOnHand() != -3 || sales[0].DeltaReserved() != -3 {
			t.Errorf("sale audits = %+v, %v", sales, err)
		}
	})

	t.Run("a reservation over what is available is OUT_OF_STOCK with available, and reserves nothing", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		_, skus := w.NewSKUs(t, 10, 2)
		_, err := w.Reserve(ctx, w.H.NewOrder(t), inventory.Line{SKUID: skus[0], Quantity: 4}, inventory.Line{SKUID: skus[1], Quantity: 3})
		if !errors.Is(err, inventory.ErrOutOfStock) {
			t.Fatalf("Reserve = %v", err)
		}
		if e := errs.As(err); e.Extra["available"] != 2 || e.Extra["skuId"] != skus[1] {
			t.Errorf("extra = %v", e.Extra)
		}
		for _, sku := range skus {
			if l := CheckStockInvariant(t, w.H, sku); l.Reserved != 0 || l.Version != 1 {
				t.Errorf("after a refused reservation: %+v", l)
			}
		}
		if _, err := w.Reserve(ctx, w.H.NewOrder(t), inventory.Line{SKUID: kernel.NewID(), Quantity: 1}); !errors.Is(err, inventory.ErrSKUNotFound) {
			t.Errorf("unknown SKU = %v", err)
		}
		if _, err := w.Reserve(ctx, w.H.NewOrder(t), inventory.Line{SKUID: skus[0], Quantity: 0}); !errors.Is(err, errs.ErrValidation) {
			t.Errorf("zero quantity = %v", err)
		}
		// Releasing more than is reserved is a bug of the caller, refused by the guarded write.
		err = w.Svc.Run(ctx, func(ctx context.Context, st inventory.Stores) error {
			_, err := w.Svc.Release(ctx, st, inventory.ForOrder(w.H.NewOrder(t), ""), []inventory.Line{{SKUID: skus[0], Quantity: 1}})
			return err
		})
		if !errors.Is(err, inventory.ErrStockMismatch) {
			t.Errorf("over-release = %v", err)
		}
	})

	t.Run("stock operations join the caller's unit of work and roll back with it", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		_, skus := w.NewSKUs(t, 10)
		boom := errors.New("the order failed after its reservation")
		err := w.H.Tx.Do(ctx, func(ctx context.Context, st inventory.Stores) error {
			if _, err := w.Svc.Reserve(ctx, st, inventory.ForOrder(w.H.NewOrder(t), ""), []inventory.Line{{SKUID: skus[0], Quantity: 4}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if l := CheckStockInvariant(t, w.H, skus[0]); l.Reserved != 0 || l.Version != 1 {
			t.Errorf("after rollback: %+v", l)
		}
	})

	t.Run("adjustments: delta and setOnHand, reasons and notes audited as one batch by the staff member", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		_, skus := w.NewSKUs(t, 10, 4)
		res, err := w.Svc.Adjust(ctx, w.Staff, []inventory.AdjustmentLine{
			{SKUID: skus[0], Delta: intp(-3), Reason: inventory.AdjustDamaged, Note: "dropped", ExpectedVersion: intp(1)},
			{SKUID: skus[1], SetOnHand: intp(9), Reason: inventory.AdjustCorrection},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Levels) != 2 || res.Levels[0].OnHand != 7 || res.Levels[0].Version != 2 || res.Levels[1].OnHand != 9 {
			t.Errorf("levels = %+v", res.Levels)
		}
		audits, err := w.H.Reader.Audits(ctx, inventory.AuditQuery{ActorID: w.Staff, Limit: 10})
		if err != nil || len(audits) != 2 {
			t.Fatalf("audits by actor = %+v, %v", audits, err)
		}
		for _, a := range audits {
			if a.BatchID != res.BatchID || a.Reason != inventory.ReasonAdjustment || a.ActorID != w.Staff {
				t.Errorf("audit = %+v", a)
			}
			if a.SKUID == skus[0] && (a.AdjustmentReason != inventory.AdjustDamaged || a.Note != "dropped" || a.DeltaOnHand() != -3) {
				t.Errorf("audit = %+v", a)
			}
		}
		for _, sku := range skus {
			CheckStockInvariant(t, w.H, sku)
		}
	})

	t.Run("adjustments are all-or-nothing: NEGATIVE_STOCK, VERSION_CONFLICT and an unknown SKU change nothing", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		_, skus := w.NewSKUs(t, 10, 4)
		if _, err := w.Reserve(ctx, w.H.NewOrder(t), inventory.Line{SKUID: skus[1], Quantity: 3}); err != nil {
			t.Fatal(err)
		}
		good := inventory.AdjustmentLine{SKUID: skus[0], Delta: intp(5), Reason: inventory.AdjustReceived}
		cases := []struct {
			bad  inventory.AdjustmentLine
			want error
		}{
			{inventory.AdjustmentLine{SKUID: skus[1], SetOnHand: intp(2), Reason: inventory.AdjustLost}, inventory.ErrNegativeStock}, // below reserved 3
			{inventory.AdjustmentLine{SKUID: skus[1], Delta: intp(-5), Reason: inventory.AdjustLost}, inventory.ErrNegativeStock},    // below zero
			{inventory.AdjustmentLine{SKUID: skus[1], Delta: intp(1), Reason: inventory.AdjustReceived, ExpectedVersion: intp(1)}, errs.ErrVersionConflict},
			{inventory.AdjustmentLine{SKUID: kernel.NewID(), Delta: intp(1), Reason: inventory.AdjustReceived}, inventory.ErrSKUNotFound},
		}
		for _, c := range cases {
			_, err := w.Svc.Adjust(ctx, w.Staff, []inventory.AdjustmentLine{good, c.bad})
			if !errors.Is(err, c.want) {
				t.Errorf("%+v: %v, want %v", c.bad, err, c.want)
				continue
			}
			if got := errs.As(err).Extra["skuId"]; got != c.bad.SKUID {
				t.Errorf("%v names %v, want %s", c.want, got, c.bad.SKUID)
			}
		}
		if l := CheckStockInvariant(t, w.H, skus[0]); l.OnHand != 10 || l.Version != 1 {
			t.Errorf("the good line applied: %+v", l)
		}
		if l := CheckStockInvariant(t, w.H, skus[1]); l.OnHand != 4 || l.Reserved != 3 {
			t.Errorf("the bad line applied: %+v", l)
		}
	})

	t.Run("adjustment input is validated: one of delta|setOnHand, reasons, duplicates, at most 1000 lines", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		_, skus := w.NewSKUs(t, 1)
		bad := [][]inventory.AdjustmentLine{
			nil,
			{{SKUID: skus[0], Reason: inventory.AdjustReceived}},
			{{SKUID: skus[0], Delta: intp(1), SetOnHand: intp(1), Reason: inventory.AdjustReceived}},
			{{SKUID: skus[0], Delta: intp(1), Reason: "STOLEN"}},
			{{SKUID: skus[0], Delta: intp(0), Reason: inventory.AdjustReceived}},
			{{SKUID: skus[0], SetOnHand: intp(-1), Reason: inventory.AdjustReceived}},
			{{SKUID: "nope", Delta: intp(1), Reason: inventory.AdjustReceived}},
			{{SKUID: skus[0], Delta: intp(1), Reason: inventory.AdjustReceived}, {SKUID: skus[0], Delta: intp(1), Reason: inventory.AdjustReceived}},
			make([]inventory.AdjustmentLine, inventory.MaxAdjustmentLines+1),
		}
		for i, lines := range bad {
			if _, err := w.Svc.Adjust(ctx, w.Staff, lines); !errors.Is(err, errs.ErrValidation) {
				t.Errorf("case %d: %v", i, err)
			}
		}
		if l := CheckStockInvariant(t, w.H, skus[0]); l.Version != 1 {
			t.Errorf("changed: %+v", l)
		}
	})

	t.Run("a stock-take of 1000 lines applies in one unit of work", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		opening := make([]int, 100)
		for i := range opening {
			opening[i] = i
		}
		_, skus := w.NewSKUs(t, opening...)
		lines := make([]inventory.AdjustmentLine, len(skus))
		for i, sku := range skus {
			lines[i] = inventory.AdjustmentLine{SKUID: sku, SetOnHand: intp(1000 - i), Reason: inventory.AdjustCorrection, ExpectedVersion: intp(1)}
		}
		res, err := w.Svc.Adjust(ctx, w.Staff, lines)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range res.Levels {
			if l.SKUID != skus[i] || l.OnHand != 1000-i || l.Version != 2 {
				t.Fatalf("line %d: %+v", i, l)
			}
		}
		CheckStockInvariant(t, w.H, skus[42])
	})

	t.Run("audit queries filter and page newest first without gaps or repeats", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		_, skus := w.NewSKUs(t, 100, 100)
		start := w.Clock.Now()
		for i := range 7 {
			w.Clock.Advance(time.Minute)
			if _, err := w.Svc.Adjust(ctx, w.Staff, []inventory.AdjustmentLine{
				{SKUID: skus[i%2], Delta: intp(1), Reason: inventory.AdjustReceived},
			}); err != nil {
				t.Fatal(err)
			}
		}
		all := collectAudits(t, w.Svc, inventory.AuditQuery{Limit: 2})
		if len(all) != 9 {
			t.Fatalf("%d audit rows, want 9", len(all))
		}
		for i := 1; i < len(all); i++ {
			p := inventory.AuditPosition{CreatedAt: all[i-1].CreatedAt, ID: all[i-1].ID}
			if !p.Before(all[i]) {
				t.Fatalf("not newest first at %d", i)
			}
		}
		if got := collectAudits(t, w.Svc, inventory.AuditQuery{SKUID: skus[0], Reason: inventory.ReasonAdjustment, Limit: 3}); len(got) != 4 {
			t.Errorf("sku+reason: %d rows, want 4", len(got))
		}
		window := inventory.AuditQuery{From: start.Add(2 * time.Minute), To: start.Add(5 * time.Minute), Limit: 2}
		if got := collectAudits(t, w.Svc, window); len(got) != 3 {
			t.Errorf("window: %d rows, want 3", len(got))
		}
		if got := collectAudits(t, w.Svc, inventory.AuditQuery{Reason: inventory.ReasonOpening, Limit: 1}); len(got) != 2 {
			t.Errorf("openings: %d rows, want 2", len(got))
		}
		if _, err := w.Svc.Audits(ctx, inventory.AuditFilter{Cursor: "garbage!"}); !errors.Is(err, kernel.ErrInvalidCursor) {
			t.Errorf("bad cursor = %v", err)
		}
		detail, err := w.Svc.SKU(ctx, skus[0])
		if err != nil || detail.Level.OnHand != 104 || len(detail.Audits) != 5 {
			t.Errorf("detail = %+v, %v", detail, err)
		}
		if _, err := w.Svc.SKU(ctx, kernel.NewID()); !errors.Is(err, inventory.ErrSKUNotFound) {
			t.Errorf("unknown SKU detail = %v", err)
		}
	})

	t.Run("the stock list pages in SKU order, filters low stock and by product", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		p1, skus1 := w.NewSKUs(t, 3, 50, 5, 6)
		_, _ = w.NewSKUs(t, 0, 100)
		var low, mine []inventory.Level
		for cursor := ""; ; {
			page, err := w.Svc.ListLevels(ctx, inventory.LevelFilter{LowStock: true, Cursor: cursor, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			low = append(low, page.Items...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(low) != 3 { // 3, 5 and 0 available: at or below the default threshold 5
			t.Errorf("low stock = %+v", low)
		}
		for i := 1; i < len(low); i++ {
			if low[i-1].SKUID >= low[i].SKUID {
				t.Errorf("not in SKU order: %+v", low)
			}
		}
		page, err := w.Svc.ListLevels(ctx, inventory.LevelFilter{ProductID: p1, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		mine = page.Items
		if len(mine) != len(skus1) || page.NextCursor != "" {
			t.Errorf("product's levels = %+v", mine)
		}
		for _, l := range mine {
			if l.ProductID != p1 {
				t.Errorf("level of another product: %+v", l)
			}
		}
	})

	t.Run("20 concurrent ±1 adjustments and 50 concurrent reservations on one SKU lose no update", func(t *testing.T) {
		w := NewInventoryWorld(t, newHarness(t))
		_, skus := w.NewSKUs(t, 30)
		orders := make([]string, 50)
		for i := range orders {
			orders[i] = w.H.NewOrder(t)
		}
		var wg sync.WaitGroup
		var reserved, adjusted atomic.Int64
		start := make(chan struct{})
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				d := 1 - 2*(i%2)
				_, err := w.Svc.Adjust(ctx, w.Staff, []inventory.AdjustmentLine{{SKUID: skus[0], Delta: &d, Reason: inventory.AdjustCorrection}})
				switch {
				case err == nil:
					adjusted.Add(int64(d))
				case !errors.Is(err, inventory.ErrNegativeStock):
					t.Errorf("adjust: %v", err)
				}
			}()
		}
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := w.Reserve(ctx, orders[i], inventory.Line{SKUID: skus[0], Quantity: 1})
				switch {
				case err == nil:
					reserved.Add(1)
				case !errors.Is(err, inventory.ErrOutOfStock):
					t.Errorf("reserve: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		l := CheckStockInvariant(t, w.H, skus[0])
		if w.H.Invariants != nil {
			CheckInvariantsClean(t, w.H.Invariants, invariant.SKU)
		}
		if l.OnHand != 30+int(adjusted.Load()) || l.Reserved != int(reserved.Load()) {
			t.Errorf("level %+v after %d reserved and a net adjustment of %d", l, reserved.Load(), adjusted.Load())
		}
		if reserved.Load() == 0 || l.Available() < 0 {
			t.Errorf("reserved %d, level %+v", reserved.Load(), l)
		}
	})
}

func collectAudits(t testing.TB, svc *inventory.Service, q inventory.AuditQuery) []inventory.Audit {
	t.Helper()
	var out []inventory.Audit
	seen := map[string]bool{}
	f := inventory.AuditFilter{AuditQuery: q}
	for {
		page, err := svc.Audits(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Items {
			if seen[a.ID] {
				t.Fatalf("audit %s twice", a.ID)
			}
			seen[a.ID] = true
		}
		out = append(out, page.Items...)
		if f.Cursor = page.NextCursor; f.Cursor == "" {
			return out
		}
	}
}
