package wallet

import (
	"context"

	"github.com/jupang/jupang/core/integration"
)

// Ledger is the wallets and their ledger inside a unit of work.
type Ledger interface {
	// Open creates w (balance zero); a wallet that exists is left as it is and returned. A user that
	// does not exist is ErrWalletNotFound.
	Open(ctx context.Context, w Wallet) (Wallet, error)
	// Debit subtracts −e.Amount from the wallet in one statement that succeeds only while the
	// balance covers it, and appends e with the balance after it. A balance that does not cover it
	// is ErrInsufficientBalance, a user without a wallet ErrWalletNotFound; either way nothing changes.
	Debit(ctx context.Context, e Entry) (Entry, error)
	// Credit adds e.Amount to the wallet and appends e with the balance after it. A user without a
	// wallet is ErrWalletNotFound.
	//
	// Both refuse a second PAYMENT or PAYMENT_REVERSAL for one order and a second REFUND for one
	// refund with ErrDuplicateMovement (PostgreSQL: the partial unique indexes of wallet_ledger).
	Credit(ctx context.Context, e Entry) (Entry, error)
}

// Stores is what the wallet's operations get inside a unit of work. The order area carries one in
// its own Stores and hands it to Debit and Credit, so money moves in the order's transaction.
type Stores struct {
	Ledger Ledger
	Outbox integration.Outbox
}

// Reader is what the wallet's reads need, outside a unit of work.
type Reader interface {
	// Wallet returns a customer's wallet; none is ErrWalletNotFound.
	Wallet(ctx context.Context, userID string) (Wallet, error)
	// Entries returns at most q.Limit of q.UserID's entries, newest (largest id) first, with ids
	// below q.AfterID when set, of type q.Type when set.
	Entries(ctx context.Context, q EntryQuery) ([]Entry, error)
}
