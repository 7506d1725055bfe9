package cart

import (
	"context"
	"slices"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// Config are the carts' settings.
type Config struct {
	// SessionTTL is how long a guest cart lives after its last change (cart.session_ttl); 0 means
	// DefaultSessionTTL.
	SessionTTL time.Duration
}

// Service is the carts' use cases: read the current cart, set and remove lines, merge a guest
// cart at sign-in, apply a coupon, and the sweeper job.
type Service struct {
	tx      uow.UnitOfWork[Stores]
	read    Stores
	catalog Catalog
	coupons Coupons
	clock   kernel.Clock
	ttl     time.Duration
	rec     Recorder
}

// NewService builds the carts service. read serves GET /v1/carts/current outside a unit of work
// (its Carts.Active, Stock and Purchases); tx every change. coupons may be nil: then carts have no
// coupons. rec may be nil.
func NewService(tx uow.UnitOfWork[Stores], read Stores, cat Catalog, coupons Coupons, clock kernel.Clock, cfg Config, rec Recorder) *Service {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if rec == nil {
		rec = NopRecorder{}
	}
	return &Service{tx: tx, read: read, catalog: cat, coupons: coupons, clock: clock, ttl: cfg.SessionTTL, rec: rec}
}

// Current returns the caller's cart priced for the request's market and language: the customer's
// ACTIVE cart, or the guest session's. An owner without a cart (or whose guest cart has expired)
// gets an empty cart (ID "") and nothing is written.
func (s *Service) Current(ctx context.Context, r kernel.Request) (View, error) {
	v, err := s.current(ctx, r)
	s.rec.Operation(OpGet, err)
	return v, err
}

func (s *Service) current(ctx context.Context, r kernel.Request) (View, error) {
	c, err := s.active(ctx, r)
	if err != nil {
		return View{}, err
	}
	return s.price(ctx, r, c)
}

// active reads the caller's cart without locking it; one it does not have is empty.
func (s *Service) active(ctx context.Context, r kernel.Request) (Cart, error) {
	owner, err := OwnerOf(r)
	if err != nil {
		return Cart{}, err
	}
	c, ok, err := s.read.Carts.Active(ctx, owner)
	if err != nil {
		return Cart{}, err
	}
	if !ok || c.Expired(s.now()) {
		c = Cart{Owner: owner, Market: r.Market, Status: StatusActive}
	}
	return c, nil
}

// CurrentLines are the lines of the caller's current cart that count in its totals, priced for
// the request's market exactly as Current prices them (category ancestry included): what a coupon
// is validated against for POST /v1/coupons/validate {cart: "current"}. An empty cart has none.
func (s *Service) CurrentLines(ctx context.Context, r kernel.Request) ([]Line, error) {
	c, err := s.active(ctx, r)
	if err != nil || len(c.Items) == 0 {
		return nil, err
	}
	pr, err := s.pricing(ctx, r.Market, s.now(), c.Items)
	if err != nil {
		return nil, err
	}
	_, lines := pr.lines(c.Items, r.Locale)
	return lines, nil
}

// SetItem sets the quantity (1..999) of SKU skuID in the caller's cart, adding the line when the
// cart has none, and creating the cart when the caller has none. An unknown SKU, an inactive one,
// or one of a product not visible in the request's market is ErrSKUNotFound; more units than are
// available is OutOfStock; more units of the product than its per-order limit, or (for a customer)
// than its per-customer limit less what the customer already bought, is PurchaseLimitExceeded.
// Concurrent calls for one SKU of one cart leave one line.
func (s *Service) SetItem(ctx context.Context, r kernel.Request, skuID string, quantity int) (View, error) {
	v, err := s.setItem(ctx, r, skuID, quantity)
	s.rec.Operation(OpSetItem, err)
	return v, err
}

func (s *Service) setItem(ctx context.Context, r kernel.Request, skuID string, quantity int) (View, error) {
	owner, err := OwnerOf(r)
	if err != nil {
		return View{}, err
	}
	var v errs.Validation
	v.Check(kernel.IsID(skuID), "skuId", errs.FieldInvalidID, "must be a UUID")
	v.Check(quantity >= 1 && quantity <= MaxQuantity, "quantity", errs.FieldOutOfRange, "must be 1 to 999")
	if err := v.Err(); err != nil {
		return View{}, err
	}
	now := s.now()
	var c Cart
	err = s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		p, sku, err := s.sellable(ctx, st, r.Market, skuID)
		if err != nil {
			return err
		}
		if c, err = s.lockActive(ctx, st, owner, r.Market, now); err != nil {
			return err
		}
		room, err := s.room(ctx, st, c, p, sku.ID)
		if err != nil {
			return err
		}
		if quantity > room.available {
			return OutOfStock(room.available)
		}
		if room.perOrder >= 0 && quantity > room.perOrder {
			return PurchaseLimitExceeded(p.Limits.PerOrder)
		}
		if room.perCustomer >= 0 && quantity > room.perCustomer {
			return PurchaseLimitExceeded(p.Limits.PerCustomer)
		}
		it, err := st.Carts.PutItem(ctx, c.ID, Item{ID: kernel.NewID(), SKUID: sku.ID, ProductID: p.ID, Quantity: quantity, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			return err
		}
		c = c.withItem(it)
		return s.touch(ctx, st, &c, r.Market, now)
	})
	if err != nil {
		return View{}, err
	}
	return s.price(ctx, r, c)
}

// RemoveItem deletes line itemID from the caller's cart and returns the cart; a line of another
// cart (or none) is ErrItemNotFound.
func (s *Service) RemoveItem(ctx context.Context, r kernel.Request, itemID string) (View, error) {
	v, err := s.removeItem(ctx, r, itemID)
	s.rec.Operation(OpRemoveItem, err)
	return v, err
}

func (s *Service) removeItem(ctx context.Context, r kernel.Request, itemID string) (View, error) {
	owner, err := OwnerOf(r)
	if err != nil {
		return View{}, err
	}
	if !kernel.IsID(itemID) {
		return View{}, ErrItemNotFound
	}
	now := s.now()
	var c Cart
	err = s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		if c, err = s.lockActive(ctx, st, owner, r.Market, now); err != nil {
			return err
		}
		ok, err := st.Carts.RemoveItem(ctx, c.ID, itemID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrItemNotFound
		}
		c.Items = slices.DeleteFunc(c.Items, func(it Item) bool { return it.ID == itemID })
		return s.touch(ctx, st, &c, r.Market, now)
	})
	if err != nil {
		return View{}, err
	}
	return s.price(ctx, r, c)
}

// Merge moves the guest cart of session sessionID into the signed-in customer's cart. The caller
// must be a customer sending that same session as X-Session-Id (another session is
// ErrSessionMismatch, so nobody takes a stranger's guest cart). Quantities of one SKU add up,
// capped by stock, the purchase limits and MaxQuantity; each cap, and each line that cannot be
// sold any more, is an Adjustment. The guest cart becomes MERGED in the same unit of work. Merging
// it again, or concurrently, returns the customer's cart with no adjustments; a session that
// never had a cart, whose cart expired, or that was merged into another customer's cart is
// ErrCartNotFound.
func (s *Service) Merge(ctx context.Context, r kernel.Request, sessionID string) (MergeResult, error) {
	res, err := s.merge(ctx, r, sessionID)
	s.rec.Operation(OpMerge, err)
	for _, a := range res.Adjustments {
		s.rec.MergeAdjusted(a.Reason)
	}
	return res, err
}

func (s *Service) merge(ctx context.Context, r kernel.Request, sessionID string) (MergeResult, error) {
	if r.Principal.IsGuest() {
		return MergeResult{}, errs.ErrUnauthenticated
	}
	session, err := kernel.ParseSessionID(sessionID)
	if err != nil {
		return MergeResult{}, errs.ErrValidation.WithField("sessionId", kernel.FieldInvalidSessionID.Code, "must be 16–128 of A-Z, a-z, 0-9, _ and -")
	}
	if r.SessionID == "" {
		return MergeResult{}, kernel.ErrSessionRequired
	}
	if r.SessionID != session {
		return MergeResult{}, ErrSessionMismatch
	}
	owner := Owner{UserID: r.Principal.ID}
	now := s.now()
	var c Cart
	adjustments := []Adjustment{}
	err = s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		// Lock order: the customer's cart, then the guest's, for every merge.
		if c, err = s.lockActive(ctx, st, owner, r.Market, now); err != nil {
			return err
		}
		guest, ok, err := st.Carts.LockLatestOfSession(ctx, session)
		if err != nil {
			return err
		}
		if !ok {
			return ErrCartNotFound
		}
		if guest.Status == StatusMerged && guest.MergedInto == c.ID {
			return nil // merged already: a no-op
		}
		if guest.Status != StatusActive || guest.Expired(now) {
			return ErrCartNotFound
		}
		for _, g := range guest.Items {
			adj, err := s.mergeLine(ctx, st, &c, g, r.Market, now)
			if err != nil {
				return err
			}
			if adj != nil {
				adjustments = append(adjustments, *adj)
			}
		}
		guest.Status, guest.MergedInto, guest.UpdatedAt = StatusMerged, c.ID, now
		if err := st.Carts.SaveHeader(ctx, guest); err != nil {
			return err
		}
		return s.touch(ctx, st, &c, r.Market, now)
	})
	if err != nil {
		return MergeResult{}, err
	}
	v, err := s.price(ctx, r, c)
	return MergeResult{Cart: v, Adjustments: adjustments}, err
}

// mergeLine adds guest line g to customer cart c, capped; it reports the cap, if any.
func (s *Service) mergeLine(ctx context.Context, st Stores, c *Cart, g Item, m kernel.Market, now time.Time) (*Adjustment, error) {
	mine, _ := c.Item(g.SKUID)
	requested := mine.Quantity + g.Quantity
	p, sku, err := s.sellable(ctx, st, m, g.SKUID)
	if err != nil && errs.KindOf(err) == errs.NotFound {
		return &Adjustment{SKUID: g.SKUID, Requested: requested, Applied: mine.Quantity, Reason: AdjustedUnavailable}, nil
	}
	if err != nil {
		return nil, err
	}
	room, err := s.room(ctx, st, *c, p, sku.ID)
	if err != nil {
		return nil, err
	}
	applied, reason := requested, AdjustmentReason("")
	for _, limit := range []struct {
		max    int
		reason AdjustmentReason
	}{{MaxQuantity, AdjustedMaxQuantity}, {room.available, AdjustedOutOfStock}, {room.perOrder, AdjustedPurchaseLimit}, {room.perCustomer, AdjustedPurchaseLimit}} {
		if limit.max >= 0 && applied > limit.max {
			applied, reason = limit.max, limit.reason
		}
	}
	// A merge never takes units away from a line the customer already had.
	applied = max(applied, mine.Quantity)
	if applied > mine.Quantity {
		it, err := st.Carts.PutItem(ctx, c.ID, Item{ID: kernel.NewID(), SKUID: sku.ID, ProductID: p.ID, Quantity: applied, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			return nil, err
		}
		*c = c.withItem(it)
	}
	if applied < requested {
		return &Adjustment{SKUID: g.SKUID, Requested: requested, Applied: applied, Reason: reason}, nil
	}
	return nil, nil
}

// ApplyCoupon applies the customer's user coupon userCouponID to their cart, if the coupons area
// says it can be used now in the request's market (its error otherwise). Guests have no coupons.
func (s *Service) ApplyCoupon(ctx context.Context, r kernel.Request, userCouponID string) (View, error) {
	if r.Principal.IsGuest() || s.coupons == nil {
		return View{}, ErrCouponNotUsable
	}
	now := s.now()
	if _, err := s.coupons.Terms(ctx, r.Principal.ID, userCouponID, r.Market, now); err != nil {
		return View{}, err
	}
	return s.setCoupon(ctx, r, userCouponID, now)
}

// RemoveCoupon takes the coupon off the caller's cart.
func (s *Service) RemoveCoupon(ctx context.Context, r kernel.Request) (View, error) {
	if r.Principal.IsGuest() {
		return s.Current(ctx, r)
	}
	return s.setCoupon(ctx, r, "", s.now())
}

func (s *Service) setCoupon(ctx context.Context, r kernel.Request, userCouponID string, now time.Time) (View, error) {
	var c Cart
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		if c, err = s.lockActive(ctx, st, Owner{UserID: r.Principal.ID}, r.Market, now); err != nil {
			return err
		}
		c.UserCouponID = userCouponID
		return s.touch(ctx, st, &c, r.Market, now)
	})
	if err != nil {
		return View{}, err
	}
	return s.price(ctx, r, c)
}

// SweepExpired deletes the expired carts, batch per unit of work (see Sweeper).
func (s *Service) SweepExpired(ctx context.Context, batch int) (int, error) {
	return NewSweeper(s.tx, s.clock, s.rec).Sweep(ctx, batch)
}

// lockActive locks the owner's ACTIVE cart, creating it when there is none. A guest cart found
// past its expiry becomes EXPIRED and a new one takes its place.
func (s *Service) lockActive(ctx context.Context, st Stores, o Owner, m kernel.Market, now time.Time) (Cart, error) {
	fresh := func() Cart {
		c := Cart{ID: kernel.NewID(), Owner: o, Market: m, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
		if o.IsGuest() {
			c.ExpiresAt = now.Add(s.ttl)
		}
		return c
	}
	c, err := st.Carts.LockActive(ctx, o, fresh())
	if err != nil || !c.Expired(now) {
		return c, err
	}
	c.Status, c.UpdatedAt = StatusExpired, now
	if err := st.Carts.SaveHeader(ctx, c); err != nil {
		return Cart{}, err
	}
	return st.Carts.LockActive(ctx, o, fresh())
}

// touch records a change of c: its market, update time and, for a guest cart, a new expiry.
func (s *Service) touch(ctx context.Context, st Stores, c *Cart, m kernel.Market, now time.Time) error {
	c.Market, c.UpdatedAt = m, now
	if c.Owner.IsGuest() {
		c.ExpiresAt = now.Add(s.ttl)
	}
	return st.Carts.SaveHeader(ctx, *c)
}

// sellable finds SKU skuID with its product, if the product is visible in market m and the SKU
// active; else ErrSKUNotFound.
func (s *Service) sellable(ctx context.Context, st Stores, m kernel.Market, skuID string) (catalog.Product, catalog.SKU, error) {
	ids, err := st.Carts.ProductsOfSKUs(ctx, []string{skuID})
	if err != nil {
		return catalog.Product{}, catalog.SKU{}, err
	}
	productID, ok := ids[skuID]
	if !ok {
		return catalog.Product{}, catalog.SKU{}, ErrSKUNotFound
	}
	products, err := s.catalog.Products(ctx, []string{productID})
	if err != nil {
		return catalog.Product{}, catalog.SKU{}, err
	}
	if len(products) != 1 || !products[0].Visible(m) {
		return catalog.Product{}, catalog.SKU{}, ErrSKUNotFound
	}
	sku, ok := products[0].SKU(skuID)
	if !ok || !sku.Active {
		return catalog.Product{}, catalog.SKU{}, ErrSKUNotFound
	}
	return products[0], sku, nil
}

// room is how many units a line of one SKU may hold in a cart, per rule; -1 means no limit.
type room struct {
	available   int // units of the SKU left in stock
	perOrder    int // the product's per-order limit less its other SKUs' units in the cart
	perCustomer int // the per-customer limit less past purchases and the other SKUs' units
}

// room computes the room for SKU skuID of product p in cart c (not counting that SKU's own line).
func (s *Service) room(ctx context.Context, st Stores, c Cart, p catalog.Product, skuID string) (room, error) {
	stock, err := st.Stock.Available(ctx, []string{skuID})
	if err != nil {
		return room{}, err
	}
	out := room{available: max(0, stock[skuID]), perOrder: -1, perCustomer: -1}
	others := 0
	for _, it := range c.Items {
		if it.ProductID == p.ID && it.SKUID != skuID {
			others += it.Quantity
		}
	}
	if p.Limits.PerOrder > 0 {
		out.perOrder = max(0, p.Limits.PerOrder-others)
	}
	if p.Limits.PerCustomer > 0 {
		bought := 0
		if !c.Owner.IsGuest() {
			past, err := st.Purchases.Purchased(ctx, c.Owner.UserID, []string{p.ID})
			if err != nil {
				return room{}, err
			}
			bought = past[p.ID]
		}
		out.perCustomer = max(0, p.Limits.PerCustomer-bought-others)
	}
	return out, nil
}

// withItem returns c with line it stored (replacing the line of its SKU, or appended).
func (c Cart) withItem(it Item) Cart {
	items := slices.Clone(c.Items)
	if i := slices.IndexFunc(items, func(x Item) bool { return x.SKUID == it.SKUID }); i >= 0 {
		items[i] = it
	} else {
		items = append(items, it)
	}
	c.Items = items
	return c
}

// now is the clock's time at the precision PostgreSQL keeps.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }
