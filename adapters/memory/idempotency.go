package memory

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

type idemKey struct {
	scope string
	key   kernel.IdempotencyKey
}

// keyTable holds idempotency records under their own lock (see Store.keys).
type keyTable struct {
	mu   sync.Mutex
	rows map[idemKey]idempotency.Record
}

// IdempotencyKeys is the in-memory idempotency.Store of one unit of work.
type IdempotencyKeys struct{ tx *Tx }

// NewIdempotencyKeys returns the store bound to tx.
func NewIdempotencyKeys(tx *Tx) *IdempotencyKeys { return &IdempotencyKeys{tx: tx} }

// IdempotencyStores builds idempotency.Stores for a unit of work.
func IdempotencyStores(tx *Tx) idempotency.Stores {
	return idempotency.Stores{Keys: NewIdempotencyKeys(tx)}
}

// KeysUnitOfWork runs idempotency claims without taking the store lock, so a request that is still
// running (and holds that lock) does not hide its claim from a concurrent retry. Inside an open unit
// of work it joins it.
type KeysUnitOfWork struct{ store *Store }

// NewKeysUnitOfWork returns the claims unit of work of store.
func NewKeysUnitOfWork(store *Store) *KeysUnitOfWork { return &KeysUnitOfWork{store: store} }

// Do implements uow.UnitOfWork[idempotency.Stores].
func (u *KeysUnitOfWork) Do(ctx context.Context, fn func(ctx context.Context, s idempotency.Stores) error) error {
	if tx := txFrom(ctx, u.store); tx != nil {
		return u.store.run(ctx, func(ctx context.Context, tx *Tx) error { return fn(ctx, IdempotencyStores(tx)) })
	}
	tx := &Tx{store: u.store} // keys only: no State, no store lock
	return guarded(ctx, tx, func(ctx context.Context, tx *Tx) error { return fn(ctx, IdempotencyStores(tx)) })
}

// put writes rec (or deletes the key when rec is nil) and registers the undo.
func (s *IdempotencyKeys) put(k idemKey, rec *idempotency.Record) {
	t := &s.tx.store.keys
	prev, had := t.rows[k]
	if rec == nil {
		delete(t.rows, k)
	} else {
		t.rows[k] = *rec
	}
	s.tx.onRollback(func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if had {
			t.rows[k] = prev
		} else {
			delete(t.rows, k)
		}
	})
}

// Claim implements idempotency.Store.
func (s *IdempotencyKeys) Claim(_ context.Context, rec idempotency.Record, now time.Time) (idempotency.Record, bool, error) {
	t := &s.tx.store.keys
	t.mu.Lock()
	defer t.mu.Unlock()
	k := idemKey{rec.Scope, rec.Key}
	if cur, ok := t.rows[k]; ok {
		live := cur.ExpiresAt.After(now) && (cur.State == idempotency.Completed || cur.LockedUntil.After(now))
		if live {
			return cur, false, nil
		}
	}
	s.put(k, &rec)
	return idempotency.Record{}, true, nil
}

var errNoClaim = errors.New("memory: idempotency key was not claimed")

// Complete implements idempotency.Store.
func (s *IdempotencyKeys) Complete(_ context.Context, scope string, key kernel.IdempotencyKey, resp idempotency.Response) error {
	t := &s.tx.store.keys
	t.mu.Lock()
	defer t.mu.Unlock()
	k := idemKey{scope, key}
	cur, ok := t.rows[k]
	if !ok || cur.State != idempotency.InProgress {
		return errNoClaim
	}
	cur.State = idempotency.Completed
	cur.Response = resp
	s.put(k, &cur)
	return nil
}

// Release implements idempotency.Store.
func (s *IdempotencyKeys) Release(_ context.Context, scope string, key kernel.IdempotencyKey) error {
	t := &s.tx.store.keys
	t.mu.Lock()
	defer t.mu.Unlock()
	k := idemKey{scope, key}
	if cur, ok := t.rows[k]; ok && cur.State == idempotency.InProgress {
		s.put(k, nil)
	}
	return nil
}

// DeleteExpired implements idempotency.Store.
func (s *IdempotencyKeys) DeleteExpired(_ context.Context, now time.Time, limit int) (int, error) {
	t := &s.tx.store.keys
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for k, r := range t.rows {
		if n == limit {
			break
		}
		if !r.ExpiresAt.After(now) {
			s.put(k, nil)
			n++
		}
	}
	return n, nil
}
