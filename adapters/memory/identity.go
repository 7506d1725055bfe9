package memory

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/identity"
)

// identityTables are the identity area's in-memory tables. Unique keys are tables of their own that
// map the key to the primary id, like the unique indexes of 00002_identity.sql.
type identityTables struct {
	Users         *Table[string, identity.User]
	UsersByEmail  *Table[string, string] // lower(email) → user id
	Clients       *Table[string, identity.Client]
	ClientsByID   *Table[string, string] // client_id → id
	RefreshTokens *Table[string, identity.RefreshToken]
	RefreshByHash *Table[[32]byte, string] // token hash → id
}

// Indexes of RefreshTokens (Postgres: refresh_tokens_family_id_idx, refresh_tokens_expires_at_idx).
var (
	refreshByFamily = &Index[identity.RefreshToken]{Group: func(rt identity.RefreshToken) string { return rt.FamilyID }}
	refreshByExpiry = &Index[identity.RefreshToken]{
		Order: func(a, b identity.RefreshToken) int { return a.ExpiresAt.Compare(b.ExpiresAt) },
	}
)

func newIdentityTables() identityTables {
	return identityTables{
		Users:         newTable[string, identity.User](strings.Compare),
		UsersByEmail:  newTable[string, string](strings.Compare),
		Clients:       newTable[string, identity.Client](strings.Compare),
		ClientsByID:   newTable[string, string](strings.Compare),
		RefreshTokens: newTable(strings.Compare, refreshByFamily, refreshByExpiry),
		RefreshByHash: newTable[[32]byte, string](func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) }),
	}
}

// IdentityStores builds identity.Stores for a unit of work.
func IdentityStores(tx *Tx) identity.Stores {
	return identity.Stores{Users: &Users{tx}, Clients: &Clients{tx}, RefreshTokens: &RefreshTokens{tx}, Outbox: NewOutbox(tx)}
}

// Users is the in-memory identity.Users of one unit of work.
type Users struct{ tx *Tx }

func cloneUser(u identity.User) identity.User {
	u.Roles = slices.Clone(u.Roles)
	if u.DefaultAddress != nil {
		a := *u.DefaultAddress
		u.DefaultAddress = &a
	}
	return u
}

// Create implements identity.Users.
func (s *Users) Create(_ context.Context, u identity.User) error {
	t := &s.tx.State.Identity
	key := identity.NormalizeEmail(u.Email)
	if _, taken := t.UsersByEmail.Get(key); taken {
		return identity.ErrEmailTaken
	}
	Mutable(s.tx, &t.Users).Put(u.ID, cloneUser(u))
	Mutable(s.tx, &t.UsersByEmail).Put(key, u.ID)
	return nil
}

// ByID implements identity.Users.
func (s *Users) ByID(_ context.Context, id string) (identity.User, error) {
	u, ok := s.tx.State.Identity.Users.Get(id)
	if !ok {
		return identity.User{}, identity.ErrUserNotFound
	}
	return cloneUser(u), nil
}

// ByEmail implements identity.Users.
func (s *Users) ByEmail(ctx context.Context, email string) (identity.User, error) {
	id, ok := s.tx.State.Identity.UsersByEmail.Get(identity.NormalizeEmail(email))
	if !ok {
		return identity.User{}, identity.ErrUserNotFound
	}
	return s.ByID(ctx, id)
}

// Clients is the in-memory identity.Clients of one unit of work.
type Clients struct{ tx *Tx }

func cloneClient(c identity.Client) identity.Client {
	c.Roles, c.HMACKey, c.SubscribedTypes = slices.Clone(c.Roles), slices.Clone(c.HMACKey), slices.Clone(c.SubscribedTypes)
	return c
}

// Create implements identity.Clients.
func (s *Clients) Create(_ context.Context, c identity.Client) error {
	t := &s.tx.State.Identity
	if _, taken := t.ClientsByID.Get(c.ClientID); taken {
		return identity.ErrClientIDTaken
	}
	Mutable(s.tx, &t.Clients).Put(c.ID, cloneClient(c))
	Mutable(s.tx, &t.ClientsByID).Put(c.ClientID, c.ID)
	return nil
}

// ByID implements identity.Clients.
func (s *Clients) ByID(_ context.Context, id string) (identity.Client, error) {
	c, ok := s.tx.State.Identity.Clients.Get(id)
	if !ok {
		return identity.Client{}, identity.ErrClientNotFound
	}
	return cloneClient(c), nil
}

// ByClientID implements identity.Clients.
func (s *Clients) ByClientID(ctx context.Context, clientID string) (identity.Client, error) {
	id, ok := s.tx.State.Identity.ClientsByID.Get(clientID)
	if !ok {
		return identity.Client{}, identity.ErrClientNotFound
	}
	return s.ByID(ctx, id)
}

// RefreshTokens is the in-memory identity.RefreshTokens of one unit of work. Units of work run one
// at a time on the memory store, so MarkUsed's check-and-set is atomic.
type RefreshTokens struct{ tx *Tx }

// Create implements identity.RefreshTokens.
func (s *RefreshTokens) Create(_ context.Context, rt identity.RefreshToken) error {
	t := &s.tx.State.Identity
	Mutable(s.tx, &t.RefreshTokens).Put(rt.ID, rt)
	Mutable(s.tx, &t.RefreshByHash).Put(rt.Hash, rt.ID)
	return nil
}

// ByHash implements identity.RefreshTokens.
func (s *RefreshTokens) ByHash(_ context.Context, hash [32]byte) (identity.RefreshToken, error) {
	t := &s.tx.State.Identity
	id, ok := t.RefreshByHash.Get(hash)
	if !ok {
		return identity.RefreshToken{}, identity.ErrRefreshTokenNotFound
	}
	rt, _ := t.RefreshTokens.Get(id)
	return rt, nil
}

// MarkUsed implements identity.RefreshTokens.
func (s *RefreshTokens) MarkUsed(_ context.Context, id string, at time.Time) (bool, error) {
	t := &s.tx.State.Identity
	rt, ok := t.RefreshTokens.Get(id)
	if !ok || rt.UsedAt != nil || rt.RevokedAt != nil {
		return false, nil
	}
	rt.UsedAt = &at
	Mutable(s.tx, &t.RefreshTokens).Put(id, rt)
	return true, nil
}

// RevokeFamily implements identity.RefreshTokens.
func (s *RefreshTokens) RevokeFamily(_ context.Context, familyID string, reason identity.RevokeReason, at time.Time) (int, error) {
	t := &s.tx.State.Identity
	n := 0
	for id, rt := range t.RefreshTokens.Ascend(refreshByFamily, Seek[identity.RefreshToken]{Group: familyID}) {
		if rt.RevokedAt == nil {
			rt.RevokedAt, rt.RevokeReason = &at, reason
			Mutable(s.tx, &t.RefreshTokens).Put(id, rt)
			n++
		}
	}
	return n, nil
}

// DeleteExpired implements identity.RefreshTokens: the tokens that expired before now, soonest
// expired first.
func (s *RefreshTokens) DeleteExpired(_ context.Context, now time.Time, limit int) (int, error) {
	t := &s.tx.State.Identity
	n := 0
	for id, rt := range t.RefreshTokens.Ascend(refreshByExpiry, Seek[identity.RefreshToken]{}) {
		if n == limit || !rt.ExpiresAt.Before(now) {
			break
		}
		Mutable(s.tx, &t.RefreshTokens).Delete(id)
		Mutable(s.tx, &t.RefreshByHash).Delete(rt.Hash)
		n++
	}
	return n, nil
}
