package cart

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// SweeperJobName is the sweeper's job name (its lease is keyed by it).
const SweeperJobName = "cart.sweeper"

// sweepBatch is how many carts one unit of work of the sweeper deletes.
const sweepBatch = 500

// Sweeper deletes expired carts: guest carts cart.session_ttl after their last change, with the
// merged and expired ones they leave behind. It needs only the carts' unit of work, so the worker
// runs it without the rest of the carts service.
type Sweeper struct {
	tx    uow.UnitOfWork[Stores]
	clock kernel.Clock
	rec   Recorder
}

// NewSweeper builds the sweeper; rec may be nil.
func NewSweeper(tx uow.UnitOfWork[Stores], clock kernel.Clock, rec Recorder) *Sweeper {
	if rec == nil {
		rec = NopRecorder{}
	}
	return &Sweeper{tx: tx, clock: clock, rec: rec}
}

// Run is the job: one sweep.
func (s *Sweeper) Run(ctx context.Context) error {
	_, err := s.Sweep(ctx, sweepBatch)
	return err
}

// Sweep deletes the carts whose expiry is at or before the clock's now, batch per unit of work,
// until none is left, and returns how many it deleted. Safe on many workers at once: each batch
// claims rows no other worker has locked (and skips a guest cart a merge holds).
func (s *Sweeper) Sweep(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		batch = sweepBatch
	}
	now := s.clock.Now().UTC().Truncate(time.Microsecond)
	total := 0
	for {
		var n int
		err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
			var err error
			n, err = st.Carts.DeleteExpired(ctx, now, batch)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		s.rec.Swept(n)
		if n < batch {
			return total, nil
		}
	}
}
