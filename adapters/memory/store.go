// Package memory holds in-memory adapters for every core port. They behave like the Postgres ones
// (the same contract suites run against both) and back the all-in-one binary and fast tests.
//
// All data lives in one State of copy-on-write tables behind one lock. A unit of work works on its own
// copy of the State struct; the first write to a table clones that table, so a rolled-back unit of
// work leaves the committed state untouched and a committed one replaces it wholesale.
package memory

import (
	"context"
	"errors"
	"maps"
	"sync"

	"github.com/jupang/jupang/core/idempotency"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/uow"
)

// Table is a copy-on-write map. Values are stored by value: never mutate one in place, Put a new one.
type Table[K comparable, V any] struct {
	rows map[K]V
}

func newTable[K comparable, V any]() *Table[K, V] { return &Table[K, V]{rows: map[K]V{}} }

// Get returns the row at k.
func (t *Table[K, V]) Get(k K) (V, bool) {
	v, ok := t.rows[k]
	return v, ok
}

// Len returns the number of rows.
func (t *Table[K, V]) Len() int { return len(t.rows) }

// Rows returns every row; callers sort as they need.
func (t *Table[K, V]) Rows() []V {
	out := make([]V, 0, len(t.rows))
	for _, v := range t.rows {
		out = append(out, v)
	}
	return out
}

// Each calls fn for every row until fn returns false.
func (t *Table[K, V]) Each(fn func(K, V) bool) {
	for k, v := range t.rows {
		if !fn(k, v) {
			return
		}
	}
}

// Put stores v at k. Only call it on a table obtained through Mutable.
func (t *Table[K, V]) Put(k K, v V) { t.rows[k] = v }

// Delete removes k. Only call it on a table obtained through Mutable.
func (t *Table[K, V]) Delete(k K) { delete(t.rows, k) }

func (t *Table[K, V]) clone() *Table[K, V] { return &Table[K, V]{rows: maps.Clone(t.rows)} }

// State is every in-memory table. Each area keeps its tables in one struct declared in its own file
// (identityTables in identity.go, ...); copying State copies those structs, so copy-on-write works
// for their fields too: Mutable(tx, &tx.State.Identity.Users).
type State struct {
	Outbox   *Table[string, outboxRow]
	Identity identityTables
	Catalog  catalogTables
}

func newState() *State {
	return &State{
		Outbox:   newTable[string, outboxRow](),
		Identity: newIdentityTables(),
		Catalog:  newCatalogTables(),
	}
}

type outboxRow struct {
	integration.OutboxEntry
	Seq int64 // insertion order, for stable listing
}

// Store owns the committed State.
type Store struct {
	mu    sync.RWMutex
	state *State
	seq   int64
	// keys lives outside State, under its own lock: a claim must be visible to other requests while
	// the request that made it still holds the store lock (the way a Postgres unique index shows an
	// uncommitted row to a concurrent insert). Its writes are undone if their unit of work fails.
	keys keyTable
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{state: newState(), keys: keyTable{rows: map[idemKey]idempotency.Record{}}}
}

// Tx is one unit of work's private view of the state.
type Tx struct {
	store *Store
	State *State
	owned map[any]struct{} // tables this Tx already cloned
	undo  []func()         // reverts writes made outside State, newest last
	ended []func()         // runs when the unit of work ends, committed or not (releases held keys)
}

func (tx *Tx) onRollback(f func()) { tx.undo = append(tx.undo, f) }

func (tx *Tx) onEnd(f func()) { tx.ended = append(tx.ended, f) }

func (tx *Tx) end() {
	for _, f := range tx.ended {
		f()
	}
	tx.ended = nil
}

func (tx *Tx) rollback() {
	for i := len(tx.undo) - 1; i >= 0; i-- {
		tx.undo[i]()
	}
}

// Mutable returns the table at *field ready for writing, cloning it on the first write in this Tx.
func Mutable[K comparable, V any](tx *Tx, field **Table[K, V]) *Table[K, V] {
	if _, ok := tx.owned[*field]; !ok {
		c := (*field).clone()
		*field = c
		tx.owned[c] = struct{}{}
	}
	return *field
}

// NextSeq returns a store-wide increasing number (insertion order, ledger ids).
func (tx *Tx) NextSeq() int64 {
	tx.store.seq++
	return tx.store.seq
}

type txKey struct{ store *Store }

func txFrom(ctx context.Context, s *Store) *Tx {
	tx, _ := ctx.Value(txKey{s}).(*Tx)
	return tx
}

// View calls fn with a consistent snapshot: the caller's open unit of work when there is one, else
// the committed state under a read lock. fn must not write.
func (s *Store) View(ctx context.Context, fn func(*State)) {
	if tx := txFrom(ctx, s); tx != nil {
		fn(tx.State)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(s.state)
}

// run executes fn in a unit of work, nested in the caller's when there is one.
func (s *Store) run(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if parent := txFrom(ctx, s); parent != nil {
		snapshot := *parent.State
		child := &Tx{store: s, State: &snapshot, owned: map[any]struct{}{}}
		if err := guarded(ctx, child, fn); err != nil {
			return err
		}
		parent.State = child.State
		for t := range child.owned {
			parent.owned[t] = struct{}{}
		}
		parent.undo = append(parent.undo, child.undo...)
		parent.ended = append(parent.ended, child.ended...)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snapshot := *s.state
	tx := &Tx{store: s, State: &snapshot, owned: map[any]struct{}{}}
	if err := guarded(ctx, tx, fn); err != nil {
		return err
	}
	s.state = tx.State
	tx.end()
	return nil
}

// guarded runs fn in tx and reverts tx's outside-State writes when fn fails or panics; a failed
// tx has ended then, like a rolled-back savepoint.
func guarded(ctx context.Context, tx *Tx, fn func(ctx context.Context, tx *Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			tx.rollback()
			tx.end()
			panic(p)
		}
		if err != nil {
			tx.rollback()
			tx.end()
		}
	}()
	return fn(context.WithValue(ctx, txKey{tx.store}, tx), tx)
}

// UnitOfWork adapts the store to core's uow.UnitOfWork for one area's Stores.
type UnitOfWork[S any] struct {
	store *Store
	build func(tx *Tx) S
}

// NewUnitOfWork returns a unit of work that hands fn the stores build makes for each transaction.
func NewUnitOfWork[S any](store *Store, build func(tx *Tx) S) *UnitOfWork[S] {
	return &UnitOfWork[S]{store: store, build: build}
}

// maxAttempts bounds reruns of a unit of work whose function reported a lost race (uow.ErrRetry).
const maxAttempts = 4

// Do runs fn atomically: all of its writes, or none. Like the Postgres unit of work, the outermost
// Do runs fn again when it fails with uow.ErrRetry.
func (u *UnitOfWork[S]) Do(ctx context.Context, fn func(ctx context.Context, stores S) error) error {
	nested := txFrom(ctx, u.store) != nil
	for attempt := 1; ; attempt++ {
		err := u.store.run(ctx, func(ctx context.Context, tx *Tx) error {
			return fn(ctx, u.build(tx))
		})
		if nested || attempt == maxAttempts || !errors.Is(err, uow.ErrRetry) {
			return err
		}
	}
}
