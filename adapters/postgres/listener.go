package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// Listener turns NOTIFYs on one channel into in-process calls, so a commit on one instance reaches
// every instance within moments: the partner feed's wake-ups (FeedChannel → partner.Hub) and the
// coupons' sold-out latch (CouponChannel → coupon.SoldOutLatch). It holds one pooled connection
// while it runs.
type Listener struct {
	db      *DB
	channel string
	notify  func(payload string)
	reset   func()
	// OnError reports a lost connection before the listener reconnects; nil ignores it.
	OnError func(error)
	// Ready, when set, is closed once LISTEN is first in place (tests wait on it).
	Ready chan struct{}
}

// NewListener returns a listener on channel that calls notify with each notification's payload,
// and reset whenever notifications may have been missed: once LISTEN is in place (anything
// committed before it took effect) and after a lost connection (anything sent meanwhile).
func NewListener(db *DB, channel string, notify func(payload string), reset func()) *Listener {
	return &Listener{db: db, channel: channel, notify: notify, reset: reset}
}

// Run listens until ctx ends, reconnecting with backoff (100 ms doubling to 5 s).
func (l *Listener) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := l.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if l.OnError != nil {
			l.OnError(err)
		}
		l.reset()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listen holds one connection with LISTEN until it fails or ctx ends.
func (l *Listener) listen(ctx context.Context) error {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	return conn.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("listener %s: driver connection is %T, not pgx", l.channel, driverConn)
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+l.channel); err != nil {
			return err
		}
		// The connection goes back to the pool when Run ends: stop listening first.
		defer pc.Exec(context.WithoutCancel(ctx), "UNLISTEN "+l.channel) //nolint:errcheck // best effort; a broken connection is discarded
		l.reset()                                                        // anything committed before LISTEN took effect
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
				return errors.Join(err, driver.ErrBadConn) // database/sql then discards the connection
			}
			l.notify(n.Payload)
		}
	})
}
