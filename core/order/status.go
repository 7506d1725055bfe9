package order

import (
	"slices"

	"github.com/jupang/jupang/core/errs"
)

// Status is where an order is in its life (SPEC §5).
type Status string

// The order states. An order starts PENDING (a card part awaits the gateway) or PAID (fully paid
// from the wallet).
const (
	Pending           Status = "PENDING"
	Paid              Status = "PAID"
	Preparing         Status = "PREPARING"
	Shipped           Status = "SHIPPED"
	Delivered         Status = "DELIVERED"
	Cancelled         Status = "CANCELLED"
	PartiallyRefunded Status = "PARTIALLY_REFUNDED"
	Refunded          Status = "REFUNDED"
)

// Statuses lists every state in life order.
var Statuses = []Status{Pending, Paid, Preparing, Shipped, Delivered, Cancelled, PartiallyRefunded, Refunded}

// ParseStatus accepts exactly one of Statuses.
func ParseStatus(s string) (Status, bool) {
	st := Status(s)
	return st, slices.Contains(Statuses, st)
}

// ActorType says who moved an order: the customer, a staff member or the system (payment results,
// the expiry job, the refund workflow).
type ActorType string

// The actors of a transition (order_status_history.actor_type).
const (
	ActorCustomer ActorType = "CUSTOMER"
	ActorStaff    ActorType = "STAFF"
	ActorSystem   ActorType = "SYSTEM"
)

// Actor is who asks for a transition. ID is empty only for the system.
type Actor struct {
	Type ActorType
	ID   string
}

// System is the actor of jobs and payment results.
var System = Actor{Type: ActorSystem}

// Customer returns the customer actor id.
func Customer(id string) Actor { return Actor{Type: ActorCustomer, ID: id} }

// Staff returns the staff actor id.
func Staff(id string) Actor { return Actor{Type: ActorStaff, ID: id} }

// transition is one allowed edge of the state machine and who may take it.
type transition struct {
	from, to Status
	by       []ActorType
}

// transitions is the state machine of SPEC §5 as data; Order.Transition enforces it and nothing
// else decides whether a move is allowed. Staff's fulfilment moves are the only ones the admin
// transitions endpoint offers (FulfilmentTargets).
var transitions = []transition{
	{Pending, Paid, []ActorType{ActorSystem}},                                    // card approved
	{Pending, Cancelled, []ActorType{ActorCustomer, ActorSystem, ActorStaff}},    // customer, decline, deadline
	{Paid, Preparing, []ActorType{ActorStaff}},                                   // fulfilment
	{Paid, Cancelled, []ActorType{ActorCustomer, ActorStaff}},                    // with refund
	{Preparing, Shipped, []ActorType{ActorStaff}},                                // fulfilment
	{Preparing, Cancelled, []ActorType{ActorCustomer, ActorStaff}},               // with refund
	{Shipped, Delivered, []ActorType{ActorStaff}},                                // fulfilment
	{Delivered, PartiallyRefunded, []ActorType{ActorSystem, ActorStaff}},         // refund completed
	{Delivered, Refunded, []ActorType{ActorSystem, ActorStaff}},                  // refund completed
	{PartiallyRefunded, PartiallyRefunded, []ActorType{ActorSystem, ActorStaff}}, // a further partial refund
	{PartiallyRefunded, Refunded, []ActorType{ActorSystem, ActorStaff}},          // the last refund
}

// FulfilmentTargets are the states staff move orders to with POST /v1/admin/orders/{id}/transitions.
var FulfilmentTargets = []Status{Preparing, Shipped, Delivered}

// CanTransition reports whether actor type by may move an order from from to to.
func CanTransition(from, to Status, by ActorType) bool {
	for _, t := range transitions {
		if t.from == from && t.to == to {
			return slices.Contains(t.by, by)
		}
	}
	return false
}

// Next lists the states an order in from may move to (any actor), in table order.
func Next(from Status) []Status {
	var out []Status
	for _, t := range transitions {
		if t.from == from {
			out = append(out, t.to)
		}
	}
	return out
}

// Cancellable reports whether a customer may cancel an order in s.
func Cancellable(s Status) bool { return CanTransition(s, Cancelled, ActorCustomer) }

// IsFinal reports whether no transition leaves s.
func IsFinal(s Status) bool { return len(Next(s)) == 0 }

// errTransition is INVALID_STATE_TRANSITION naming the refused move.
func errTransition(from, to Status) error {
	return errs.ErrInvalidTransition.WithMessage("An order cannot move from %s to %s.", from, to).
		WithExtra("from", string(from)).WithExtra("to", string(to))
}
