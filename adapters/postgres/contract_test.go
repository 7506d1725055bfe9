package postgres_test

import (
	"context"
	"testing"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/couponstats"
	"github.com/jupang/jupang/core/partner"
	"github.com/jupang/jupang/core/uow"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func platformHarness(t *testing.T) contracttest.PlatformHarness {
	db := pgtest.DB(t)
	keys := postgres.NewUnitOfWork(db, postgres.IdempotencyStores)
	return contracttest.PlatformHarness{
		Platform: postgres.NewUnitOfWork(db, func(q postgres.Querier) contracttest.PlatformStores {
			return contracttest.PlatformStores{Keys: postgres.IdempotencyStores(q).Keys, Outbox: postgres.NewOutbox(q)}
		}),
		Idempotency: keys,
		Claims:      postgres.NewAutocommitUnitOfWork(db, postgres.IdempotencyStores), // as the binaries claim
		Outbox:      postgres.NewOutboxReader(db),
	}
}

func TestUnitOfWorkContract(t *testing.T)  { contracttest.RunUnitOfWork(t, platformHarness) }
func TestIdempotencyContract(t *testing.T) { contracttest.RunIdempotency(t, platformHarness) }

func partnerHarness(t *testing.T) contracttest.PartnerHarness {
	db := pgtest.DB(t)
	hub := partner.NewHub()
	listening, stop := hub.Subscribe("listener-ready")
	defer stop()
	listener := postgres.NewListener(db, postgres.FeedChannel, hub.Notify, hub.NotifyAll)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { listener.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; hub.Close() })
	<-listening // the listener wakes everyone once LISTEN is in place
	return contracttest.PartnerHarness{
		Identity: postgres.NewUnitOfWork(db, postgres.IdentityStores),
		Partner:  postgres.NewUnitOfWork(db, postgres.PartnerStores),
		Wakeups:  hub,
	}
}

func TestPartnerContract(t *testing.T) { contracttest.RunPartner(t, partnerHarness) }

func TestUnitOfWorkRecoveryContract(t *testing.T) {
	contracttest.RunUnitOfWorkRecovery(t, platformHarness)
}

func TestUnitOfWorkContextContract(t *testing.T) {
	contracttest.RunUnitOfWorkContext(t, platformHarness)
}

func relayHarness(t *testing.T) contracttest.RelayHarness {
	db, _ := pgtest.Another(t) // the relay claims every pending row: an outbox of its own
	return contracttest.RelayHarness{
		Stores: postgres.NewUnitOfWork(db, func(q postgres.Querier) contracttest.RelayStores {
			return contracttest.RelayStores{Outbox: postgres.NewOutbox(q), Inbox: postgres.NewInbox(q)}
		}),
		Relay:  postgres.NewRelayStore(db),
		Reader: postgres.NewOutboxReader(db),
	}
}

func TestCouponStatsContract(t *testing.T) {
	t.Parallel()
	contracttest.RunCouponStats(t, func(t *testing.T) uow.UnitOfWork[couponstats.Stores] {
		db, _ := pgtest.Another(t)
		return postgres.NewUnitOfWork(db, postgres.CouponStatsStores)
	})
}

func TestRelayContract(t *testing.T) {
	t.Parallel() // every harness has a database of its own
	contracttest.RunRelay(t, relayHarness)
}
