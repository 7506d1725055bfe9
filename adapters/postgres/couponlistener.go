package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// Latch is what a CouponListener clears (coupon.SoldOutLatch).
type Latch interface {
	Clear(code string)
	ClearAll()
}

// CouponListener turns NOTIFYs on CouponChannel into cleared sold-out latches, so a coupon an admin
// reopened on one instance is claimable on every instance within moments (the latch's TTL bounds
// it when a notification is lost). It holds one pooled connection while it runs.
type CouponListener struct {
	db    *DB
	latch Latch
	// OnError reports a lost connection before the listener reconnects; nil ignores it.
	OnError func(error)
	// Ready, when set, is closed once LISTEN is in place (tests wait on it).
	Ready chan struct{}
}

// NewCouponListener returns a listener that clears latch.
func NewCouponListener(db *DB, latch Latch) *CouponListener {
	return &CouponListener{db: db, latch: latch}
}

// Run listens until ctx ends, reconnecting with backoff; after a lost connection it clears the
// whole latch, since notifications sent meanwhile are lost.
func (l *CouponListener) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := l.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if l.OnError != nil {
			l.OnError(err)
		}
		l.latch.ClearAll()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (l *CouponListener) listen(ctx context.Context) error {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	return conn.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("coupon listener: driver connection is %T, not pgx", driverConn)
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+CouponChannel); err != nil {
			return err
		}
		defer pc.Exec(context.WithoutCancel(ctx), "UNLISTEN "+CouponChannel) //nolint:errcheck // best effort; a broken connection is discarded
		l.latch.ClearAll()                                                   // anything committed before LISTEN took effect
		if l.Ready != nil {
			select {
			case <-l.Ready:
			default:
				close(l.Ready)
			}
		}
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
					return err
				}
				return errors.Join(err, driver.ErrBadConn)
			}
			l.latch.Clear(n.Payload)
		}
	})
}
