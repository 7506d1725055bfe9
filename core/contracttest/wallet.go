package contracttest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// WalletHarness is what an adapter provides to the wallet suite.
type WalletHarness struct {
	Tx     uow.UnitOfWork[wallet.Stores]
	Reader wallet.Reader
	// NewUser returns the id of a user who may own a wallet or act on one (on PostgreSQL: a user row).
	NewUser func(t testing.TB) string
	// NewOrder returns the id of an order of userID that ledger rows may reference.
	NewOrder func(t testing.TB, userID string) string
}

// CheckWalletInvariant fails t unless the wallet's balance equals the sum of its ledger entries,
// is not negative, and every entry's balanceAfter is the running sum.
func CheckWalletInvariant(t testing.TB, r wallet.Reader, userID string) wallet.Wallet {
	t.Helper()
	ctx := context.Background()
	w, err := r.Wallet(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	var entries []wallet.Entry
	q := wallet.EntryQuery{UserID: userID, Limit: 100}
	for {
		page, err := r.Entries(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, page...)
		if len(page) < q.Limit {
			break
		}
		q.AfterID = page[len(page)-1].ID
	}
	// Entries are listed by id (the time the request made them); balances chain in commit order,
	// which concurrent debits may interleave differently. So: every entry starts at a balance some
	// other entry ended at (or zero), and together they end at the wallet's balance.
	var sum int64
	starts, ends := map[int64]int{0: 1}, map[int64]int{w.Balance: 1}
	for _, e := range entries {
		sum += e.Amount
		starts[e.BalanceAfter]++
		ends[e.BalanceAfter-e.Amount]++
		if e.BalanceAfter < 0 {
			t.Errorf("entry %s: balanceAfter %d", e.ID, e.BalanceAfter)
		}
	}
	for b, n := range starts {
		if ends[b] != n {
			t.Errorf("the entries do not chain: %d end at %d, %d start there", n, b, ends[b])
		}
	}
	if w.Balance != sum || w.Balance < 0 {
		t.Errorf("balance %d, ledger sum %d", w.Balance, sum)
	}
	return w
}

// RunWallet checks the wallet ports and use cases on an adapter.
func RunWallet(t *testing.T, newHarness func(t *testing.T) WalletHarness) {
	ctx := context.Background()
	setup := func(t *testing.T, deposit int64) (WalletHarness, *wallet.Service, string) {
		h := newHarness(t)
		svc := wallet.NewService(h.Tx, h.Reader, kernel.NewFakeClock(CatalogEpoch))
		user := h.NewUser(t)
		if _, err := svc.Open(ctx, user); err != nil {
			t.Fatal(err)
		}
		if deposit > 0 {
			if _, err := svc.Deposit(ctx, user, deposit, "opening balance"); err != nil {
				t.Fatal(err)
			}
		}
		return h, svc, user
	}
	pay := func(svc *wallet.Service, m wallet.Movement) (wallet.Entry, error) {
		var e wallet.Entry
		err := svc.Run(ctx, func(ctx context.Context, st wallet.Stores) error {
			var err error
			e, err = svc.Debit(ctx, st, m)
			return err
		})
		return e, err
	}

	t.Run("a KRW wallet opens once, takes deposits and debits with balanceAfter, and refuses overdrafts", func(t *testing.T) {
		h, svc, user := setup(t, 100_000)
		again, err := svc.Open(ctx, user)
		if err != nil || again.Balance != 100_000 || again.Currency != wallet.Currency {
			t.Fatalf("second open = %+v, %v", again, err)
		}
		order := h.NewOrder(t, user)
		e, err := pay(svc, wallet.Movement{UserID: user, Type: wallet.TypePayment, Amount: 60_000, OrderID: order})
		if err != nil || e.Amount != -60_000 || e.BalanceAfter != 40_000 {
			t.Fatalf("debit = %+v, %v", e, err)
		}
		_, err = pay(svc, wallet.Movement{UserID: user, Type: wallet.TypePayment, Amount: 40_001, OrderID: h.NewOrder(t, user)})
		if !errors.Is(err, wallet.ErrInsufficientBalance) || errs.As(err).Extra["balance"] != int64(40_000) {
			t.Fatalf("overdraft = %v", err)
		}
		_, err = pay(svc, wallet.Movement{UserID: user, Type: wallet.TypePayment, Amount: 1, OrderID: order})
		if !errors.Is(err, wallet.ErrDuplicateMovement) {
			t.Errorf("second payment of one order = %v", err)
		}
		err = svc.Run(ctx, func(ctx context.Context, st wallet.Stores) error {
			_, err := svc.Credit(ctx, st, wallet.Movement{UserID: user, Type: wallet.TypePaymentReversal, Amount: 60_000, OrderID: order})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if w := CheckWalletInvariant(t, h.Reader, user); w.Balance != 100_000 {
			t.Errorf("balance = %d", w.Balance)
		}
		stranger := h.NewUser(t)
		if w, err := svc.Balance(ctx, stranger); err != nil || w.Balance != 0 {
			t.Errorf("no wallet yet = %+v, %v", w, err)
		}
		if _, err := pay(svc, wallet.Movement{UserID: stranger, Type: wallet.TypePayment, Amount: 1, OrderID: h.NewOrder(t, stranger)}); !errors.Is(err, wallet.ErrInsufficientBalance) {
			t.Errorf("debit without a wallet = %v", err)
		}
		if _, err := pay(svc, wallet.Movement{UserID: user, Type: wallet.TypePayment, Amount: 0, OrderID: order}); !errors.Is(err, errs.ErrValidation) {
			t.Errorf("zero debit = %v", err)
		}
		if _, err := pay(svc, wallet.Movement{UserID: user, Type: wallet.TypeRefund, Amount: 5, OrderID: order}); !errors.Is(err, errs.ErrValidation) {
			t.Errorf("a refund debit = %v", err)
		}
	})

	t.Run("transactions page newest first, filtered by type", func(t *testing.T) {
		h, svc, user := setup(t, 50_000)
		staff := h.NewUser(t)
		for range 5 {
			if _, err := pay(svc, wallet.Movement{UserID: user, Type: wallet.TypeAdjustment, Amount: 1_000, ActorID: staff}); err != nil {
				t.Fatal(err)
			}
		}
		var all []wallet.Entry
		for cursor := ""; ; {
			page, err := svc.Transactions(ctx, user, wallet.TransactionFilter{Cursor: cursor, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page.Items...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(all) != 6 || all[0].BalanceAfter != 45_000 || all[5].Type != wallet.TypeDeposit {
			t.Fatalf("entries = %+v", all)
		}
		for i := 1; i < len(all); i++ {
			if all[i-1].ID <= all[i].ID {
				t.Fatalf("not newest first")
			}
		}
		deposits, err := svc.Transactions(ctx, user, wallet.TransactionFilter{Type: wallet.TypeDeposit})
		if err != nil || len(deposits.Items) != 1 {
			t.Errorf("deposits = %+v, %v", deposits, err)
		}
		if _, err := svc.Transactions(ctx, user, wallet.TransactionFilter{Type: "GIFT"}); !errors.Is(err, errs.ErrValidation) {
			t.Errorf("bad type = %v", err)
		}
		if page, err := svc.Transactions(ctx, kernel.NewID(), wallet.TransactionFilter{}); err != nil || len(page.Items) != 0 {
			t.Errorf("no wallet = %+v, %v", page, err)
		}
	})

	t.Run("200 concurrent debits never take the balance below zero", func(t *testing.T) {
		h, svc, user := setup(t, 100_000)
		staff := h.NewUser(t)
		var ok, short atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := pay(svc, wallet.Movement{UserID: user, Type: wallet.TypeAdjustment, Amount: 1_000, ActorID: staff})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, wallet.ErrInsufficientBalance):
					short.Add(1)
				default:
					t.Errorf("debit: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok.Load() != 100 || short.Load() != 100 {
			t.Errorf("%d debits succeeded and %d were short, want 100 and 100", ok.Load(), short.Load())
		}
		if w := CheckWalletInvariant(t, h.Reader, user); w.Balance != 0 {
			t.Errorf("balance = %d", w.Balance)
		}
	})
}
