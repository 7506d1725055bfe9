// Package memory holds in-memory adapters for every core port. They behave like the Postgres ones
// (the same contract suites run against both) and back the all-in-one binary and fast tests.
//
// # State, units of work, reads
//
// All data lives in one State: each area keeps its tables in one struct declared in its own file
// (identityTables in identity.go, catalogTables in catalog.go, ...). The committed State is
// immutable. A unit of work works on its own shallow copy of it; its first write to a table clones
// that table in O(1) (Mutable), and committing publishes the copy. A rolled-back unit of work is
// simply dropped. Units of work that write run one at a time; waiting for the previous one obeys
// the context, and a context that ended before the commit commits nothing. Reads outside a unit of
// work take no lock: they read the committed State current when they start (Store.Snapshot).
//
// # Tables and indexes
//
// A Table holds rows by primary key and keeps the secondary indexes it was declared with. A write
// costs O(log n) per tree it touches, whatever the table's size, so declare what your queries need
// and never walk a whole table where Postgres would use an index:
//
//	// the orders of a user, newest first (Postgres: orders (user_id, created_at DESC, id DESC))
//	var ordersByUser = &Index[order.Order]{
//		Group: func(o order.Order) string { return o.UserID },
//		Order: func(a, b order.Order) int { return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID)) },
//	}
//	Orders: newTable(strings.Compare, ordersByUser),
//
//	// one keyset page: the rows after the cursor, at most limit of them
//	for _, o := range t.Orders.Ascend(ordersByUser, Seek[order.Order]{Group: userID, Pivot: cursor, Past: true}) {
//		if page = append(page, o); len(page) == limit {
//			break
//		}
//	}
//
// Descend walks an index backwards; Seek without a Pivot starts at the group's first (or, for
// Descend, last) row; Where makes an index partial. A unique key is a table of its own that maps
// the key to the primary key (identityTables.UsersByEmail, catalogTables.SKUsByCode), checked and
// written next to the row (putUnique). Index.Order must read only fields of the row, and rows are
// values: to change one, Put a new one on the table returned by Mutable. A scan sees the table as
// it was when the scan started, so writing inside the loop is safe.
package memory

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jupang/jupang/core/partner"
	"github.com/jupang/jupang/core/uow"
)

// State is every in-memory table. Each area keeps its tables in one struct declared in its own file
// (identityTables in identity.go, ...); copying State copies those structs, so copy-on-write works
// for their fields too: Mutable(tx, &tx.State.Identity.Users).
type State struct {
	Outbox      *Table[string, outboxRow]
	Identity    identityTables
	Catalog     catalogTables
	Cart        cartTables
	Coupons     couponTables
	Partner     partnerTables
	Inbox       *Table[inboxKey, inboxRow]
	CouponStats couponStatsTable
	Inventory   inventoryTables
	Order       orderTables
	Wallet      walletTables
	Refund      refundTables
}

func newState() *State {
	return &State{
		Outbox:      newOutboxTable(),
		Identity:    newIdentityTables(),
		Catalog:     newCatalogTables(),
		Cart:        newCartTables(),
		Coupons:     newCouponTables(),
		Partner:     newPartnerTables(),
		Inbox:       newInboxTable(),
		CouponStats: newCouponStatsTable(),
		Inventory:   newInventoryTables(),
		Order:       newOrderTables(),
		Wallet:      newWalletTables(),
		Refund:      newRefundTables(),
	}
}

// Store owns the committed State.
type Store struct {
	state atomic.Pointer[State] // committed, immutable: readers load it without locking
	// writer is held by the unit of work that writes, so that units of work see each other's
	// writes in order (the role row locks play in Postgres). A channel, so waiting obeys contexts.
	writer chan struct{}
	seq    atomic.Int64
	// keys lives outside State, under its own lock: a claim must be visible to other requests while
	// the request that made it still holds the writer lock (the way a Postgres unique index shows an
	// uncommitted row to a concurrent insert). Its writes are undone if their unit of work fails.
	keys keyTable
	// feed wakes waiting partner pulls once a unit of work that created or re-opened their
	// deliveries has committed.
	feed *partner.Hub
	// relay holds the outbox partitions of open relay batches (relay.go); its zero value is ready.
	relay relayPartitions
}

// NewStore returns an empty store.
func NewStore() *Store {
	s := &Store{writer: make(chan struct{}, 1), keys: newKeyTable(), feed: partner.NewHub()}
	s.state.Store(newState())
	return s
}

// Tx is one unit of work's private view of the state.
type Tx struct {
	store *Store
	State *State
	owned map[freezer]struct{} // tables this Tx already cloned
	undo  []func()             // reverts writes made outside State, newest last
	ended []func()             // runs when the unit of work ends, committed or not (releases held keys)
}

type freezer interface{ freeze() }

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

// Mutable returns the table at *field ready for writing, cloning it (in O(1)) on the first write
// in this Tx.
func Mutable[K, V any](tx *Tx, field **Table[K, V]) *Table[K, V] {
	if _, ok := tx.owned[*field]; !ok {
		c := (*field).clone()
		*field = c
		tx.owned[c] = struct{}{}
	}
	return *field
}

// putUnique points the unique key key of table unique at id, and releases prev (the row's key
// before this write; "" for a new row). It reports false, changing nothing, when another row
// holds key.
func putUnique(tx *Tx, unique **Table[string, string], key, prev, id string) bool {
	if holder, taken := (*unique).Get(key); taken && holder != id {
		return false
	}
	t := Mutable(tx, unique)
	if prev != "" && prev != key {
		t.Delete(prev)
	}
	t.Put(key, id)
	return true
}

// NextSeq returns a store-wide increasing number (insertion order, ledger ids).
func (tx *Tx) NextSeq() int64 { return tx.store.seq.Add(1) }

type txKey struct{ store *Store }

func txFrom(ctx context.Context, s *Store) *Tx {
	tx, _ := ctx.Value(txKey{s}).(*Tx)
	return tx
}

// Snapshot returns the state a read in ctx sees: the caller's open unit of work when there is
// one, else the committed state as it is now, which no later commit changes. Only read it.
func (s *Store) Snapshot(ctx context.Context) *State {
	if tx := txFrom(ctx, s); tx != nil {
		return tx.State
	}
	return s.state.Load()
}

// run executes fn in a unit of work, nested in the caller's when there is one.
func (s *Store) run(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) (err error) {
	if parent := txFrom(ctx, s); parent != nil {
		failed := uow.Nested(ctx)
		defer func() {
			if p := recover(); p != nil {
				failed()
				panic(p)
			}
			if err != nil {
				failed()
			}
		}()
		snapshot := *parent.State
		child := &Tx{store: s, State: &snapshot, owned: map[freezer]struct{}{}}
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
	ctx, committed := uow.Attempt(ctx)
	if err := s.commit(ctx, fn); err != nil {
		return err
	}
	committed()
	return nil
}

// commit runs fn in a new unit of work under the writer lock and publishes its state on success.
func (s *Store) commit(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer func() { <-s.writer }()
	snapshot := *s.state.Load()
	tx := &Tx{store: s, State: &snapshot, owned: map[freezer]struct{}{}}
	if err := guarded(ctx, tx, fn); err != nil {
		return err
	}
	for t := range tx.owned {
		t.freeze()
	}
	s.state.Store(tx.State)
	tx.end()
	return nil
}

// lock waits for the writer lock, or for ctx to end.
func (s *Store) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case s.writer <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("memory: waiting for another unit of work: %w", ctx.Err())
	}
}

// guarded runs fn in tx and reverts tx's outside-State writes when fn fails or panics, or when
// ctx has ended by the time fn returns: like a Postgres transaction, nothing commits on a
// context that is done.
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
	if err := fn(context.WithValue(ctx, txKey{tx.store}, tx), tx); err != nil {
		return err
	}
	return ctx.Err()
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
