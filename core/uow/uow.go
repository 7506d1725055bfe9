// Package uow defines the unit of work: the one way a use case changes several aggregates atomically.
//
// Each business area declares the stores it needs as a plain struct next to its use cases
// (for example order.Stores{Orders, Stock, Coupons, Wallet, Outbox}) and receives a UnitOfWork for
// that struct. Keeping the Stores type in the area, rather than one god-struct here, avoids an
// import cycle (uow would import every area, and every area imports uow) and keeps each use case's
// dependencies visible in its own package.
//
// Adapters guarantee: Do runs fn inside one transaction; nil commits, an error rolls back every
// store fn touched. A Do called inside another Do (same storage) joins the outer transaction as a
// nested scope: its error undoes only its own writes (a savepoint), and nothing is committed until
// the outermost Do returns nil. The idempotency layer relies on that to save its record in the same
// transaction as the effects of the request it guards.
//
// The outermost Do may run fn again from the start when the transaction lost a serialization or
// deadlock race; a nested Do passes such an error out marked ErrRetry, and so must whoever holds it
// (a use case, the idempotency layer): only the outermost unit can rerun the transaction. So fn
// must act only through its stores: a payment, an e-mail or an HTTP call made inside it could
// happen twice. Do those after Do returns, or through the outbox.
package uow

import (
	"context"
	"errors"
)

// UnitOfWork runs a function atomically against the stores S.
type UnitOfWork[S any] interface {
	Do(ctx context.Context, fn func(ctx context.Context, stores S) error) error
}

// ErrRetry marks an error after which the whole transaction may succeed when run again from the
// start: it lost a serialization or deadlock race.
var ErrRetry = errors.New("uow: the transaction lost a race; run it again")
