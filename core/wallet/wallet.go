// Package wallet is each customer's KRW wallet: an append-only ledger whose entries carry the
// balance after them, so the balance always equals the sum of the entries and never goes below
// zero.
//
// A debit is one guarded statement (PostgreSQL: UPDATE wallets SET balance = balance − $a WHERE
// user_id = $u AND balance >= $a) plus its ledger row in the same unit of work; it never reads the
// balance first. The order area debits and credits from its own unit of work through Debit and
// Credit, which take the wallet Stores of the caller's unit of work:
//
//	entry, err := s.wallet.Debit(ctx, st.Wallet, wallet.Movement{UserID: customerID, Type: wallet.TypePayment,
//		Amount: krw, OrderID: orderID})
//	// INSUFFICIENT_BALANCE: nothing was debited
package wallet

import (
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// Currency is what every wallet holds: a US or JP order paid from it debits the KRW equivalent.
var Currency = kernel.KRW

// Topic is the Kafka topic of wallet events (key: user id).
const Topic = "jupang.wallet.v1"

// Event types of the wallet.
const (
	EventDebited  = "wallet.debited"
	EventCredited = "wallet.credited"
)

// SeedBalance is what each seeded customer holds (SPEC §0): ₩1,000,000.
const SeedBalance int64 = 1_000_000

// Wallet is a customer's balance in minor units of Currency.
type Wallet struct {
	UserID    string
	Balance   int64
	Currency  kernel.Currency
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Type is what a ledger entry records (column wallet_ledger.type).
type Type string

// The ledger entry types: DEPOSIT, PAYMENT_REVERSAL and REFUND are credits, PAYMENT a debit,
// ADJUSTMENT (staff) either.
const (
	TypeDeposit         Type = "DEPOSIT"
	TypePayment         Type = "PAYMENT"
	TypePaymentReversal Type = "PAYMENT_REVERSAL"
	TypeRefund          Type = "REFUND"
	TypeAdjustment      Type = "ADJUSTMENT"
)

// Types lists every Type, for validating filters.
var Types = []Type{TypeDeposit, TypePayment, TypePaymentReversal, TypeRefund, TypeAdjustment}

// Entry is one ledger row. Amount is signed: a credit is positive, a debit negative.
type Entry struct {
	ID           string // UUIDv7: id order is time order
	UserID       string
	Type         Type
	Amount       int64
	BalanceAfter int64
	Currency     kernel.Currency
	OrderID      string
	RefundID     string
	ActorID      string
	Note         string
	TraceID      string
	CreatedAt    time.Time
}

// Movement is a debit or credit to make: a positive Amount in minor units of Currency, with the
// facts its ledger row keeps.
type Movement struct {
	UserID   string
	Type     Type
	Amount   int64
	OrderID  string
	RefundID string
	ActorID  string
	Note     string
}

// entry is the ledger row m makes with sign (+1 credit, −1 debit); the store fills BalanceAfter.
func (m Movement) entry(sign int64, traceID string, at time.Time) Entry {
	return Entry{ID: kernel.NewID(), UserID: m.UserID, Type: m.Type, Amount: sign * m.Amount, Currency: Currency,
		OrderID: m.OrderID, RefundID: m.RefundID, ActorID: m.ActorID, Note: m.Note, TraceID: traceID, CreatedAt: at}
}

// EntryQuery selects one page of a wallet's entries, newest first.
type EntryQuery struct {
	UserID  string
	Type    Type   // "" for every type
	AfterID string // keyset: entries with a smaller id
	Limit   int
}
