package wiring

import (
	"context"

	"github.com/google/wire"

	"github.com/jupang/jupang/adapters/auth"
	identityhttp "github.com/jupang/jupang/adapters/http/identity"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// IdentitySet is the identity area: accounts, partner clients, tokens.
var IdentitySet = wire.NewSet(IdentityStorageSet, IdentityRoutesSet, PasswordHasher, auth.NewSigner,
	wire.Bind(new(identity.TokenSigner), new(*auth.Signer)), wire.Bind(new(identity.PasswordHasher), new(*auth.Argon2id)),
	Issuer, wire.Struct(new(IdentityDeps), "*"), IdentityService, NewIdentityJobs)

// IdentityStorageSet keeps users, clients and refresh tokens on the injector's storage.
var IdentityStorageSet = wire.NewSet(IdentityUnitOfWork)

// IdentityRoutesSet are the identity endpoints of each binary: tokens, JWKS and me everywhere,
// sign-up on the storefront.
var IdentityRoutesSet = wire.NewSet(NewIdentityStorefrontRoutes, NewIdentityAdminRoutes, NewIdentityPartnerRoutes)

// IdentityUnitOfWork is the identity stores' unit of work.
func IdentityUnitOfWork(st Storage) uow.UnitOfWork[identity.Stores] {
	return unitOfWork(st, memory.IdentityStores, postgres.IdentityStores)
}

// Issuer is the JWT iss of every token this deployment signs and accepts.
func Issuer(cfg config.Config) string { return cfg.Auth.Issuer }

// PasswordHasher is argon2id with the default cost.
func PasswordHasher() (*auth.Argon2id, error) { return auth.NewArgon2id(auth.DefaultArgon2Params) }

// IdentityDeps are the storage-independent parts of the identity service.
type IdentityDeps struct {
	Hasher  identity.PasswordHasher
	Signer  identity.TokenSigner
	Clock   kernel.Clock
	Limiter *auth.RateLimiter // nil when rate limits are off
}

// IdentityService is the identity use cases; failed sign-ins count against the rate limiter.
func IdentityService(u uow.UnitOfWork[identity.Stores], d IdentityDeps) (*identity.Service, error) {
	var opts identity.Options
	if d.Limiter != nil {
		opts.Attempts = d.Limiter.Attempts()
	}
	return identity.NewService(u, d.Hasher, d.Signer, d.Clock, opts)
}

// Each binary's identity routes are a distinct type, so its route groups can name them.
type (
	// IdentityStorefrontRoutes sign customers up and in.
	IdentityStorefrontRoutes []server.Route
	// IdentityAdminRoutes sign staff in.
	IdentityAdminRoutes []server.Route
	// IdentityPartnerRoutes issue partner tokens (client credentials).
	IdentityPartnerRoutes []server.Route
)

// NewIdentityStorefrontRoutes are the storefront's identity endpoints.
func NewIdentityStorefrontRoutes(svc *identity.Service, keys *auth.KeySet) IdentityStorefrontRoutes {
	return identityhttp.StorefrontRoutes(svc, keys)
}

// NewIdentityAdminRoutes are the admin binary's identity endpoints.
func NewIdentityAdminRoutes(svc *identity.Service, keys *auth.KeySet) IdentityAdminRoutes {
	return identityhttp.AdminRoutes(svc, keys)
}

// NewIdentityPartnerRoutes are the partner binary's identity endpoints.
func NewIdentityPartnerRoutes(svc *identity.Service, keys *auth.KeySet) IdentityPartnerRoutes {
	return identityhttp.PartnerRoutes(svc, keys)
}

// IdentityJobs are the identity area's background jobs.
type IdentityJobs []jobs.Job

// NewIdentityJobs purges expired refresh tokens every idempotency.sweep_interval.
func NewIdentityJobs(ids *identity.Service, cfg config.Config) IdentityJobs {
	return IdentityJobs{{Name: "refresh-token-purge", Interval: cfg.Idempotency.SweepInterval, Run: func(ctx context.Context) error {
		for {
			n, err := ids.PurgeExpiredRefreshTokens(ctx, sweepBatch)
			if err != nil || n < sweepBatch {
				return err
			}
		}
	}}}
}
