package order

import (
	"context"
	"slices"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/wallet"
)

// Reasons the system records when it cancels an order.
const (
	ReasonPaymentDeclined = "PAYMENT_DECLINED"
	ReasonPaymentTimeout  = "PAYMENT_TIMEOUT"
)

// Get returns the caller's order; someone else's is ORDER_NOT_FOUND (no existence leak).
func (s *Service) Get(ctx context.Context, id string) (Order, error) {
	userID := kernel.RequestFrom(ctx).Principal.ID
	if !kernel.IsID(id) {
		return Order{}, ErrOrderNotFound
	}
	var o Order
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		o, err = st.Orders.ByID(ctx, id)
		return err
	})
	if err != nil {
		return Order{}, err
	}
	if o.UserID != userID {
		return Order{}, ErrOrderNotFound
	}
	return o, nil
}

// ListFilter is GET /v1/orders' query.
type ListFilter struct {
	Status   string
	From, To *time.Time
	Cursor   string
	Limit    int // 1..100, default 20
}

type listPosition struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// List returns one page of the caller's orders, newest first.
func (s *Service) List(ctx context.Context, f ListFilter) (kernel.Page[Order], error) {
	q := ListQuery{UserID: kernel.RequestFrom(ctx).Principal.ID, From: f.From, To: f.To, Limit: f.Limit}
	var v errs.Validation
	if f.Status != "" {
		st, ok := ParseStatus(f.Status)
		v.Check(ok, "status", FieldInvalidOrderStatus, "must be an order status such as PAID")
		q.Status = st
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	v.Check(q.Limit >= 1 && q.Limit <= 100, "limit", errs.FieldOutOfRange, "must be 1..100")
	v.Check(f.From == nil || f.To == nil || f.From.Before(*f.To), "to", errs.FieldInvalidValue, "must be after from")
	if err := v.Err(); err != nil {
		return kernel.Page[Order]{}, err
	}
	if f.Cursor != "" {
		var p listPosition
		if err := kernel.DecodeCursor(f.Cursor, &p); err != nil {
			return kernel.Page[Order]{}, err
		}
		q.AfterCreated, q.AfterID = &p.CreatedAt, p.ID
	}
	want := q.Limit
	q.Limit++
	var orders []Order
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		orders, err = st.Orders.List(ctx, q)
		return err
	})
	if err != nil {
		return kernel.Page[Order]{}, err
	}
	page := kernel.Page[Order]{Items: orders}
	if len(orders) > want {
		page.Items = orders[:want]
		last := page.Items[want-1]
		page.NextCursor = kernel.EncodeCursor(listPosition{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return page, nil
}

// Cancel cancels the caller's order with reason, if its state allows: in one unit of work the
// stock goes back (released, or put back on hand after a sale), the purchase counts, the coupon
// (unless it expired) and the wallet part are restored; a card part that was charged is recorded
// as refund-pending and refunded by the card-payments job after commit.
func (s *Service) Cancel(ctx context.Context, id, reason string) (Order, error) {
	userID := kernel.RequestFrom(ctx).Principal.ID
	var v errs.Validation
	v.Check(len(reason) <= 500, "reason", errs.FieldTooLong, "at most 500 characters")
	if err := v.Err(); err != nil {
		return Order{}, err
	}
	if !kernel.IsID(id) {
		return Order{}, ErrOrderNotFound
	}
	var o Order
	var moves couponMoves
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		moves = moves[:0]
		var err error
		o, err = st.Orders.Lock(ctx, id)
		if err != nil {
			return err
		}
		if o.UserID != userID {
			return ErrOrderNotFound
		}
		return s.cancel(ctx, st, &o, Customer(userID), reason, &moves)
	})
	s.counted(moves, err)
	return o, err
}

// cancel moves a locked order to CANCELLED and restores what it held, in st; the state its coupon
// reached, if it came back, is added to moves.
func (s *Service) cancel(ctx context.Context, st Stores, o *Order, by Actor, reason string, moves *couponMoves) error {
	prev, version, now := o.Status, o.Version, s.now()
	if err := o.Transition(Cancelled, by, reason, now); err != nil {
		return err
	}
	ref := inventory.ForOrder(o.ID, by.ID)
	lines := stockLinesOf(*o)
	if prev == Pending {
		if _, err := s.d.Inventory.Release(ctx, st.Inventory, ref, lines); err != nil {
			return err
		}
	} else if _, err := s.d.Inventory.CancelSale(ctx, st.Inventory, ref, lines); err != nil {
		return err
	}
	for _, p := range productsOf(*o) {
		if err := st.Purchases.Subtract(ctx, o.UserID, p.ProductID, p.Quantity); err != nil {
			return err
		}
	}
	if o.UserCouponID != "" && st.Coupons != nil {
		to, err := st.Coupons.Restore(ctx, o.UserCouponID, o.ID, now)
		if err != nil {
			return err
		}
		if to != "" {
			*moves = append(*moves, to)
		}
	}
	if o.Amounts.WalletPaid > 0 {
		if _, err := s.d.Wallet.Credit(ctx, st.Wallet, wallet.Movement{UserID: o.UserID, Type: wallet.TypePaymentReversal,
			Amount: o.Amounts.WalletDebitKRW, OrderID: o.ID, Note: o.Number}); err != nil {
			return err
		}
	}
	if c := o.Payment.Card; c != nil {
		switch c.Status {
		case CardPending:
			// The gateway may still answer: keep asking until it is final, refunding an approval.
			c.Status = CardCancelled
			if reason == ReasonPaymentTimeout {
				c.Status = CardExpired
			}
			c.NextAttemptAt = later(c.NextAttemptAt, now)
		case CardApproved:
			c.Status, c.NextAttemptAt = CardRefundPending, &now
		}
	}
	if err := st.Orders.Update(ctx, *o, version); err != nil {
		return err
	}
	return s.emit(ctx, st, *o, reason, EventCancelled)
}

func later(t *time.Time, now time.Time) *time.Time {
	if t != nil && t.After(now) {
		return t
	}
	return &now
}

func productsOf(o Order) []Purchase {
	var out []Purchase
	index := map[string]int{}
	for _, l := range o.Lines {
		j, ok := index[l.ProductID]
		if !ok {
			j = len(out)
			index[l.ProductID] = j
			out = append(out, Purchase{ProductID: l.ProductID})
		}
		out[j].Quantity += l.Quantity
	}
	return out
}

// Fulfil moves an order to a fulfilment state (PREPARING, SHIPPED, DELIVERED) on behalf of staff
// member staffID: POST /v1/admin/orders/{id}/transitions.
func (s *Service) Fulfil(ctx context.Context, id string, to Status, staffID string) (Order, error) {
	if !slices.Contains(FulfilmentTargets, to) {
		return Order{}, invalid("to", FieldNotFulfilmentState, "must be PREPARING, SHIPPED or DELIVERED")
	}
	if !kernel.IsID(id) {
		return Order{}, ErrOrderNotFound
	}
	var o Order
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		if o, err = st.Orders.Lock(ctx, id); err != nil {
			return err
		}
		version := o.Version
		if err := o.Transition(to, Staff(staffID), "", s.now()); err != nil {
			return err
		}
		if err := st.Orders.Update(ctx, o, version); err != nil {
			return err
		}
		return s.emit(ctx, st, o, "", EventChanged)
	})
	return o, err
}

// ExpirePending cancels at most limit PENDING orders whose payment deadline passed, each as the
// cancellation does (reservation released, coupon restored, wallet part credited back), and
// reports how many. Orders are claimed FOR UPDATE SKIP LOCKED, so any number of workers may run it.
func (s *Service) ExpirePending(ctx context.Context, limit int) (int, error) {
	n := 0
	var moves couponMoves
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		n, moves = 0, moves[:0]
		due, err := st.Orders.ExpiredPending(ctx, s.now(), limit)
		if err != nil {
			return err
		}
		for i := range due {
			if err := s.cancel(ctx, st, &due[i], System, ReasonPaymentTimeout, &moves); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	s.counted(moves, err)
	return n, err
}

// claim is a card payment the card-payments job took for one round.
type claim struct {
	orderID string
	card    CardPayment
	amount  kernel.Money
}

// RunCardPayments is one round of the card-payments job: it claims at most limit due card
// payments in a short unit of work (leasing each for Config.RetryEvery), then, with no
// transaction open, asks the gateway (charge a PENDING one, look up one whose order was
// cancelled meanwhile, refund one charged for nothing), and settles each answer in a unit of work
// of its own. A crash or time-out anywhere leaves the payment due again when its lease ends; the
// gateway is idempotent by order id, so asking again is safe. It reports how many it settled.
func (s *Service) RunCardPayments(ctx context.Context, limit int) (int, error) {
	var claims []claim
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		claims = claims[:0]
		now := s.now()
		due, err := st.Orders.DueCardPayments(ctx, now, limit)
		if err != nil {
			return err
		}
		for _, o := range due {
			c := o.Payment.Card
			if c == nil {
				continue
			}
			lease := now.Add(s.d.Config.RetryEvery)
			c.Attempts++
			c.NextAttemptAt = &lease
			if err := st.Orders.Update(ctx, o, o.Version); err != nil {
				return err
			}
			claims = append(claims, claim{orderID: o.ID, card: *c, amount: o.Money(c.Amount)})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	settled := 0
	var firstErr error
	for _, c := range claims {
		charge, err := s.ask(ctx, c)
		if err == nil {
			err = s.settle(ctx, c.orderID, charge)
		}
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		settled++
	}
	return settled, firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// ask is the one gateway call of a claimed payment; no unit of work is open.
func (s *Service) ask(ctx context.Context, c claim) (Charge, error) {
	switch c.card.Status {
	case CardPending:
		return s.d.Gateway.Charge(ctx, ChargeRequest{OrderID: c.orderID, Amount: c.amount, Token: c.card.Token})
	case CardRefundPending:
		return s.d.Gateway.Refund(ctx, c.orderID)
	default:
		return s.d.Gateway.Lookup(ctx, c.orderID)
	}
}

// settle records the gateway's answer for an order in its own unit of work, against the order as
// it is now (it may have been cancelled or expired while the gateway was asked).
func (s *Service) settle(ctx context.Context, orderID string, ch Charge) error {
	var moves couponMoves
	err := s.d.Tx.Do(ctx, func(ctx context.Context, st Stores) error {
		moves = moves[:0]
		o, err := st.Orders.Lock(ctx, orderID)
		if err != nil {
			return err
		}
		c := o.Payment.Card
		if c == nil {
			return nil
		}
		version, now := o.Version, s.now()
		if ch.Brand != "" {
			c.Brand, c.Last4 = ch.Brand, ch.Last4
		}
		if ch.Reference != "" {
			c.GatewayRef = ch.Reference
		}
		var events []string
		switch {
		case c.Status == CardPending && o.Status == Pending && ch.Status == ChargeApproved:
			if err := o.Transition(Paid, System, "", now); err != nil {
				return err
			}
			if _, err := s.d.Inventory.CommitSale(ctx, st.Inventory, inventory.ForOrder(o.ID, ""), stockLinesOf(o)); err != nil {
				return err
			}
			c.Status, c.ApprovedAt, c.NextAttemptAt, c.Token = CardApproved, &now, nil, ""
			events = append(events, EventPaid)
		case c.Status == CardPending && o.Status == Pending && ch.Status == ChargeDeclined:
			c.Status, c.FailureCode, c.NextAttemptAt, c.Token = CardDeclined, ch.FailureCode, nil, ""
			if err := s.cancel(ctx, st, &o, System, ReasonPaymentDeclined, &moves); err != nil {
				return err
			}
			return nil // cancel saved the order and emitted its event
		case (c.Status == CardCancelled || c.Status == CardExpired) && ch.Status == ChargeApproved:
			// A late approval for an order that no longer wants it: give it back, never keep it.
			c.Status, c.ApprovedAt, c.NextAttemptAt, c.Token = CardRefundPending, &now, &now, ""
		case (c.Status == CardCancelled || c.Status == CardExpired) && (ch.Status == ChargeDeclined || ch.Status == ChargeNotFound):
			c.NextAttemptAt, c.Token = nil, ""
			if ch.FailureCode != "" {
				c.FailureCode = ch.FailureCode
			}
		case c.Status == CardRefundPending && ch.Status == ChargeRefunded:
			c.Status, c.NextAttemptAt = CardRefunded, nil
		default:
			// Not final yet (PROCESSING, or a charge the gateway has not seen): ask again when the lease ends.
		}
		if err := st.Orders.Update(ctx, o, version); err != nil {
			return err
		}
		if len(events) > 0 {
			return s.emit(ctx, st, o, "", events...)
		}
		return nil
	})
	s.counted(moves, err)
	return err
}
