package wallet

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// Service is the wallet use cases.
type Service struct {
	tx    uow.UnitOfWork[Stores]
	read  Reader
	clock kernel.Clock
}

// NewService returns the wallet use cases over tx (writes) and read (the customer's reads).
func NewService(tx uow.UnitOfWork[Stores], read Reader, clock kernel.Clock) *Service {
	return &Service{tx: tx, read: read, clock: clock}
}

// WithClock returns a copy of the service that tells time by clock: the dev seed writes its past
// orders' ledger entries at their own instants.
func (s *Service) WithClock(clock kernel.Clock) *Service {
	c := *s
	c.clock = clock
	return &c
}

// MaxAmount bounds a single movement (₩10,000,000,000,000), far above any order, so that sums of
// balances never overflow.
const MaxAmount int64 = 10_000_000_000_000

// Open gives a customer a wallet (balance zero) in its own unit of work; an existing one is returned.
func (s *Service) Open(ctx context.Context, userID string) (Wallet, error) {
	if !kernel.IsID(userID) {
		return Wallet{}, ErrWalletNotFound
	}
	var w Wallet
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		now := s.now()
		w, err = st.Ledger.Open(ctx, Wallet{UserID: userID, Currency: Currency, CreatedAt: now, UpdatedAt: now})
		return err
	})
	return w, err
}

// Deposit credits amount to a customer's wallet in its own unit of work (the seed's opening balance).
func (s *Service) Deposit(ctx context.Context, userID string, amount int64, note string) (Entry, error) {
	var e Entry
	err := s.tx.Do(ctx, func(ctx context.Context, st Stores) error {
		var err error
		e, err = s.Credit(ctx, st, Movement{UserID: userID, Type: TypeDeposit, Amount: amount, Note: note})
		return err
	})
	return e, err
}

// Debit takes m.Amount from the wallet in the caller's unit of work (st): one guarded statement
// and its ledger row. A balance that does not cover it is INSUFFICIENT_BALANCE (carrying
// "balance"), and nothing changes. m.Type is PAYMENT (with OrderID) or ADJUSTMENT (with ActorID).
func (s *Service) Debit(ctx context.Context, st Stores, m Movement) (Entry, error) {
	if err := validate(m, TypePayment, TypeAdjustment); err != nil {
		return Entry{}, err
	}
	e, err := st.Ledger.Debit(ctx, m.entry(-1, kernel.RequestFrom(ctx).TraceID, s.now()))
	if errors.Is(err, ErrWalletNotFound) {
		return Entry{}, ErrInsufficientBalance.WithExtra("balance", int64(0)) // no wallet yet: ₩0
	}
	return e, err
}

// Credit adds m.Amount to the wallet in the caller's unit of work (st). m.Type is DEPOSIT,
// PAYMENT_REVERSAL (with OrderID), REFUND (with OrderID and RefundID) or ADJUSTMENT (with ActorID).
func (s *Service) Credit(ctx context.Context, st Stores, m Movement) (Entry, error) {
	if err := validate(m, TypeDeposit, TypePaymentReversal, TypeRefund, TypeAdjustment); err != nil {
		return Entry{}, err
	}
	now := s.now()
	// Wallets open on their first credit (a new customer holds ₩0 and has no row until then).
	if _, err := st.Ledger.Open(ctx, Wallet{UserID: m.UserID, Currency: Currency, CreatedAt: now, UpdatedAt: now}); err != nil {
		return Entry{}, err
	}
	return st.Ledger.Credit(ctx, m.entry(1, kernel.RequestFrom(ctx).TraceID, now))
}

// Run runs fn in a wallet unit of work (nested in the caller's when ctx carries one on the same
// storage): for tests and callers without a unit of work of their own.
func (s *Service) Run(ctx context.Context, fn func(ctx context.Context, st Stores) error) error {
	return s.tx.Do(ctx, fn)
}

func validate(m Movement, allowed ...Type) error {
	var v errs.Validation
	v.Check(kernel.IsID(m.UserID), "userId", errs.FieldInvalidID, "must be a UUID")
	v.Check(slices.Contains(allowed, m.Type), "type", FieldInvalidType, "not a type this movement may have")
	v.Check(m.Amount > 0 && m.Amount <= MaxAmount, "amount", errs.FieldOutOfRange, "must be positive")
	needsOrder := m.Type == TypePayment || m.Type == TypePaymentReversal || m.Type == TypeRefund
	v.Check(!needsOrder || kernel.IsID(m.OrderID), "orderId", errs.FieldInvalidID, "must be a UUID")
	v.Check(m.OrderID == "" || kernel.IsID(m.OrderID), "orderId", errs.FieldInvalidID, "must be a UUID")
	v.Check(m.Type != TypeRefund || kernel.IsID(m.RefundID), "refundId", errs.FieldInvalidID, "must be a UUID")
	v.Check(m.RefundID == "" || kernel.IsID(m.RefundID), "refundId", errs.FieldInvalidID, "must be a UUID")
	v.Check(m.Type != TypeAdjustment || kernel.IsID(m.ActorID), "actorId", errs.FieldInvalidID, "an adjustment needs a staff member")
	v.Check(m.ActorID == "" || kernel.IsID(m.ActorID), "actorId", errs.FieldInvalidID, "must be a UUID")
	v.Check(len(m.Note) <= 1000, "note", errs.FieldTooLong, "must be at most 1000 bytes")
	return v.Err()
}

// Balance returns the customer's wallet; a customer whose wallet has not opened yet (no credit
// so far) holds ₩0.
func (s *Service) Balance(ctx context.Context, userID string) (Wallet, error) {
	if !kernel.IsID(userID) {
		return Wallet{}, ErrWalletNotFound
	}
	w, err := s.read.Wallet(ctx, userID)
	if errors.Is(err, ErrWalletNotFound) {
		return Wallet{UserID: userID, Currency: Currency}, nil
	}
	return w, err
}

// Page sizes of the transaction list.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// TransactionFilter is the transaction list as the client asks for it.
type TransactionFilter struct {
	Type   Type
	Cursor string
	Limit  int
}

type entryPosition struct {
	ID string `json:"i"`
}

// Transactions returns one keyset page of the customer's ledger, newest first (none for a customer
// whose wallet has not opened yet).
func (s *Service) Transactions(ctx context.Context, userID string, f TransactionFilter) (kernel.Page[Entry], error) {
	var v errs.Validation
	v.Check(f.Type == "" || slices.Contains(Types, f.Type), "type", FieldInvalidType,
		"must be one of DEPOSIT, PAYMENT, PAYMENT_REVERSAL, REFUND, ADJUSTMENT")
	limit := f.Limit
	if limit == 0 {
		limit = DefaultPageSize
	}
	v.Check(limit >= 1 && limit <= MaxPageSize, "limit", errs.FieldOutOfRange, "must be 1..100")
	var after entryPosition
	if err := kernel.DecodeCursor(f.Cursor, &after); err != nil {
		return kernel.Page[Entry]{}, err
	}
	v.Check(after.ID == "" || kernel.IsID(after.ID), "cursor", kernel.FieldInvalidCursor, "not a cursor this server issued")
	if err := v.Err(); err != nil {
		return kernel.Page[Entry]{}, err
	}
	items, err := s.read.Entries(ctx, EntryQuery{UserID: userID, Type: f.Type, AfterID: after.ID, Limit: limit + 1})
	if err != nil {
		return kernel.Page[Entry]{}, err
	}
	page := kernel.Page[Entry]{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.NextCursor = kernel.EncodeCursor(entryPosition{ID: page.Items[limit-1].ID})
	}
	return page, nil
}

// now is the clock's time at the precision PostgreSQL stores.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }
