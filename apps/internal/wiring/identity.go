package wiring

import (
	"github.com/google/wire"
	"go.uber.org/zap"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
	"github.com/jupang/jupang/core/uow"
)

// IdentitySet provides keys, password hashing, token signing and rate limits.
var IdentitySet = wire.NewSet(Keys, PasswordHasher, auth.NewSigner, wire.Bind(new(identity.TokenSigner), new(*auth.Signer)),
	wire.Bind(new(identity.PasswordHasher), new(*auth.Argon2id)), Issuer, RateLimiter, wire.Struct(new(IdentityDeps), "*"))

// Issuer is the JWT iss of every token this deployment signs and accepts.
func Issuer(cfg config.Config) string { return cfg.Auth.Issuer }

// Keys loads the signing keys from auth.keys_dir, or generates a fresh set when it is empty (dev only;
// config validation refuses an empty keys_dir in prod).
func Keys(cfg config.Config, log *zap.Logger) (*auth.KeySet, error) {
	if cfg.Auth.KeysDir == "" {
		log.Warn("auth.keys_dir is empty: generated a signing key for this process; tokens die with it")
		return auth.GenerateKeySet()
	}
	keys, err := auth.LoadKeySet(cfg.Auth.KeysDir, cfg.Auth.SigningKid)
	if err != nil {
		return nil, &config.Error{Key: "auth.keys_dir", Reason: err.Error()}
	}
	return keys, nil
}

// PasswordHasher is argon2id with the default cost.
func PasswordHasher() (*auth.Argon2id, error) { return auth.NewArgon2id(auth.DefaultArgon2Params) }

// RateLimiter keeps token buckets in this process; nil when ratelimit.enabled is false.
func RateLimiter(cfg config.Config, clock kernel.Clock) (*auth.RateLimiter, error) {
	if !cfg.RateLimit.Enabled {
		return nil, nil
	}
	limits := ratelimit.DefaultLimits()
	limits.MaxBuckets = cfg.RateLimit.MaxBuckets
	return auth.NewRateLimiter(limits, clock)
}

// IdentityDeps are the storage-independent parts of the identity service.
type IdentityDeps struct {
	Hasher  identity.PasswordHasher
	Signer  identity.TokenSigner
	Clock   kernel.Clock
	Limiter *auth.RateLimiter
}

func identityService(u uow.UnitOfWork[identity.Stores], d IdentityDeps) (*identity.Service, error) {
	var opts identity.Options
	if d.Limiter != nil {
		opts.Attempts = d.Limiter.Attempts()
	}
	return identity.NewService(u, d.Hasher, d.Signer, d.Clock, opts)
}

// MemoryIdentity is the identity service on the memory store.
func MemoryIdentity(store *memory.Store, d IdentityDeps) (*identity.Service, error) {
	return identityService(memory.NewUnitOfWork(store, memory.IdentityStores), d)
}

// PostgresIdentity is the identity service on PostgreSQL.
func PostgresIdentity(db *postgres.DB, d IdentityDeps) (*identity.Service, error) {
	return identityService(postgres.NewUnitOfWork(db, postgres.IdentityStores), d)
}
