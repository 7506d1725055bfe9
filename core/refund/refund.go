// Package refund is the refund workflow: a customer (or, later, support) asks for units of a
// delivered order back; a policy approves small, recent refunds at once and sends the rest to
// review; an approved refund completes in ONE unit of work (the wallet credit, the stock returned
// when asked, the order's refunded units and amount and its PARTIALLY_REFUNDED|REFUNDED state, the
// outbox events and the customer's notification).
//
// Every refund of an order locks the order row first (order.Repository.Lock), so refunds and
// cancellations of one order queue; a new refund is priced on top of every refund not rejected
// (order.Claims), so refunds in review and completed ones together never exceed what was paid.
// Every refund is credited to the KRW wallet, the card part of an order too (store credit).
package refund

import (
	"slices"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Status is where a refund is.
type Status string

// The refund states.
const (
	Requested     Status = "REQUESTED"
	PendingReview Status = "PENDING_REVIEW"
	Approved      Status = "APPROVED"
	Rejected      Status = "REJECTED"
	Completed     Status = "COMPLETED"
)

// Source says who asked for a refund.
type Source string

// The sources of a refund (refunds.source).
const (
	SourceCustomer Source = "CUSTOMER"
	SourceSupport  Source = "SUPPORT"
)

// transitions is the refund state machine as data.
var transitions = map[Status][]Status{
	Requested:     {PendingReview, Approved},
	PendingReview: {Approved, Rejected},
	Approved:      {Completed},
}

// Refund is a request to give units of an order back. Amount is in the order's currency;
// AmountKRW is what the wallet is credited.
type Refund struct {
	ID             string
	OrderID        string
	UserID         string // the order's customer
	Status         Status
	Amount         int64
	Currency       kernel.Currency
	AmountKRW      int64
	Reason         string
	Source         Source
	RequestedBy    string
	ApprovedBy     string // empty when AutoApproved
	AutoApproved   bool
	RejectedBy     string
	DecisionNote   string
	DecidedAt      *time.Time
	CompletedAt    *time.Time
	Restock        bool
	IdempotencyKey string
	Items          []Item
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Item is one order line of a refund.
type Item struct {
	ID          string
	OrderItemID string
	SKUID       string
	Quantity    int
	Amount      int64
}

// move changes r's status if the state machine allows it, else INVALID_STATE_TRANSITION.
func (r *Refund) move(to Status, at time.Time) error {
	if !slices.Contains(transitions[r.Status], to) {
		return errs.ErrInvalidTransition.WithMessage("A refund cannot move from %s to %s.", r.Status, to).
			WithExtra("from", string(r.Status)).WithExtra("to", string(to))
	}
	r.Status, r.UpdatedAt = to, at
	return nil
}

// Review sends a requested refund to review.
func (r *Refund) Review(at time.Time) error { return r.move(PendingReview, at) }

// Approve approves r on behalf of staff member by, or automatically (by empty: the policy).
func (r *Refund) Approve(by, note string, at time.Time) error {
	if err := r.move(Approved, at); err != nil {
		return err
	}
	r.ApprovedBy, r.AutoApproved, r.DecisionNote, r.DecidedAt = by, by == "", note, &at
	return nil
}

// Reject rejects a refund in review on behalf of staff member by.
func (r *Refund) Reject(by, note string, at time.Time) error {
	if err := r.move(Rejected, at); err != nil {
		return err
	}
	r.RejectedBy, r.DecisionNote, r.DecidedAt = by, note, &at
	return nil
}

// Complete marks an approved refund paid out.
func (r *Refund) Complete(at time.Time) error {
	if err := r.move(Completed, at); err != nil {
		return err
	}
	r.CompletedAt = &at
	return nil
}

// Policy decides whether a refund is approved without review.
type Policy struct {
	// AutoApproveMax is the largest KRW credit approved without review (refunds.auto_approve_max).
	AutoApproveMax int64
	// Window is how long after delivery a refund may be approved without review (7 days).
	Window time.Duration
}

// DefaultPolicy approves refunds up to ₩50,000 within 7 days of delivery.
var DefaultPolicy = Policy{AutoApproveMax: 50_000, Window: 7 * 24 * time.Hour}

// AutoApproves reports whether a refund crediting krw, asked at now for an order delivered at
// delivered, needs no review.
func (p Policy) AutoApproves(krw int64, delivered *time.Time, now time.Time) bool {
	return delivered != nil && !now.After(delivered.Add(p.Window)) && krw <= p.AutoApproveMax
}
