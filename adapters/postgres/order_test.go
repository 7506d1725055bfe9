package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/payment"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

func TestMockGatewayContractOnPostgres(t *testing.T) {
	contracttest.RunPaymentGateway(t, func(t *testing.T, clock kernel.Clock, late time.Duration) order.PaymentGateway {
		return payment.NewMockGateway(postgres.NewMockGatewayCharges(pgtest.DB(t)), clock, payment.MockConfig{LateDelay: late, LostAfter: time.Second})
	})
}

// orderHarness gives each test a database of its own.
func orderHarness(t *testing.T) contracttest.OrderHarness {
	db, _ := pgtest.Another(t)
	return orderHarnessOn(t, db)
}

func orderHarnessOn(t *testing.T, db *postgres.DB) contracttest.OrderHarness {
	numbers, closeNumbers, err := postgres.NewOrderNumbers(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeNumbers)
	newUser := func(t testing.TB) string { return insertBuyer(t, db) }
	return contracttest.OrderHarness{
		Inventory: contracttest.InventoryHarness{
			Catalog: catalogHarnessOn(t, db, postgres.NewReadRouter(db, nil, postgres.ReplicaConfig{}, nil)),
			Tx:      postgres.NewUnitOfWork(db, postgres.InventoryStores), Reader: postgres.NewInventoryReader(db),
			Outbox: postgres.NewOutboxReader(db), NewStaff: newUser,
			NewOrder: func(t testing.TB) string { return insertOrder(t, db, insertBuyer(t, db)) },
		},
		Wallet: contracttest.WalletHarness{Tx: postgres.NewUnitOfWork(db, postgres.WalletStores), Reader: postgres.NewWalletReader(db),
			NewUser: newUser, NewOrder: func(t testing.TB, user string) string { return insertOrder(t, db, user) }},
		Tx:         postgres.NewUnitOfWork(db, postgres.OrderStores),
		Numbers:    numbers,
		Customers:  postgres.NewCustomers(db),
		Coupons:    postgres.NewUnitOfWork(db, postgres.CouponStores),
		Invariants: postgres.NewInvariants(db),
		KillConnection: func(ctx context.Context) error {
			var pid int
			if err := db.Q(ctx).GetContext(ctx, &pid, `SELECT pg_backend_pid()`); err != nil {
				return err
			}
			// From another connection, as an operator or a crashing backend would; wait until it is gone.
			var gone bool
			if err := db.GetContext(context.Background(), &gone, `SELECT pg_terminate_backend($1, 5000)`, pid); err != nil || !gone {
				t.Fatalf("pg_terminate_backend(%d): %v %v", pid, gone, err)
			}
			return nil
		},
		Gateway: func(clock kernel.Clock, late time.Duration) order.PaymentGateway {
			return payment.NewMockGateway(postgres.NewMockGatewayCharges(db), clock, payment.MockConfig{LateDelay: late, LostAfter: 5 * time.Second})
		},
	}
}

func TestOrderContract(t *testing.T) {
	t.Parallel() // every harness has a database of its own
	contracttest.RunOrders(t, orderHarness)
}

// A checkout takes its number while its unit of work holds a connection of the main pool. With
// every connection of that pool held so, numbers must still come (they come from a pool of their own).
func TestOrderNumbersNeedNoConnectionOfTheMainPool(t *testing.T) {
	ctx := context.Background()
	db, closeDB, err := postgres.Open(ctx, postgres.Config{URL: pgtest.URL(t), MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	numbers, closeNumbers, err := postgres.NewOrderNumbers(db)
	if err != nil {
		t.Fatal(err)
	}
	defer closeNumbers()
	tx := postgres.NewUnitOfWork(db, func(q postgres.Querier) postgres.Querier { return q })
	day := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	holding := make(chan struct{}, 2)
	seqs := make(chan int64, 2)
	errs := make(chan error, 2)
	for range 2 { // two units of work: both connections of the pool held
		wg.Go(func() {
			errs <- tx.Do(ctx, func(ctx context.Context, q postgres.Querier) error {
				if _, err := q.ExecContext(ctx, "SELECT 1"); err != nil {
					return err
				}
				holding <- struct{}{}
				for len(holding) < 2 { // wait until the other one holds its connection too
					time.Sleep(time.Millisecond)
				}
				wait, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				seq, err := numbers.Next(wait, day)
				seqs <- seq
				return err
			})
		})
	}
	wg.Wait()
	close(errs)
	close(seqs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a number while the main pool is held: %v", err)
		}
	}
	if a, b := <-seqs, <-seqs; a == b || a < 1 || b < 1 {
		t.Fatalf("numbers %d and %d: want two distinct sequence values", a, b)
	}
}

// Two processes take numbers of the same day in blocks and hand them out concurrently: every
// number is unique, each process's grow, and a new day starts a block of its own.
func TestOrderNumbersFromTwoProcessesAreUnique(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	seen := map[int64]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for p := range 2 {
		numbers, closeNumbers, err := postgres.NewOrderNumbers(db)
		if err != nil {
			t.Fatal(err)
		}
		defer closeNumbers()
		for range 4 {
			wg.Go(func() {
				last := int64(0)
				for range 130 { // more than a block per process
					seq, err := numbers.Next(ctx, day)
					if err != nil || seq <= last {
						t.Errorf("process %d: %d after %d, %v", p, seq, last, err)
						return
					}
					last = seq
					mu.Lock()
					seen[seq]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for seq, n := range seen {
		if n != 1 {
			t.Fatalf("number %d handed out %d times", seq, n)
		}
	}
	if len(seen) != 2*4*130 {
		t.Fatalf("%d distinct numbers, want %d", len(seen), 2*4*130)
	}
	numbers, closeNumbers, err := postgres.NewOrderNumbers(db)
	if err != nil {
		t.Fatal(err)
	}
	defer closeNumbers()
	if seq, err := numbers.Next(ctx, day.AddDate(0, 0, 1)); err != nil || seq != 1 {
		t.Fatalf("the next day's first number: %d, %v; want 1", seq, err)
	}
}
