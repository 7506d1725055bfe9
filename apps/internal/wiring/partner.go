package wiring

import (
	"context"
	"net"
	"sync"

	"github.com/google/wire"
	"go.uber.org/zap"

	partnerhttp "github.com/jupang/jupang/adapters/http/partner"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/webhook"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/launch"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/partner"
	"github.com/jupang/jupang/core/uow"
)

// PartnerFeedSet is the partner feed: deliveries pulled and pushed, partner request checks,
// webhooks and the operators' dashboard.
var PartnerFeedSet = wire.NewSet(PartnerFeedUnitOfWork, FeedWakeups, NewFeedSignalComponent, PartnerFeed, PartnerGatekeeper,
	WebhookPusher, NewPartnerFeedRoutes, NewPartnerAdminRoutes, NewPartnerFeedJobs, NewWebhookDispatcher)

// PartnerFeedUnitOfWork is the partner stores' unit of work.
func PartnerFeedUnitOfWork(st Storage) uow.UnitOfWork[partner.Stores] {
	return unitOfWork(st, memory.PartnerStores, postgres.PartnerStores)
}

// FeedSignal wakes waiting long polls and webhook senders when a partner's deliveries change: the
// memory store's hub, or on PostgreSQL a hub fed by LISTEN (so a commit on any instance wakes
// them), which its component runs.
type FeedSignal struct {
	Hub      *partner.Hub
	listener *postgres.Listener
}

// FeedWakeups is the storage's feed signal.
func FeedWakeups(st Storage, log *zap.Logger) FeedSignal {
	if st.memory != nil {
		return FeedSignal{Hub: st.memory.FeedWakeups()}
	}
	hub := partner.NewHub()
	l := postgres.NewListener(st.postgres, postgres.FeedChannel, hub.Notify, hub.NotifyAll)
	l.OnError = func(err error) { log.Warn("partner feed: LISTEN connection lost, reconnecting", zap.Error(err)) }
	return FeedSignal{Hub: hub, listener: l}
}

// FeedSignalComponent runs the feed signal until stopped (a distinct type for wire).
type FeedSignalComponent launch.Component

// NewFeedSignalComponent listens for deliveries (PostgreSQL) while the binary runs; stopping it
// closes the hub, so long polls waiting at shutdown return at once instead of holding the drain.
func NewFeedSignalComponent(s FeedSignal) FeedSignalComponent {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var once sync.Once
	return FeedSignalComponent{
		Name: "partner-feed-signal",
		Start: func() error {
			defer close(done)
			if s.listener != nil {
				s.listener.Run(ctx)
				return nil
			}
			<-ctx.Done()
			return nil
		},
		Stop: func(stopCtx context.Context) error {
			once.Do(func() { cancel(); s.Hub.Close() })
			select {
			case <-done:
			case <-stopCtx.Done():
			}
			return nil
		},
	}
}

// PartnerFeed is the pull feed's use cases, with the lease and attempts of partner.*.
func PartnerFeed(u uow.UnitOfWork[partner.Stores], s FeedSignal, ids *identity.Service, clock kernel.Clock, cfg config.Config) *partner.Feed {
	return partner.NewFeed(u, s.Hub, ids, clock, partner.FeedOptions{Lease: cfg.Partner.Lease, MaxAttempts: cfg.Partner.MaxAttempts})
}

// PartnerGatekeeper checks partner requests' certificates, signatures and nonces.
func PartnerGatekeeper(ids *identity.Service, u uow.UnitOfWork[partner.Stores], clock kernel.Clock) *partner.Gatekeeper {
	return partner.NewGatekeeper(ids, u, clock)
}

// webhookPolicy allows http and private addresses for webhooks in dev only.
func webhookPolicy(cfg config.Config) partner.URLPolicy {
	return partner.URLPolicy{AllowPrivate: cfg.Env == "dev"}
}

// WebhookPusher registers webhooks and pushes deliveries to them through an SSRF-safe sender.
func WebhookPusher(u uow.UnitOfWork[partner.Stores], ids *identity.Service, clock kernel.Clock, cfg config.Config) *partner.Pusher {
	policy := webhookPolicy(cfg)
	return partner.NewPusher(u, ids, net.DefaultResolver, webhook.NewSender(policy), clock, partner.PushOptions{
		Timeout: cfg.Partner.WebhookTimeout, DisableAfter: cfg.Partner.WebhookDisableAfter, MaxAttempts: cfg.Partner.MaxAttempts,
		Policy: policy})
}

// PartnerFeedRoutes are the partner binary's feed endpoints (pull, ack, retry).
type PartnerFeedRoutes []server.Route

// NewPartnerFeedRoutes reads client certificates from the TLS handshake.
func NewPartnerFeedRoutes(feed *partner.Feed, gate *partner.Gatekeeper) PartnerFeedRoutes {
	return partnerhttp.Routes(feed, gate, partnerhttp.TLSPeer)
}

// PartnerAdminRoutes are the admin binary's feed endpoints and dashboard page.
type PartnerAdminRoutes []server.Route

// NewPartnerAdminRoutes is the dashboard, dead letters, webhooks and key rotation.
func NewPartnerAdminRoutes(feed *partner.Feed, pusher *partner.Pusher, ids *identity.Service) PartnerAdminRoutes {
	return partnerhttp.AdminRoutes(feed, pusher, ids)
}

// PartnerFeedJobs are the feed's sweepers.
type PartnerFeedJobs []jobs.Job

// NewPartnerFeedJobs deletes spent nonces and old acknowledged deliveries every idempotency.sweep_interval.
func NewPartnerFeedJobs(feed *partner.Feed, gate *partner.Gatekeeper, cfg config.Config) PartnerFeedJobs {
	every := cfg.Idempotency.SweepInterval
	return PartnerFeedJobs{
		{Name: "partner.nonce-purge", Interval: every, Run: func(ctx context.Context) error {
			return drain(ctx, func(ctx context.Context) (int, error) { return gate.PurgeNonces(ctx, sweepBatch) })
		}},
		{Name: "partner.acked-purge", Interval: every, Run: func(ctx context.Context) error {
			return drain(ctx, func(ctx context.Context) (int, error) {
				return feed.PurgeAcked(ctx, cfg.Partner.AckedRetention, sweepBatch)
			})
		}},
	}
}

// drain repeats a batch sweep until a batch comes back short.
func drain(ctx context.Context, batch func(ctx context.Context) (int, error)) error {
	for {
		n, err := batch(ctx)
		if err != nil || n < sweepBatch {
			return err
		}
	}
}

// WebhookComponent pushes deliveries to webhooks while the worker runs (a distinct type for wire).
type WebhookComponent launch.Component

// NewWebhookDispatcher runs one sender goroutine per active webhook, next to the job runner.
func NewWebhookDispatcher(pusher *partner.Pusher, s FeedSignal, log *zap.Logger) WebhookComponent {
	d := webhook.NewDispatcher(pusher, s.Hub, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	return WebhookComponent{
		Name: "webhooks",
		Start: func() error {
			defer close(done)
			d.Run(ctx)
			return nil
		},
		Stop: func(stopCtx context.Context) error {
			cancel() // in-flight requests end with it
			select {
			case <-done:
				return nil
			case <-stopCtx.Done():
				return stopCtx.Err()
			}
		},
	}
}
