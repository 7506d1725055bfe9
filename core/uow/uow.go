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
package uow

import "context"

// UnitOfWork runs a function atomically against the stores S.
type UnitOfWork[S any] interface {
	Do(ctx context.Context, fn func(ctx context.Context, stores S) error) error
}
