package webhook

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/jupang/jupang/core/partner"
)

// Dispatcher pushes deliveries to every active webhook until stopped. Each webhook gets a
// goroutine of its own that sends one message at a time, so a slow or failing endpoint holds up
// only its own partner; the relay and the pull feed never wait for it. Any number of workers may
// run one: deliveries are leased while in flight.
type Dispatcher struct {
	pusher  *partner.Pusher
	wakeups partner.Wakeups
	log     *zap.Logger
	// Refresh is how often the webhook list is read (new, deleted, disabled webhooks).
	Refresh time.Duration
	// Idle is how long a webhook's goroutine waits for a wakeup before looking again (deliveries
	// backed off after a failure come due without one).
	Idle time.Duration
}

// NewDispatcher returns a dispatcher woken by wakeups when a partner's deliveries change.
func NewDispatcher(pusher *partner.Pusher, wakeups partner.Wakeups, log *zap.Logger) *Dispatcher {
	return &Dispatcher{pusher: pusher, wakeups: wakeups, log: log, Refresh: 5 * time.Second, Idle: 5 * time.Second}
}

// Run dispatches until ctx ends, then waits for the webhooks' goroutines to return.
func (d *Dispatcher) Run(ctx context.Context) {
	running := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	defer func() {
		for _, cancel := range running {
			cancel()
		}
		wg.Wait()
	}()
	for {
		hooks, err := d.pusher.Webhooks(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("webhooks: list failed", zap.Error(err))
		}
		active := map[string]bool{}
		for _, h := range hooks {
			if h.Status != partner.WebhookActive {
				continue
			}
			active[h.ID] = true
			if _, ok := running[h.ID]; !ok {
				hookCtx, cancel := context.WithCancel(ctx)
				running[h.ID] = cancel
				wg.Go(func() { d.serve(hookCtx, h) })
			}
		}
		for id, cancel := range running {
			if !active[id] && err == nil {
				cancel()
				delete(running, id)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d.Refresh):
		}
	}
}

// serve pushes one webhook's deliveries until ctx ends or the webhook is disabled.
func (d *Dispatcher) serve(ctx context.Context, hook partner.Webhook) {
	wake, cancel := d.wakeups.Subscribe(hook.ClientID)
	defer cancel()
	for ctx.Err() == nil {
		res, err := d.pusher.PushDue(ctx, hook)
		wait := d.Idle
		switch {
		case err != nil:
			if ctx.Err() == nil {
				d.log.Warn("webhooks: push failed", zap.String("webhook", hook.ID), zap.Error(err))
			}
		case res.Disabled:
			d.log.Warn("webhooks: disabled after repeated failures", zap.String("webhook", hook.ID), zap.String("partner", hook.Partner))
			return
		case res.Failed:
			wait = res.Wait // leave a failing endpoint alone; wakeups do not cut this short
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			continue
		case res.More:
			continue
		}
		select {
		case <-ctx.Done():
		case _, open := <-wake:
			if !open {
				return
			}
		case <-time.After(wait):
		}
	}
}
