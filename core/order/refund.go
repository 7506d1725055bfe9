package order

import (
	"time"

	"github.com/jupang/jupang/core/errs"
)

// RefundLine is how many units of one order line (by line id) a refund gives back.
type RefundLine struct {
	LineID   string
	Quantity int
}

// Claims are what the order's refunds already hold (every refund not rejected): units per line id
// and their total amount. A new refund is priced on top of them, so that refunds in review and
// completed ones together never exceed what was paid.
type Claims struct {
	Units  map[string]int
	Amount int64
}

// QuotedLine is one line of a refund with the amount its units carry.
type QuotedLine struct {
	LineID   string
	SKUID    string
	Quantity int
	Amount   int64
}

// Quote is what a refund of some units gives back: per line, and in total. Rest is the part of
// the total no line carries (shipping, tax added at checkout): the refund that takes the order's
// last units carries it, so that refunding everything gives back exactly Total.
type Quote struct {
	Lines []QuotedLine
	Rest  int64
	Total int64
}

// Paid is what the customer paid for the line: its total less its share of the coupon discount.
func (l Line) Paid() int64 { return l.LineTotal - l.CouponShare }

// paidFor is the part of Paid that units [from, from+q) carry. Rounding down the running sum makes
// the parts of all units add up to exactly Paid, whatever the refunds' sizes.
func (l Line) paidFor(from, q int) int64 {
	at := func(n int) int64 { return l.Paid() * int64(n) / int64(l.Quantity) }
	return at(from+q) - at(from)
}

// QuoteRefund prices a refund of want on top of claimed. An empty want asks for every unit not yet
// claimed. A line the order does not have is VALIDATION_FAILED; units beyond a line's unclaimed
// ones, or nothing left to refund, is REFUND_EXCEEDS_PAID. The total never exceeds Total less
// claimed.Amount (per line: never more than the line's Paid).
func (o Order) QuoteRefund(claimed Claims, want []RefundLine) (Quote, error) {
	if len(want) == 0 {
		for _, l := range o.Lines {
			if left := l.Quantity - claimed.Units[l.ID]; left > 0 {
				want = append(want, RefundLine{LineID: l.ID, Quantity: left})
			}
		}
		if len(want) == 0 {
			return Quote{}, ErrRefundExceedsPaid.WithMessage("every unit of the order is refunded or in a refund already")
		}
	}
	byID := make(map[string]Line, len(o.Lines))
	for _, l := range o.Lines {
		byID[l.ID] = l
	}
	var q Quote
	taken := make(map[string]int, len(want))
	for _, w := range want {
		l, ok := byID[w.LineID]
		if !ok {
			return Quote{}, invalid("items", errs.FieldInvalidValue, "no line "+w.LineID+" in this order")
		}
		from := claimed.Units[l.ID] + taken[l.ID]
		if w.Quantity < 1 || from+w.Quantity > l.Quantity {
			return Quote{}, ErrRefundExceedsPaid.WithMessage("line %s: %d of %d units are refunded or in a refund", l.ID, from, l.Quantity).
				WithExtra("orderItemId", l.ID).WithExtra("refundable", max(0, l.Quantity-from))
		}
		amount := l.paidFor(from, w.Quantity)
		taken[l.ID] += w.Quantity
		q.Lines = append(q.Lines, QuotedLine{LineID: l.ID, SKUID: l.SKUID, Quantity: w.Quantity, Amount: amount})
		q.Total += amount
	}
	last := true
	var linesPaid int64
	for _, l := range o.Lines {
		linesPaid += l.Paid()
		if claimed.Units[l.ID]+taken[l.ID] < l.Quantity {
			last = false
		}
	}
	if last {
		q.Rest = max(0, o.Amounts.Total-linesPaid)
		q.Total += q.Rest
	}
	if q.Total > o.Amounts.Total-claimed.Amount {
		q.Total = o.Amounts.Total - claimed.Amount
	}
	if q.Total <= 0 {
		return Quote{}, ErrRefundExceedsPaid.WithMessage("nothing is left to refund on these lines")
	}
	return q, nil
}

// Refundable reports whether an order in s may take a refund (DELIVERED, or PARTIALLY_REFUNDED).
func Refundable(s Status) bool {
	return CanTransition(s, PartiallyRefunded, ActorSystem) || CanTransition(s, Refunded, ActorSystem)
}

// ErrNotRefundable is INVALID_STATE_TRANSITION for a refund of an order in a state that takes none.
func ErrNotRefundable(s Status) error { return errTransition(s, Refunded) }

// ApplyRefund records a completed refund of lines for amount on behalf of by: each line's refunded
// units and the order's refunded amount grow, and the order moves to REFUNDED when every unit is
// refunded, else to PARTIALLY_REFUNDED (a second partial refund stays there). Units beyond a
// line's quantity or an amount beyond Total is REFUND_EXCEEDS_PAID; a state that takes no refund is
// INVALID_STATE_TRANSITION; either way o is unchanged. The caller saves o with Repository.Update.
func (o *Order) ApplyRefund(lines []RefundLine, amount int64, by Actor, reason string, at time.Time) error {
	if !Refundable(o.Status) {
		return ErrNotRefundable(o.Status)
	}
	if amount <= 0 || o.RefundedAmount+amount > o.Amounts.Total {
		return ErrRefundExceedsPaid.WithMessage("%d refunded of %d, %d more asked", o.RefundedAmount, o.Amounts.Total, amount)
	}
	next := append([]Line(nil), o.Lines...)
	for _, rl := range lines {
		found := false
		for i := range next {
			if next[i].ID == rl.LineID {
				found = true
				next[i].RefundedQuantity += rl.Quantity
				if rl.Quantity < 1 || next[i].RefundedQuantity > next[i].Quantity {
					return ErrRefundExceedsPaid.WithExtra("orderItemId", rl.LineID)
				}
			}
		}
		if !found {
			return invalid("items", errs.FieldInvalidValue, "no line "+rl.LineID+" in this order")
		}
	}
	to := Refunded
	for _, l := range next {
		if l.RefundedQuantity < l.Quantity {
			to = PartiallyRefunded
		}
	}
	if !CanTransition(o.Status, to, by.Type) {
		return errTransition(o.Status, to)
	}
	o.Lines, o.RefundedAmount = next, o.RefundedAmount+amount
	return o.Transition(to, by, reason, at)
}
