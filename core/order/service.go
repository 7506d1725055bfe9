package order

import (
	"context"
	"errors"
	"math/big"
	"strconv"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// Config are the orders area's settings.
type Config struct {
	// PaymentTimeout is how long a card part may await the gateway (orders.payment_timeout).
	PaymentTimeout time.Duration
	// RetryEvery is how long the card-payments job waits before asking the gateway again about a
	// payment it could not settle (and the lease of a payment it is asking about).
	RetryEvery time.Duration
}

// DefaultConfig is the SPEC's: a 15-minute payment deadline.
var DefaultConfig = Config{PaymentTimeout: 15 * time.Minute, RetryEvery: 30 * time.Second}

// Deps are the service's collaborators.
type Deps struct {
	Tx uow.UnitOfWork[Stores]
	// Prices quotes the ordered SKUs: their products, the category tree and the market's pricing
	// (catalog.Service, from its read model; it may lag the primary by the read model's MaxStale).
	Prices Prices
	Terms  cart.Coupons // a user coupon's terms; nil: no coupons
	// CouponMetrics counts the user coupon transitions orders make (coupon_transitions_total),
	// once their unit of work committed; nil counts nothing.
	CouponMetrics coupon.Metrics
	Customers     Customers
	Numbers       Numbers
	Inventory     *inventory.Service
	Wallet        *wallet.Service
	Gateway       PaymentGateway
	Clock         kernel.Clock
	Config        Config
}

// Service is the orders area's use cases.
type Service struct{ d Deps }

// NewService returns the orders service; a zero Config field takes DefaultConfig's.
func NewService(d Deps) *Service {
	if d.Config.PaymentTimeout <= 0 {
		d.Config.PaymentTimeout = DefaultConfig.PaymentTimeout
	}
	if d.Config.RetryEvery <= 0 {
		d.Config.RetryEvery = DefaultConfig.RetryEvery
	}
	return &Service{d: d}
}

// WithClock returns a copy of the service, and of the inventory and wallet services it moves
// stock and money with, that tells time by clock: the dev seed places its order history in the
// past, with every timestamp, audit row, ledger entry and event at the order's own instant.
func (s *Service) WithClock(clock kernel.Clock) *Service {
	d := s.d
	d.Clock = clock
	if d.Inventory != nil {
		d.Inventory = d.Inventory.WithClock(clock)
	}
	if d.Wallet != nil {
		d.Wallet = d.Wallet.WithClock(clock)
	}
	return &Service{d: d}
}

// ItemInput is one requested line.
type ItemInput struct {
	SKUID    string
	Quantity int
}

// PaymentInput says how to pay: WALLET pays everything from the wallet (WalletAmount, if given,
// must be the total); CARD charges CardToken for the total less WalletAmount (default 0).
type PaymentInput struct {
	Method       Method
	WalletAmount *int64
	CardToken    string
}

// PlaceInput is POST /v1/orders: Items or FromCart, an optional user coupon, an optional shipping
// address (default: the customer's default address) and the payment.
type PlaceInput struct {
	Items           []ItemInput
	FromCart        bool
	UserCouponID    string
	ShippingAddress *Address
	Payment         PaymentInput
}

// Event types the orders area appends to the outbox (topic jupang.orders.v1, key: order id).
const (
	Topic          = "jupang.orders.v1"
	EventCreated   = "order.created"
	EventPaid      = "order.paid"
	EventCancelled = "order.cancelled"
	EventChanged   = "order.status_changed"
)

// EventData is the payload of every order event.
type EventData struct {
	OrderID    string `json:"orderId"`
	Number     string `json:"number"`
	UserID     string `json:"userId"`
	Status     Status `json:"status"`
	Market     string `json:"market"`
	Currency   string `json:"currency"`
	Total      int64  `json:"total"`
	WalletPaid int64  `json:"walletPaid"`
	CardPaid   int64  `json:"cardPaid"`
	Reason     string `json:"reason,omitempty"`
}

func (s *Service) now() time.Time { return s.d.Clock.Now().UTC().Truncate(time.Microsecond) }

// Place places the caller's order in ONE unit of work: server-side prices, the reservation, the
// coupon turned USED, the wallet debit, the order with its timeline and payments, the ordered
// lines taken out of the cart (FromCart), and the outbox events. Fully paid from the wallet, it is
// PAID and its stock sold; with a card part it is PENDING until the card-payments job has the
// gateway's answer (never called here). Every refusal leaves nothing changed. A second call with
// the request's Idempotency-Key returns the order the first placed.
func (s *Service) Place(ctx context.Context, in PlaceInput) (Order, error) {
	req := kernel.RequestFrom(ctx)
	userID, key := req.Principal.ID, string(req.IdempotencyKey)
	if userID == "" {
		return Order{}, errs.ErrUnauthenticated
	}
	if err := validatePlace(in); err != nil {
		return Order{}, err
	}
	o, err := s.place(ctx, userID, req.Market, key, in)
	if err != nil && key != "" {
		// The key's first order is looked up only when this attempt failed (it may have failed
		// because that order took the stock, the balance or the coupon): a retry answers with the
		// first order, and a first attempt, the common case, pays no extra read.
		if first, ferr := s.byKey(ctx, userID, key); ferr == nil {
			return first, nil
		}
	}
	return o, err
}

// place is Place after validation.
func (s *Service) place(ctx context.Context, userID string, market kernel.Market, key string, in PlaceInput) (Order, error) {
	address, err := s.shippingAddress(ctx, userID, market, in.ShippingAddress)
	if err != nil {
		return Order{}, err
	}
	items, cartID, err := s.requestedItems(ctx, userID, in)
	if err != nil {
		return Order{}, err
	}
	now := s.now()
	priced, err := s.price(ctx, market, items, now)
	if err != nil {
		return Order{}, err
	}
	var terms *cart.CouponTerms
	if in.UserCouponID != "" {
		t, err := s.couponTerms(ctx, userID, in.UserCouponID, market, now)
		if err != nil {
			return Order{}, err
		}
		terms = &t
	}
	totals, err := cart.Calculate(cart.Input{Market: market, Lines: priced.lines, Coupon: terms, Rate: priced.rate})
	if err != nil {
		return Order{}, err
	}
	if terms != nil && !totals.Coupon.Applied {
		return Order{}, ErrCouponNotApplicable.WithExtra("reasons", totals.Coupon.Reasons)
	}
	walletPaid, cardPaid, err := split(in.Payment, totals.Total.Amount)
	if err != nil {
		return Order{}, err
	}
	seq, err := s.d.Numbers.Next(ctx, NumberDay(now))
	if err != nil {
		return Order{}, err
	}
	o := s.newOrder(userID, market, key, FormatNumber(NumberDay(now), seq), address, in, priced, totals, walletPaid, cardPaid, now)
	err = s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		return s.write(ctx, st, &o, priced, cartID)
	})
	if err != nil {
		return Order{}, err
	}
	if o.UserCouponID != "" {
		s.counted(couponMoves{coupon.UserUsed}, nil)
	}
	return o, nil
}

// couponMoves are the states user coupons reached in one unit of work of the orders area.
type couponMoves []coupon.UserStatus

// counted counts moves once their unit of work committed (err nil).
func (s *Service) counted(moves couponMoves, err error) {
	if err != nil || s.d.CouponMetrics == nil {
		return
	}
	for _, to := range moves {
		s.d.CouponMetrics.Transition(to)
	}
}

// write is Place's unit of work. The SKU rows the stock step locks (in ascending order) are the
// ones concurrent checkouts queue on until this transaction ends, so everything else that can go
// before it does: the user coupon (locked first: the order row's reference to it takes a share
// lock that a later FOR UPDATE of another checkout of the coupon would deadlock on), the order row
// and its events, the cart; after it only the purchase counts and the wallet debit.
func (s *Service) write(ctx context.Context, st Stores, o *Order, priced pricedLines, cartID string) error {
	if o.UserCouponID != "" {
		if st.Coupons == nil {
			return ErrCouponNotApplicable.WithMessage("coupons are not connected")
		}
		if err := st.Coupons.Use(ctx, o.UserID, o.UserCouponID, o.ID, o.Money(o.Amounts.CouponDiscount), o.CreatedAt); err != nil {
			return err
		}
	}
	if err := st.Orders.Create(ctx, *o); err != nil {
		return err
	}
	types := []string{EventCreated}
	if o.Status == Paid {
		types = append(types, EventPaid)
	}
	if err := s.emit(ctx, st, *o, "", types...); err != nil {
		return err
	}
	if cartID != "" {
		if err := s.checkOut(ctx, st, *o); err != nil {
			return err
		}
	}
	// A fully wallet-paid order is sold in one stock step; a card part waits on a reservation.
	take := s.d.Inventory.Reserve
	if o.Status == Paid {
		take = s.d.Inventory.Sell
	}
	if _, err := take(ctx, st.Inventory, inventory.ForOrder(o.ID, o.UserID), stockLinesOf(*o)); err != nil {
		if errors.Is(err, inventory.ErrOutOfStock) {
			return cart.OutOfStock(availableOf(err)).WithExtra("skuId", errs.As(err).Extra["skuId"])
		}
		return err
	}
	purchases := priced.products()
	refused, err := st.Purchases.Add(ctx, o.UserID, purchases)
	if err != nil {
		return err
	}
	for _, p := range purchases {
		if p.ProductID == refused {
			return cart.PurchaseLimitExceeded(p.Limit).WithExtra("productId", p.ProductID)
		}
	}
	if o.Amounts.WalletPaid > 0 {
		if _, err := s.d.Wallet.Debit(ctx, st.Wallet, wallet.Movement{UserID: o.UserID, Type: wallet.TypePayment,
			Amount: o.Amounts.WalletDebitKRW, OrderID: o.ID, Note: o.Number}); err != nil {
			return err
		}
	}
	return nil
}

// checkOut takes the ordered SKUs out of the customer's cart.
func (s *Service) checkOut(ctx context.Context, st Stores, o Order) error {
	c, err := st.Carts.LockActive(ctx, cart.Owner{UserID: o.UserID},
		cart.Cart{ID: kernel.NewID(), Owner: cart.Owner{UserID: o.UserID}, Market: o.Market, Status: cart.StatusActive, CreatedAt: o.CreatedAt, UpdatedAt: o.CreatedAt})
	if err != nil {
		return err
	}
	ordered := o.Quantities()
	for _, it := range c.Items {
		if _, ok := ordered[it.SKUID]; ok {
			if _, err := st.Carts.RemoveItem(ctx, c.ID, it.ID); err != nil {
				return err
			}
		}
	}
	if c.UserCouponID == o.UserCouponID && o.UserCouponID != "" {
		c.UserCouponID = ""
	}
	c.UpdatedAt = o.CreatedAt
	return st.Carts.SaveHeader(ctx, c)
}

func (s *Service) emit(ctx context.Context, st Stores, o Order, reason string, types ...string) error {
	data := EventData{OrderID: o.ID, Number: o.Number, UserID: o.UserID, Status: o.Status, Market: string(o.Market),
		Currency: o.Currency.Code, Total: o.Amounts.Total, WalletPaid: o.Amounts.WalletPaid, CardPaid: o.Amounts.CardPaid, Reason: reason}
	events := make([]integration.Event, 0, len(types))
	for _, t := range types {
		e, err := integration.NewEvent(ctx, s.d.Clock, Topic, t, o.ID, "orders/"+o.ID, data)
		if err != nil {
			return err
		}
		events = append(events, e)
	}
	return st.Outbox.Append(ctx, events...)
}

func (s *Service) byKey(ctx context.Context, userID, key string) (Order, error) {
	var o Order
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		o, err = st.Orders.ByIdempotencyKey(ctx, userID, key)
		return err
	})
	return o, err
}

func validatePlace(in PlaceInput) error {
	var v errs.Validation
	switch {
	case in.FromCart && len(in.Items) > 0:
		v.Check(false, "items", errs.FieldInvalidValue, "give items or fromCart, not both")
	case !in.FromCart && len(in.Items) == 0:
		v.Check(false, "items", errs.FieldRequired, "give items or fromCart: true")
	}
	v.Check(len(in.Items) <= 100, "items", errs.FieldOutOfRange, "at most 100 lines")
	for i, it := range in.Items {
		at := "items[" + strconv.Itoa(i) + "]"
		v.Check(kernel.IsID(it.SKUID), at+".skuId", errs.FieldInvalidID, "must be a UUID")
		v.Check(it.Quantity >= 1 && it.Quantity <= cart.MaxQuantity, at+".quantity", errs.FieldOutOfRange, "must be 1..999")
	}
	v.Check(in.UserCouponID == "" || kernel.IsID(in.UserCouponID), "userCouponId", errs.FieldInvalidID, "must be a UUID")
	switch in.Payment.Method {
	case MethodWallet:
		v.Check(in.Payment.CardToken == "", "payment.cardToken", errs.FieldInvalidValue, "a WALLET payment takes no card token")
	case MethodCard:
		v.Check(in.Payment.CardToken != "", "payment.cardToken", errs.FieldRequired, "a CARD payment needs a card token")
		v.Check(len(in.Payment.CardToken) <= 255, "payment.cardToken", errs.FieldTooLong, "at most 255 characters")
	default:
		v.Check(false, "payment.method", FieldInvalidPaymentMethod, "must be WALLET or CARD")
	}
	if w := in.Payment.WalletAmount; w != nil {
		v.Check(*w >= 0, "payment.walletAmount", errs.FieldNegative, "must not be negative")
	}
	return v.Err()
}

// split decides the wallet and card parts of total.
func split(p PaymentInput, total int64) (walletPaid, cardPaid int64, err error) {
	if p.WalletAmount != nil && *p.WalletAmount > total {
		return 0, 0, invalid("payment.walletAmount", FieldWalletAboveTotal, "the total is "+strconv.FormatInt(total, 10))
	}
	if p.Method == MethodWallet {
		if p.WalletAmount != nil && *p.WalletAmount != total {
			return 0, 0, invalid("payment.walletAmount", errs.FieldInvalidValue,
				"a WALLET payment pays the whole total ("+strconv.FormatInt(total, 10)+"); pay the rest with CARD")
		}
		return total, 0, nil
	}
	if p.WalletAmount != nil {
		walletPaid = *p.WalletAmount
	}
	return walletPaid, total - walletPaid, nil
}

func (s *Service) shippingAddress(ctx context.Context, userID string, m kernel.Market, given *Address) (Address, error) {
	a := given
	if a == nil {
		saved, err := s.d.Customers.DefaultAddress(ctx, userID)
		if err != nil {
			return Address{}, err
		}
		if saved == nil {
			return Address{}, invalid("shippingAddress", FieldNoShippingAddress, "no address given and no default address saved")
		}
		a = saved
	}
	var v errs.Validation
	ValidateShippingAddress(&v, m, *a, "shippingAddress")
	return *a, v.Err()
}

func (s *Service) requestedItems(ctx context.Context, userID string, in PlaceInput) ([]ItemInput, string, error) {
	if !in.FromCart {
		return in.Items, "", nil
	}
	var c cart.Cart
	var ok bool
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		if st.Carts == nil {
			return nil // the carts area is not connected: nobody has a cart
		}
		var err error
		c, ok, err = st.Carts.Active(ctx, cart.Owner{UserID: userID})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if !ok || len(c.Items) == 0 {
		return nil, "", ErrCartEmpty
	}
	items := make([]ItemInput, len(c.Items))
	for i, it := range c.Items {
		items[i] = ItemInput{SKUID: it.SKUID, Quantity: it.Quantity}
	}
	return items, c.ID, nil
}

func (s *Service) couponTerms(ctx context.Context, userID, userCouponID string, m kernel.Market, at time.Time) (cart.CouponTerms, error) {
	if s.d.Terms == nil {
		return cart.CouponTerms{}, ErrCouponNotApplicable.WithMessage("coupons are not connected")
	}
	t, err := s.d.Terms.Terms(ctx, userID, userCouponID, m, at)
	if err != nil {
		if k := errs.KindOf(err); k == errs.Unavailable || k == errs.Internal {
			return cart.CouponTerms{}, err
		}
		e := errs.As(err)
		reason := e.Code
		if len(e.Fields) > 0 {
			reason = e.Fields[0].Code // the coupons area's reason (ALREADY_USED, EXPIRED, …)
		}
		return cart.CouponTerms{}, ErrCouponNotApplicable.Wrap(err).WithExtra("reasons", []string{reason})
	}
	return t, nil
}

func availableOf(err error) int {
	if n, ok := errs.As(err).Extra["available"].(int); ok {
		return n
	}
	return 0
}

func stockLinesOf(o Order) []inventory.Line {
	lines := make([]inventory.Line, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = inventory.Line{SKUID: l.SKUID, Quantity: l.Quantity}
	}
	return lines
}

// krwFor is the KRW the wallet pays for amount of the order currency: the same for KRW, else the
// amount converted back at the rate the order was priced at, rounded half-up.
func krwFor(amount kernel.Money, rate kernel.FXRate) int64 {
	if amount.Currency == kernel.KRW || amount.Amount == 0 {
		return amount.Amount
	}
	back := kernel.FXRate{From: amount.Currency, To: kernel.KRW, Rate: new(big.Rat).Inv(rate.Rate)}
	return back.Convert(amount).Amount
}

func (s *Service) newOrder(userID string, m kernel.Market, key, number string, a Address, in PlaceInput, priced pricedLines,
	t cart.Totals, walletPaid, cardPaid int64, now time.Time) Order {
	o := Order{ID: kernel.NewID(), Number: number, UserID: userID, Market: m, Currency: m.Currency(), Status: Paid,
		UserCouponID: in.UserCouponID, ShippingAddress: a, IdempotencyKey: key, Version: 1, CreatedAt: now, UpdatedAt: now}
	o.Amounts = Amounts{Subtotal: t.Subtotal.Amount, ItemDiscount: t.ItemDiscount.Amount, CouponDiscount: t.CouponDiscount.Amount,
		ShippingFee: t.ShippingFee.Amount, Tax: t.EstimatedTax.Amount, TaxIncluded: t.TaxIncluded, Total: t.Total.Amount,
		WalletPaid: walletPaid, CardPaid: cardPaid, WalletDebitKRW: krwFor(kernel.NewMoney(walletPaid, m.Currency()), priced.rate)}
	for i, l := range priced.lines {
		info := priced.info[i]
		lt := t.Lines[i]
		o.Lines = append(o.Lines, Line{ID: kernel.NewID(), SKUID: l.Key, ProductID: l.ProductID, Name: info.name, SKUCode: info.skuCode,
			Attributes: info.attributes, UnitPrice: l.UnitPrice, Quantity: int(l.Quantity), Discount: lt.ItemDiscount.Amount,
			CouponShare: lt.CouponShare.Amount, LineTotal: lt.Net.Amount, PromotionID: l.PromotionID})
	}
	o.Payment = Payment{Method: MethodWallet, WalletAmount: walletPaid}
	if cardPaid > 0 {
		deadline := now.Add(s.d.Config.PaymentTimeout)
		o.Status, o.PaymentDeadline, o.Payment.Method = Pending, &deadline, MethodCard
		o.Payment.Card = &CardPayment{ID: kernel.NewID(), Amount: cardPaid, Token: in.Payment.CardToken, Status: CardPending, NextAttemptAt: &now}
	} else {
		o.PaidAt = &now
	}
	o.Timeline = []TimelineEntry{{ID: kernel.NewID(), To: o.Status, Actor: Customer(userID), At: now}}
	return o
}

// pricedLines are the requested lines priced for the order's market.
type pricedLines struct {
	lines []cart.Line
	info  []lineInfo
	rate  kernel.FXRate
}

type lineInfo struct {
	name, skuCode string
	attributes    map[string]string
	perCustomer   int
}

// products sums the lines per product (limits count products, not SKUs).
func (p pricedLines) products() []Purchase {
	var out []Purchase
	index := map[string]int{}
	for i, l := range p.lines {
		j, ok := index[l.ProductID]
		if !ok {
			j = len(out)
			index[l.ProductID] = j
			out = append(out, Purchase{ProductID: l.ProductID, Limit: p.info[i].perCustomer})
		}
		out[j].Quantity += int(l.Quantity)
	}
	return out
}

// price prices items in market m at now: each SKU's product (it must be on sale in m, the SKU
// active), its list price and the promotion the catalog picks, and the per-order limit.
func (s *Service) price(ctx context.Context, m kernel.Market, items []ItemInput, now time.Time) (pricedLines, error) {
	merged := map[string]int{}
	var order []string
	for _, it := range items {
		if _, ok := merged[it.SKUID]; !ok {
			order = append(order, it.SKUID)
		}
		merged[it.SKUID] += it.Quantity
	}
	quote, err := s.d.Prices.Quote(ctx, m, order, now)
	if err != nil {
		return pricedLines{}, err
	}
	out := pricedLines{rate: quote.Rate}
	perProduct := map[string]int{}
	for _, skuID := range order {
		owner, known := quote.Owners[skuID]
		p, ok := quote.Products[owner]
		sku, found := p.SKU(skuID)
		if !known || !ok || !found || !sku.Active || !p.Visible(m) {
			return pricedLines{}, cart.ErrSKUNotFound.WithExtra("skuId", skuID)
		}
		q := merged[skuID]
		perProduct[p.ID] += q
		if p.Limits.PerOrder > 0 && perProduct[p.ID] > p.Limits.PerOrder {
			return pricedLines{}, cart.PurchaseLimitExceeded(p.Limits.PerOrder).WithExtra("productId", p.ID)
		}
		price := quote.Pricer.SKUPrice(p, sku)
		line := cart.Line{Key: skuID, ProductID: p.ID, CategoryAncestry: quote.Tree.Ancestry(p.CategoryID), UnitPrice: price.List.Amount,
			UnitPromotionDiscount: price.List.Amount - price.Sale.Amount, Quantity: int64(q)}
		if price.Promotion != nil {
			line.PromotionID = price.Promotion.ID
		}
		out.lines = append(out.lines, line)
		out.info = append(out.info, lineInfo{name: p.Names.In(kernel.RequestFrom(ctx).Locale), skuCode: sku.Code,
			attributes: sku.Attributes, perCustomer: p.Limits.PerCustomer})
	}
	return out, nil
}

// invalid is VALIDATION_FAILED naming one field.
func invalid(field string, code errs.FieldCode, message string) error {
	var v errs.Validation
	v.Check(false, field, code, message)
	return v.Err()
}
