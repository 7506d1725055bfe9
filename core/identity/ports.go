package identity

import (
	"context"
	"time"

	"github.com/jupang/jupang/core/integration"
)

// Users stores people.
type Users interface {
	// Create inserts u with its roles; an address already used in any letter case is ErrEmailTaken.
	Create(ctx context.Context, u User) error
	// ByID returns the user or ErrUserNotFound.
	ByID(ctx context.Context, id string) (User, error)
	// ByEmail finds a user by e-mail in any letter case, or returns ErrUserNotFound.
	ByEmail(ctx context.Context, email string) (User, error)
}

// Clients stores partner OAuth clients.
type Clients interface {
	// Create inserts c; a taken client id is ErrClientIDTaken.
	Create(ctx context.Context, c Client) error
	// ByID returns the client by its internal id, or ErrClientNotFound.
	ByID(ctx context.Context, id string) (Client, error)
	// ByClientID returns the client by its public client id, or ErrClientNotFound.
	ByClientID(ctx context.Context, clientID string) (Client, error)
}

// HMACKeys stores partners' request-signing keys.
type HMACKeys interface {
	// Add stores k. A client has at most one current key (RetiresAt nil): retire it first.
	Add(ctx context.Context, k HMACKey) error
	// OfClient returns every key of a client, newest first.
	OfClient(ctx context.Context, clientID string) ([]HMACKey, error)
	// Lock is OfClient holding the client's keys until the unit of work ends, so two rotations of
	// one client run one after the other.
	Lock(ctx context.Context, clientID string) ([]HMACKey, error)
	// Retire sets the RetiresAt of key id.
	Retire(ctx context.Context, id string, at time.Time) error
	// Delete removes key id.
	Delete(ctx context.Context, id string) error
}

// RefreshTokens stores refresh tokens by hash.
type RefreshTokens interface {
	// Create inserts t.
	Create(ctx context.Context, t RefreshToken) error
	// ByHash returns the token with that hash, or ErrRefreshTokenNotFound.
	ByHash(ctx context.Context, hash [32]byte) (RefreshToken, error)
	// MarkUsed sets used_at on an unused, unrevoked token atomically. It reports false when the token
	// was already used or revoked (by a concurrent redemption, for instance): exactly one caller wins.
	MarkUsed(ctx context.Context, id string, at time.Time) (bool, error)
	// RevokeFamily revokes every not yet revoked token of a family and says how many it revoked.
	RevokeFamily(ctx context.Context, familyID string, reason RevokeReason, at time.Time) (int, error)
	// DeleteExpired removes up to limit tokens that expired before now.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
}

// Stores is what identity use cases change inside one unit of work.
type Stores struct {
	Users         Users
	Clients       Clients
	HMACKeys      HMACKeys
	RefreshTokens RefreshTokens
	Outbox        integration.Outbox
}

// PasswordHasher hashes passwords and client secrets (argon2id or bcrypt). Verify must take about as
// long for a wrong password as for a right one.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(encoded, password string) (bool, error)
}

// TokenSigner turns claims into a signed access token (a JWT with iss, nbf, kid added).
type TokenSigner interface {
	Sign(ctx context.Context, claims AccessClaims) (string, error)
}

// AttemptLimiter throttles sign-in attempts against password guessing, per account and client
// address, per address, and per account. An attempt is spent before the password is checked, so
// concurrent guesses past the limits cost no check, and refunded when the credentials were right.
type AttemptLimiter interface {
	// Spend takes one attempt of account from client. When the limits allow none it takes nothing
	// and says how long to wait.
	Spend(account, client string) (refund func(), retryAfter time.Duration, ok bool)
}
