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
// happen twice. Do those after Do returns, through AfterCommit (once the outermost unit committed,
// never for an attempt that did not), or through the outbox (when they must not be lost).
package uow

import (
	"context"
	"errors"
	"sync"
)

// UnitOfWork runs a function atomically against the stores S.
type UnitOfWork[S any] interface {
	Do(ctx context.Context, fn func(ctx context.Context, stores S) error) error
}

// ErrRetry marks an error after which the whole transaction may succeed when run again from the
// start: it lost a serialization or deadlock race.
var ErrRetry = errors.New("uow: the transaction lost a race; run it again")

// AfterCommit runs f once the outermost unit of work open in ctx has committed: never when it
// rolls back, and not for an attempt that ran again or a nested unit that failed. It is how a use
// case acts outside the database (a log line, a wake-up) only on what was really written; what
// must not be lost goes through the outbox instead. Outside any unit of work f runs at once.
func AfterCommit(ctx context.Context, f func()) {
	h, ok := ctx.Value(hooksKey{}).(*hooks)
	if !ok {
		f()
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fs = append(h.fs, f)
}

// Attempt is for adapters: it returns ctx for one attempt of an outermost unit of work, and the
// function to call once that attempt committed, which runs what AfterCommit was given in order.
func Attempt(ctx context.Context) (context.Context, func()) {
	h := &hooks{}
	return context.WithValue(ctx, hooksKey{}, h), func() {
		h.mu.Lock()
		fs := h.fs
		h.fs = nil
		h.mu.Unlock()
		for _, f := range fs {
			f()
		}
	}
}

// Nested is for adapters: it marks the start of a nested unit of work in ctx and returns the
// function to call when that unit fails, which forgets what AfterCommit was given since.
func Nested(ctx context.Context) (failed func()) {
	h, ok := ctx.Value(hooksKey{}).(*hooks)
	if !ok {
		return func() {}
	}
	h.mu.Lock()
	mark := len(h.fs)
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.fs = h.fs[:min(mark, len(h.fs))]
	}
}

type hooksKey struct{}

// hooks are one attempt's after-commit functions; a mutex because a use case may fan work out
// to goroutines inside its unit.
type hooks struct {
	mu sync.Mutex
	fs []func()
}
