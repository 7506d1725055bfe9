package refund

import (
	"context"
	"errors"
	"math/big"
	"strconv"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/notification"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// Event types of the refunds area (topic jupang.refunds.v1, key: refund id).
const (
	Topic          = "jupang.refunds.v1"
	EventRequested = "refund.requested"
	EventApproved  = "refund.approved"
	EventCompleted = "refund.completed"
	EventRejected  = "refund.rejected"
)

// EventData is the payload of every refund event.
type EventData struct {
	RefundID    string `json:"refundId"`
	OrderID     string `json:"orderId"`
	UserID      string `json:"userId"`
	Status      Status `json:"status"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	AmountKRW   int64  `json:"amountKrw"`
	OrderStatus string `json:"orderStatus,omitempty"`
}

// Deps are the service's collaborators.
type Deps struct {
	Tx        uow.UnitOfWork[Stores]
	Inventory *inventory.Service
	Wallet    *wallet.Service
	Rates     Rates
	Clock     kernel.Clock
	Policy    Policy
	// Announcer, when set, is told of the customer's notifications once the outermost unit of
	// work that stored them committed (the dev log).
	Announcer notification.Announcer
}

// Service is the refund workflow.
type Service struct{ d Deps }

// NewService returns the workflow; a zero Policy.Window takes DefaultPolicy's.
func NewService(d Deps) *Service {
	if d.Policy.Window <= 0 {
		d.Policy.Window = DefaultPolicy.Window
	}
	return &Service{d: d}
}

// ItemInput is one requested order line.
type ItemInput struct {
	OrderItemID string
	Quantity    int
}

// RequestInput is POST /v1/wallet/refunds: units of the caller's order (none: every unit not
// refunded yet), why, and whether the units go back to stock.
type RequestInput struct {
	OrderID string
	Items   []ItemInput
	Reason  string
	Restock bool
}

func (s *Service) now() time.Time { return s.d.Clock.Now().UTC().Truncate(time.Microsecond) }

// Request asks for a refund of the caller's order in ONE unit of work: the order locked, the
// refund priced on top of the order's other refunds (never beyond what was paid, per line and in
// total), stored REQUESTED with refund.requested; then the policy either approves and completes it
// in the same unit of work, or sends it to review (PENDING_REVIEW). Someone else's order is
// ORDER_NOT_FOUND; an order not DELIVERED (or PARTIALLY_REFUNDED) is INVALID_STATE_TRANSITION. A
// second call with the request's Idempotency-Key returns the refund the first made.
func (s *Service) Request(ctx context.Context, in RequestInput) (Refund, error) {
	req := kernel.RequestFrom(ctx)
	userID, key := req.Principal.ID, string(req.IdempotencyKey)
	if userID == "" {
		return Refund{}, errs.ErrUnauthenticated
	}
	if err := validate(in); err != nil {
		return Refund{}, err
	}
	if key != "" {
		if r, err := s.byKey(ctx, userID, key); err == nil {
			return r, nil
		} else if !errors.Is(err, ErrRefundNotFound) {
			return Refund{}, err
		}
	}
	var r Refund
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		o, err := st.Orders.Lock(ctx, in.OrderID)
		if err != nil {
			return err
		}
		if o.UserID != userID {
			return order.ErrOrderNotFound
		}
		if !order.Refundable(o.Status) {
			return order.ErrNotRefundable(o.Status)
		}
		claimed, err := st.Refunds.Claimed(ctx, o.ID)
		if err != nil {
			return err
		}
		want := make([]order.RefundLine, len(in.Items))
		for i, it := range in.Items {
			want[i] = order.RefundLine{LineID: it.OrderItemID, Quantity: it.Quantity}
		}
		q, err := o.QuoteRefund(claimed, want)
		if err != nil {
			return err
		}
		now := s.now()
		krw, err := s.krw(ctx, o, q.Total, now)
		if err != nil {
			return err
		}
		r = Refund{ID: kernel.NewID(), OrderID: o.ID, UserID: o.UserID, Status: Requested, Amount: q.Total, Currency: o.Currency,
			AmountKRW: krw, Reason: in.Reason, Source: SourceCustomer, RequestedBy: userID, Restock: in.Restock,
			IdempotencyKey: key, CreatedAt: now, UpdatedAt: now}
		for _, l := range q.Lines {
			r.Items = append(r.Items, Item{ID: kernel.NewID(), OrderItemID: l.LineID, SKUID: l.SKUID, Quantity: l.Quantity, Amount: l.Amount})
		}
		if err := st.Refunds.Create(ctx, r); err != nil {
			return err
		}
		if err := s.emit(ctx, st, r, "", EventRequested); err != nil {
			return err
		}
		if !s.d.Policy.AutoApproves(krw, o.DeliveredAt, now) {
			if err := r.Review(now); err != nil {
				return err
			}
			return st.Refunds.Update(ctx, r, Requested)
		}
		if err := r.Approve("", "", now); err != nil {
			return err
		}
		if err := st.Refunds.Update(ctx, r, Requested); err != nil {
			return err
		}
		return s.complete(ctx, st, &o, &r, order.System)
	})
	if errors.Is(err, ErrRefundKeyTaken) && key != "" {
		return s.byKey(ctx, userID, key) // another request with the key won the race
	}
	if err != nil {
		return Refund{}, err
	}
	return r, nil
}

// Approve approves a refund in review on behalf of staff member staffID and completes it, in ONE
// unit of work. It is the one approval path: the admin endpoint and support's call it.
func (s *Service) Approve(ctx context.Context, id, staffID, note string) (Refund, error) {
	return s.decide(ctx, id, staffID, note, func(ctx context.Context, st Stores, o *order.Order, r *Refund, now time.Time) error {
		if err := r.Approve(staffID, note, now); err != nil {
			return err
		}
		if err := st.Refunds.Update(ctx, *r, PendingReview); err != nil {
			return err
		}
		return s.complete(ctx, st, o, r, order.Staff(staffID))
	})
}

// Reject rejects a refund in review on behalf of staff member staffID; its units and amount are
// free for another refund again, and the customer is told.
func (s *Service) Reject(ctx context.Context, id, staffID, note string) (Refund, error) {
	var v errs.Validation
	v.Check(note != "", "note", errs.FieldRequired, "say why the refund is rejected")
	if err := v.Err(); err != nil {
		return Refund{}, err
	}
	return s.decide(ctx, id, staffID, note, func(ctx context.Context, st Stores, o *order.Order, r *Refund, now time.Time) error {
		if err := r.Reject(staffID, note, now); err != nil {
			return err
		}
		if err := st.Refunds.Update(ctx, *r, PendingReview); err != nil {
			return err
		}
		if err := s.emit(ctx, st, *r, string(o.Status), EventRejected); err != nil {
			return err
		}
		return s.notify(ctx, st, *o, *r, "refund.rejected", rejectedTitle, rejectedBody, now)
	})
}

// decide runs a staff decision on refund id: the order locked first (as every refund and
// cancellation of it does), then the refund read under that lock.
func (s *Service) decide(ctx context.Context, id, staffID, note string,
	fn func(ctx context.Context, st Stores, o *order.Order, r *Refund, now time.Time) error) (Refund, error) {
	var v errs.Validation
	v.Check(kernel.IsID(staffID), "staffId", errs.FieldInvalidID, "must be a UUID")
	v.Check(len(note) <= 1000, "note", errs.FieldTooLong, "at most 1000 characters")
	if err := v.Err(); err != nil {
		return Refund{}, err
	}
	if !kernel.IsID(id) {
		return Refund{}, ErrRefundNotFound
	}
	var r Refund
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		first, err := st.Refunds.ByID(ctx, id)
		if err != nil {
			return err
		}
		o, err := st.Orders.Lock(ctx, first.OrderID)
		if err != nil {
			return err
		}
		if r, err = st.Refunds.ByID(ctx, id); err != nil {
			return err
		}
		return fn(ctx, st, &o, &r, s.now())
	})
	return r, err
}

// complete pays an APPROVED refund out in the caller's unit of work, the order locked: the
// order's refunded units and amount (guarded), its PARTIALLY_REFUNDED|REFUNDED state, the wallet
// credit (one per refund), the stock returned when asked, the purchase counts, the events and the
// customer's notification.
func (s *Service) complete(ctx context.Context, st Stores, o *order.Order, r *Refund, by order.Actor) error {
	now := s.now()
	lines := make([]order.RefundLine, len(r.Items))
	stock := make([]inventory.Line, len(r.Items))
	for i, it := range r.Items {
		lines[i] = order.RefundLine{LineID: it.OrderItemID, Quantity: it.Quantity}
		stock[i] = inventory.Line{SKUID: it.SKUID, Quantity: it.Quantity}
	}
	if err := st.Refunds.AddRefunded(ctx, o.ID, lines, r.Amount); err != nil {
		return err
	}
	version := o.Version
	if err := o.ApplyRefund(lines, r.Amount, by, "refund "+r.ID, now); err != nil {
		return err
	}
	if err := st.Orders.Update(ctx, *o, version); err != nil {
		return err
	}
	if _, err := s.d.Wallet.Credit(ctx, st.Wallet, wallet.Movement{UserID: r.UserID, Type: wallet.TypeRefund, Amount: r.AmountKRW,
		OrderID: o.ID, RefundID: r.ID, ActorID: by.ID, Note: o.Number}); err != nil {
		return err
	}
	if r.Restock {
		if _, err := s.d.Inventory.Return(ctx, st.Inventory, inventory.ForOrder(o.ID, by.ID), stock); err != nil {
			return err
		}
	}
	products := map[string]int{}
	var productOrder []string
	for _, it := range r.Items {
		for _, l := range o.Lines {
			if l.ID == it.OrderItemID {
				if _, ok := products[l.ProductID]; !ok {
					productOrder = append(productOrder, l.ProductID)
				}
				products[l.ProductID] += it.Quantity
			}
		}
	}
	for _, p := range productOrder {
		if err := st.Purchases.Subtract(ctx, o.UserID, p, products[p]); err != nil {
			return err
		}
	}
	if err := r.Complete(now); err != nil {
		return err
	}
	if err := st.Refunds.Update(ctx, *r, Approved); err != nil {
		return err
	}
	if err := s.emit(ctx, st, *r, string(o.Status), EventApproved, EventCompleted); err != nil {
		return err
	}
	return s.notify(ctx, st, *o, *r, "refund.completed", completedTitle, completedBody, now)
}

func (s *Service) notify(ctx context.Context, st Stores, o order.Order, r Refund, typ string, title, body errs.Text, now time.Time) error {
	if st.Notifier == nil {
		return nil
	}
	dedup := "refund:" + r.ID + ":" + typ[len("refund."):]
	n := notification.New(r.UserID, typ, o.Market.Locale(), title, body, dedup,
		map[string]string{"refundId": r.ID, "orderId": o.ID, "amount": strconv.FormatInt(r.Amount, 10), "currency": r.Currency.Code}, now)
	if err := st.Notifier.Notify(ctx, n); err != nil {
		return err
	}
	if s.d.Announcer != nil {
		uow.AfterCommit(ctx, func() { s.d.Announcer.Announce(context.WithoutCancel(ctx), n) })
	}
	return nil
}

func (s *Service) emit(ctx context.Context, st Stores, r Refund, orderStatus string, types ...string) error {
	data := EventData{RefundID: r.ID, OrderID: r.OrderID, UserID: r.UserID, Status: r.Status, Amount: r.Amount,
		Currency: r.Currency.Code, AmountKRW: r.AmountKRW, OrderStatus: orderStatus}
	events := make([]integration.Event, 0, len(types))
	for _, t := range types {
		e, err := integration.NewEvent(ctx, s.d.Clock, Topic, t, r.ID, "refunds/"+r.ID, data)
		if err != nil {
			return err
		}
		events = append(events, e)
	}
	return st.Outbox.Append(ctx, events...)
}

// Get returns the caller's refund; someone else's is REFUND_NOT_FOUND (no existence leak).
func (s *Service) Get(ctx context.Context, id string) (Refund, error) {
	userID := kernel.RequestFrom(ctx).Principal.ID
	if !kernel.IsID(id) {
		return Refund{}, ErrRefundNotFound
	}
	var r Refund
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		r, err = st.Refunds.ByID(ctx, id)
		return err
	})
	if err != nil {
		return Refund{}, err
	}
	if r.UserID != userID {
		return Refund{}, ErrRefundNotFound
	}
	return r, nil
}

func (s *Service) byKey(ctx context.Context, userID, key string) (Refund, error) {
	var r Refund
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		r, err = st.Refunds.ByIdempotencyKey(ctx, userID, key)
		return err
	})
	return r, err
}

// krw is the wallet credit for amount of o's currency: the same for KRW; at the order's own rate
// (its wallet debit over its wallet part) when it had a wallet part; else at the current rate.
// Rounded half-up.
func (s *Service) krw(ctx context.Context, o order.Order, amount int64, now time.Time) (int64, error) {
	if o.Currency == kernel.KRW {
		return amount, nil
	}
	if o.Amounts.WalletPaid > 0 {
		rate := big.NewRat(o.Amounts.WalletDebitKRW, o.Amounts.WalletPaid)
		return kernel.FXRate{From: o.Currency, To: kernel.KRW, Rate: rate}.Convert(o.Money(amount)).Amount, nil
	}
	entries, err := s.d.Rates.CurrentRates(ctx, now)
	if err != nil {
		return 0, err
	}
	rates, err := catalog.CurrentRates(entries, now)
	if err != nil {
		return 0, err
	}
	rate, err := rates.For(o.Market)
	if err != nil {
		return 0, err
	}
	back := kernel.FXRate{From: o.Currency, To: kernel.KRW, Rate: new(big.Rat).Inv(rate.Rate)}
	return back.Convert(o.Money(amount)).Amount, nil
}

func validate(in RequestInput) error {
	var v errs.Validation
	v.Check(kernel.IsID(in.OrderID), "orderId", errs.FieldInvalidID, "must be a UUID")
	v.Check(in.Reason != "", "reason", errs.FieldRequired, "say why")
	v.Check(len(in.Reason) <= 1000, "reason", errs.FieldTooLong, "at most 1000 characters")
	v.Check(len(in.Items) <= 100, "items", errs.FieldOutOfRange, "at most 100 lines")
	seen := map[string]bool{}
	for i, it := range in.Items {
		at := "items[" + strconv.Itoa(i) + "]"
		v.Check(kernel.IsID(it.OrderItemID), at+".orderItemId", errs.FieldInvalidID, "must be a UUID")
		v.Check(it.Quantity >= 1 && it.Quantity <= 999, at+".quantity", errs.FieldOutOfRange, "must be 1..999")
		v.Check(!seen[it.OrderItemID], at+".orderItemId", FieldDuplicateLine, "named twice")
		seen[it.OrderItemID] = true
	}
	return v.Err()
}
