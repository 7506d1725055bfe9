package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// Notifier is told which partner's deliveries changed (partner.Hub).
type Notifier interface {
	Notify(clientID string)
	NotifyAll()
}

// FeedListener turns NOTIFYs on FeedChannel into in-process wakeups, so a long poll waiting on one
// instance wakes when another instance commits a delivery for its partner. It holds one pooled
// connection while it runs.
type FeedListener struct {
	db     *DB
	notify Notifier
	// OnError reports a lost connection before the listener reconnects; nil ignores it.
	OnError func(error)
}

// NewFeedListener returns a listener that tells n.
func NewFeedListener(db *DB, n Notifier) *FeedListener { return &FeedListener{db: db, notify: n} }

// Run listens until ctx ends. After a lost connection it reconnects with backoff and wakes every
// waiting pull, since notifications sent meanwhile are lost; waiters then look again.
func (l *FeedListener) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := l.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if l.OnError != nil {
			l.OnError(err)
		}
		l.notify.NotifyAll()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listen holds one connection with LISTEN until it fails or ctx ends.
func (l *FeedListener) listen(ctx context.Context) error {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	return conn.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("feed listener: driver connection is %T, not pgx", driverConn)
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+FeedChannel); err != nil {
			return err
		}
		// The connection goes back to the pool when Run ends: stop listening first.
		defer pc.Exec(context.WithoutCancel(ctx), "UNLISTEN "+FeedChannel) //nolint:errcheck // best effort; a broken connection is discarded
		l.notify.NotifyAll()                                               // anything committed before LISTEN took effect
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
					return err
				}
				return errors.Join(err, driver.ErrBadConn) // database/sql then discards the connection
			}
			l.notify.Notify(n.Payload)
		}
	})
}
