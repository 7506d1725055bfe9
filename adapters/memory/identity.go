package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/identity"
)

// identityTables are the identity area's in-memory tables. Secondary indexes map a unique key to
// the primary id, like the unique indexes of 00002_identity.sql.
type identityTables struct {
	Users         *Table[string, identity.User]
	UsersByEmail  *Table[string, string] // lower(email) → user id
	Clients       *Table[string, identity.Client]
	ClientsByID   *Table[string, string] // client_id → id
	HMACKeys      *Table[string, identity.HMACKey]
	RefreshTokens *Table[string, identity.RefreshToken]
	RefreshByHash *Table[[32]byte, string] // token hash → id
}

func newIdentityTables() identityTables {
	return identityTables{
		Users:         newTable[string, identity.User](),
		UsersByEmail:  newTable[string, string](),
		Clients:       newTable[string, identity.Client](),
		ClientsByID:   newTable[string, string](),
		HMACKeys:      newTable[string, identity.HMACKey](),
		RefreshTokens: newTable[string, identity.RefreshToken](),
		RefreshByHash: newTable[[32]byte, string](),
	}
}

// IdentityStores builds identity.Stores for a unit of work.
func IdentityStores(tx *Tx) identity.Stores {
	return identity.Stores{Users: &Users{tx}, Clients: &Clients{tx}, HMACKeys: &HMACKeys{tx}, RefreshTokens: &RefreshTokens{tx}, Outbox: NewOutbox(tx)}
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
	c.Roles, c.SubscribedTypes = slices.Clone(c.Roles), slices.Clone(c.SubscribedTypes)
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

// HMACKeys is the in-memory identity.HMACKeys of one unit of work.
type HMACKeys struct{ tx *Tx }

// Add implements identity.HMACKeys.
func (s *HMACKeys) Add(_ context.Context, k identity.HMACKey) error {
	k.Secret = slices.Clone(k.Secret)
	Mutable(s.tx, &s.tx.State.Identity.HMACKeys).Put(k.ID, k)
	return nil
}

// OfClient implements identity.HMACKeys, newest first.
func (s *HMACKeys) OfClient(_ context.Context, clientID string) ([]identity.HMACKey, error) {
	var out []identity.HMACKey
	s.tx.State.Identity.HMACKeys.Each(func(_ string, k identity.HMACKey) bool {
		if k.ClientID == clientID {
			k.Secret = slices.Clone(k.Secret)
			out = append(out, k)
		}
		return true
	})
	slices.SortFunc(out, func(a, b identity.HMACKey) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// Lock implements identity.HMACKeys: units of work run one at a time on the memory store.
func (s *HMACKeys) Lock(ctx context.Context, clientID string) ([]identity.HMACKey, error) {
	return s.OfClient(ctx, clientID)
}

// Retire implements identity.HMACKeys.
func (s *HMACKeys) Retire(_ context.Context, id string, at time.Time) error {
	k, ok := s.tx.State.Identity.HMACKeys.Get(id)
	if ok {
		k.RetiresAt = &at
		Mutable(s.tx, &s.tx.State.Identity.HMACKeys).Put(id, k)
	}
	return nil
}

// Delete implements identity.HMACKeys.
func (s *HMACKeys) Delete(_ context.Context, id string) error {
	Mutable(s.tx, &s.tx.State.Identity.HMACKeys).Delete(id)
	return nil
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
	var hit []identity.RefreshToken
	t.RefreshTokens.Each(func(_ string, rt identity.RefreshToken) bool {
		if rt.FamilyID == familyID && rt.RevokedAt == nil {
			hit = append(hit, rt)
		}
		return true
	})
	if len(hit) == 0 {
		return 0, nil
	}
	rows := Mutable(s.tx, &t.RefreshTokens)
	for _, rt := range hit {
		rt.RevokedAt, rt.RevokeReason = &at, reason
		rows.Put(rt.ID, rt)
	}
	return len(hit), nil
}

// DeleteExpired implements identity.RefreshTokens.
func (s *RefreshTokens) DeleteExpired(_ context.Context, now time.Time, limit int) (int, error) {
	t := &s.tx.State.Identity
	var expired []identity.RefreshToken
	t.RefreshTokens.Each(func(_ string, rt identity.RefreshToken) bool {
		if len(expired) == limit {
			return false
		}
		if rt.ExpiresAt.Before(now) {
			expired = append(expired, rt)
		}
		return true
	})
	if len(expired) == 0 {
		return 0, nil
	}
	rows, byHash := Mutable(s.tx, &t.RefreshTokens), Mutable(s.tx, &t.RefreshByHash)
	for _, rt := range expired {
		rows.Delete(rt.ID)
		byHash.Delete(rt.Hash)
	}
	return len(expired), nil
}
