package memory

import (
	"cmp"
	"context"
	"strings"
	"sync"
	"time"

	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/kernel"
)

type idemKey struct {
	scope string
	key   kernel.IdempotencyKey
}

func compareIdemKeys(a, b idemKey) int {
	return cmp.Or(strings.Compare(a.scope, b.scope), strings.Compare(string(a.key), string(b.key)))
}

// keysByExpiry finds expired records (Postgres: idempotency_keys_expires_at_idx).
var keysByExpiry = &Index[idempotency.Record]{
	Order: func(a, b idempotency.Record) int { return a.ExpiresAt.Compare(b.ExpiresAt) },
}

// keyTable holds idempotency records under their own lock (see Store.keys). Its table is written
// in place, never frozen: the undo log, not copy-on-write, takes back a failed unit of work's writes.
type keyTable struct {
	mu   sync.Mutex
	rows *Table[idemKey, idempotency.Record]
	// holds are the keys whose request is running (Hold), each with a channel closed when that
	// request's unit of work ends, like a row lock on a Postgres row.
	holds map[idemKey]chan struct{}
}

func newKeyTable() keyTable {
	return keyTable{rows: newTable(compareIdemKeys, keysByExpiry).clone()}
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
	if err := guarded(ctx, tx, func(ctx context.Context, tx *Tx) error { return fn(ctx, IdempotencyStores(tx)) }); err != nil {
		return err
	}
	tx.end()
	return nil
}

// put writes rec (or deletes the key when rec is nil) and registers the undo.
func (s *IdempotencyKeys) put(k idemKey, rec *idempotency.Record) {
	t := &s.tx.store.keys
	prev, had := t.rows.Get(k)
	if rec == nil {
		t.rows.Delete(k)
	} else {
		t.rows.Put(k, *rec)
	}
	s.tx.onRollback(func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if had {
			t.rows.Put(k, prev)
		} else {
			t.rows.Delete(k)
		}
	})
}

// Claim implements idempotency.Store. While the request holding a key runs, others see its claim as
// Postgres shows the committed row: IN_PROGRESS, its outcome not yet stored.
func (s *IdempotencyKeys) Claim(ctx context.Context, rec idempotency.Record, now time.Time) (idempotency.Record, bool, error) {
	t := &s.tx.store.keys
	k := idemKey{rec.Scope, rec.Key}
	for {
		t.mu.Lock()
		cur, exists := t.rows.Get(k)
		held, running := t.holds[k]
		if running {
			cur.State, cur.Response = idempotency.InProgress, idempotency.Response{}
		}
		switch {
		case exists && cur.Live(now):
			t.mu.Unlock()
			return cur, false, nil
		case exists && running: // its lease ran out, but its request still runs: wait for it to end
			t.mu.Unlock()
			select {
			case <-held:
				continue
			case <-ctx.Done():
				return idempotency.Record{}, false, ctx.Err()
			}
		}
		s.put(k, &rec)
		t.mu.Unlock()
		return idempotency.Record{}, true, nil
	}
}

// owned returns owner's claim at k; call it with the table locked.
func (s *IdempotencyKeys) owned(k idemKey, owner string) (idempotency.Record, error) {
	cur, ok := s.tx.store.keys.rows.Get(k)
	if !ok || cur.State != idempotency.InProgress || cur.Owner != owner {
		return idempotency.Record{}, idempotency.ErrNotOwner
	}
	return cur, nil
}

// Hold implements idempotency.Store: the hold ends with the unit of work of s.
func (s *IdempotencyKeys) Hold(_ context.Context, scope string, key kernel.IdempotencyKey, owner string) error {
	t := &s.tx.store.keys
	t.mu.Lock()
	defer t.mu.Unlock()
	k := idemKey{scope, key}
	if _, err := s.owned(k, owner); err != nil {
		return err
	}
	if _, held := t.holds[k]; held {
		return nil
	}
	if t.holds == nil {
		t.holds = map[idemKey]chan struct{}{}
	}
	ended := make(chan struct{})
	t.holds[k] = ended
	s.tx.onEnd(func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.holds, k)
		close(ended)
	})
	return nil
}

// Complete implements idempotency.Store.
func (s *IdempotencyKeys) Complete(_ context.Context, scope string, key kernel.IdempotencyKey, owner string, resp idempotency.Response) error {
	t := &s.tx.store.keys
	t.mu.Lock()
	defer t.mu.Unlock()
	k := idemKey{scope, key}
	cur, err := s.owned(k, owner)
	if err != nil {
		return err
	}
	cur.State = idempotency.Completed
	cur.Response = resp
	s.put(k, &cur)
	return nil
}

// Release implements idempotency.Store.
func (s *IdempotencyKeys) Release(_ context.Context, scope string, key kernel.IdempotencyKey, owner string) error {
	t := &s.tx.store.keys
	t.mu.Lock()
	defer t.mu.Unlock()
	k := idemKey{scope, key}
	if _, err := s.owned(k, owner); err == nil {
		s.put(k, nil)
	}
	return nil
}

// DeleteExpired implements idempotency.Store; it leaves keys whose request still runs.
func (s *IdempotencyKeys) DeleteExpired(_ context.Context, now time.Time, limit int) (int, error) {
	t := &s.tx.store.keys
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for k, r := range t.rows.Ascend(keysByExpiry, Seek[idempotency.Record]{}) {
		if n == limit || r.ExpiresAt.After(now) {
			break
		}
		if _, running := t.holds[k]; !running {
			s.put(k, nil)
			n++
		}
	}
	return n, nil
}
