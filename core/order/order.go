// Package order is checkout and what follows it: the order and its state machine, its number,
// its shipping address and payment, and the use cases that place, pay, cancel and fulfil orders.
//
// Placing an order changes several areas at once (stock, the coupon, the wallet, the outbox) in one
// unit of work (Stores). A card part is never charged inside it: the order commits PENDING with a
// card payment to send, and a job sends it to the PaymentGateway after commit (CardPayments).
package order

import (
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// Order is a customer's purchase. Amounts are in minor units of the order's currency (its market's).
type Order struct {
	ID              string
	Number          string // human-facing, e.g. J20261126-00000123 (see FormatNumber)
	UserID          string
	Market          kernel.Market
	Currency        kernel.Currency
	Status          Status
	Lines           []Line
	Amounts         Amounts
	UserCouponID    string // empty without a coupon
	ShippingAddress Address
	Payment         Payment
	PaymentDeadline *time.Time // set while a card part awaits the gateway
	IdempotencyKey  string     // the key of the request that placed it; unique per customer
	CancelReason    string
	PaidAt          *time.Time
	ShippedAt       *time.Time
	DeliveredAt     *time.Time
	CancelledAt     *time.Time
	RefundedAmount  int64
	Version         int // bumped by every transition; Repository.Update checks it
	Timeline        []TimelineEntry
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Line is one SKU of an order with the price and discount it was bought at (snapshots).
type Line struct {
	ID               string
	SKUID            string
	ProductID        string
	Name             string // in the buyer's language at purchase
	SKUCode          string
	Attributes       map[string]string
	UnitPrice        int64 // list price in the order currency
	Quantity         int
	Discount         int64 // the promotion's discount on the line
	CouponShare      int64 // the line's share of the coupon discount (refunds pay it back per line)
	LineTotal        int64 // UnitPrice*Quantity - Discount
	PromotionID      string
	RefundedQuantity int
}

// Amounts are the order's totals, as the cart totals calculator computed them at purchase, and how
// they were paid. WalletPaid + CardPaid = Total. WalletDebitKRW is what the KRW wallet was debited
// for WalletPaid (the same for a KR order; converted at the order's FX rate, half-up, otherwise).
type Amounts struct {
	Subtotal       int64
	ItemDiscount   int64
	CouponDiscount int64
	ShippingFee    int64
	Tax            int64
	TaxIncluded    bool
	Total          int64
	WalletPaid     int64
	CardPaid       int64
	WalletDebitKRW int64
}

// TimelineEntry is one status change of an order (order_status_history).
type TimelineEntry struct {
	ID     string
	From   Status // empty for the creation entry
	To     Status
	Reason string
	Actor  Actor
	At     time.Time
}

// Money returns amount in the order's currency.
func (o Order) Money(amount int64) kernel.Money { return kernel.NewMoney(amount, o.Currency) }

// Transition moves o to status to on behalf of by, if the state machine allows it; otherwise it is
// INVALID_STATE_TRANSITION and o is unchanged. It stamps the state's time, appends the timeline
// entry and bumps the version; the caller saves o with Repository.Update(o, version before).
func (o *Order) Transition(to Status, by Actor, reason string, at time.Time) error {
	if !CanTransition(o.Status, to, by.Type) {
		return errTransition(o.Status, to)
	}
	at = at.UTC()
	switch to {
	case Paid:
		o.PaidAt, o.PaymentDeadline = &at, nil
	case Shipped:
		o.ShippedAt = &at
	case Delivered:
		o.DeliveredAt = &at
	case Cancelled:
		o.CancelledAt, o.CancelReason, o.PaymentDeadline = &at, reason, nil
	}
	o.Timeline = append(o.Timeline, TimelineEntry{ID: kernel.NewID(), From: o.Status, To: to, Reason: reason, Actor: by, At: at})
	o.Status, o.UpdatedAt = to, at
	o.Version++
	return nil
}

// Quantities returns the ordered quantity per SKU.
func (o Order) Quantities() map[string]int {
	q := make(map[string]int, len(o.Lines))
	for _, l := range o.Lines {
		q[l.SKUID] += l.Quantity
	}
	return q
}
