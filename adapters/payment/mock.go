// Package payment holds payment gateway adapters. MockGateway is a card processor for development,
// tests and load runs: test tokens decide the outcome (order.TokenApprove, TokenDecline,
// TokenTimeout, TokenLate), every call waits a configurable latency, and its state lives in a
// ChargeStore of its own (table mock_gateway_charges on PostgreSQL), so a worker's reconciliation
// sees the charges another process started.
package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

// ChargeRecord is one charge as the mock gateway keeps it.
type ChargeRecord struct {
	OrderID     string
	Reference   string
	Token       string
	Amount      int64
	Currency    string
	Status      order.ChargeStatus
	Brand       string
	Last4       string
	FailureCode string
	ApproveAt   *time.Time // a PROCESSING charge becomes APPROVED then
	RefundedAt  *time.Time
	CreatedAt   time.Time
}

// ChargeStore is the mock gateway's memory: one charge per order.
type ChargeStore interface {
	// Create stores r unless the order already has a charge, and returns the stored charge.
	Create(ctx context.Context, r ChargeRecord) (ChargeRecord, error)
	// Get returns the order's charge; ok is false if there is none.
	Get(ctx context.Context, orderID string) (rec ChargeRecord, ok bool, err error)
	// Save replaces the order's stored charge with r.
	Save(ctx context.Context, r ChargeRecord) error
	// Answered counts one answer to a Charge call for the order and returns the count.
	Answered(ctx context.Context, orderID string) (int, error)
}

// MockConfig tunes the mock gateway.
type MockConfig struct {
	Latency   time.Duration // every call waits this long first
	LateDelay time.Duration // how long a tok_late charge stays PROCESSING (default 20 min: past the payment deadline)
	LostAfter time.Duration // how long the lost first answer of tok_timeout hangs before failing (default 5 s, or the caller's deadline)
}

// MockGateway implements order.PaymentGateway with test tokens.
type MockGateway struct {
	store ChargeStore
	clock kernel.Clock
	cfg   MockConfig
}

var _ order.PaymentGateway = (*MockGateway)(nil)

// ErrLostAnswer is what a caller of Charge sees for tok_timeout's first answer.
var ErrLostAnswer = errors.New("mock gateway: no answer in time")

// NewMockGateway returns a mock gateway on store.
func NewMockGateway(store ChargeStore, clock kernel.Clock, cfg MockConfig) *MockGateway {
	if cfg.LateDelay <= 0 {
		cfg.LateDelay = 20 * time.Minute
	}
	if cfg.LostAfter <= 0 {
		cfg.LostAfter = 5 * time.Second
	}
	return &MockGateway{store: store, clock: clock, cfg: cfg}
}

// Charge implements order.PaymentGateway.
func (g *MockGateway) Charge(ctx context.Context, r order.ChargeRequest) (order.Charge, error) {
	if err := g.wait(ctx, g.cfg.Latency); err != nil {
		return order.Charge{}, err
	}
	now := g.clock.Now()
	rec := ChargeRecord{OrderID: r.OrderID, Reference: "mock_" + kernel.NewID(), Token: r.Token, Amount: r.Amount.Amount,
		Currency: r.Amount.Currency.Code, Brand: "VISA", Last4: "4242", CreatedAt: now}
	switch r.Token {
	case order.TokenApprove, order.TokenTimeout:
		rec.Status = order.ChargeApproved
	case order.TokenLate:
		at := now.Add(g.cfg.LateDelay)
		rec.Status, rec.ApproveAt = order.ChargeProcessing, &at
	case order.TokenDecline:
		rec.Status, rec.FailureCode = order.ChargeDeclined, "CARD_DECLINED"
	default:
		rec.Status, rec.FailureCode, rec.Brand, rec.Last4 = order.ChargeDeclined, "UNKNOWN_TOKEN", "", ""
	}
	if r.Amount.Amount <= 0 {
		return order.Charge{}, fmt.Errorf("mock gateway: amount %d is not positive", r.Amount.Amount)
	}
	stored, err := g.store.Create(ctx, rec)
	if err != nil {
		return order.Charge{}, err
	}
	answers, err := g.store.Answered(ctx, r.OrderID)
	if err != nil {
		return order.Charge{}, err
	}
	if stored.Token == order.TokenTimeout && answers == 1 {
		// The charge went through, but its answer never reaches the caller.
		_ = g.wait(ctx, g.cfg.LostAfter)
		return order.Charge{}, ErrLostAnswer
	}
	return g.settle(ctx, stored)
}

// Lookup implements order.PaymentGateway.
func (g *MockGateway) Lookup(ctx context.Context, orderID string) (order.Charge, error) {
	if err := g.wait(ctx, g.cfg.Latency); err != nil {
		return order.Charge{}, err
	}
	rec, ok, err := g.store.Get(ctx, orderID)
	if err != nil {
		return order.Charge{}, err
	}
	if !ok {
		return order.Charge{OrderID: orderID, Status: order.ChargeNotFound}, nil
	}
	return g.settle(ctx, rec)
}

// Refund implements order.PaymentGateway.
func (g *MockGateway) Refund(ctx context.Context, orderID string) (order.Charge, error) {
	if err := g.wait(ctx, g.cfg.Latency); err != nil {
		return order.Charge{}, err
	}
	rec, ok, err := g.store.Get(ctx, orderID)
	if err != nil {
		return order.Charge{}, err
	}
	if !ok {
		return order.Charge{}, fmt.Errorf("mock gateway: no charge for order %s", orderID)
	}
	c, err := g.settle(ctx, rec)
	if err != nil {
		return order.Charge{}, err
	}
	switch c.Status {
	case order.ChargeRefunded:
		return c, nil
	case order.ChargeApproved:
		now := g.clock.Now()
		rec, _, err = g.store.Get(ctx, orderID)
		if err != nil {
			return order.Charge{}, err
		}
		rec.Status, rec.RefundedAt = order.ChargeRefunded, &now
		if err := g.store.Save(ctx, rec); err != nil {
			return order.Charge{}, err
		}
		return toCharge(rec), nil
	}
	return order.Charge{}, fmt.Errorf("mock gateway: a %s charge cannot be refunded", c.Status)
}

// settle makes a PROCESSING charge whose time has come APPROVED.
func (g *MockGateway) settle(ctx context.Context, rec ChargeRecord) (order.Charge, error) {
	if rec.Status == order.ChargeProcessing && rec.ApproveAt != nil && !g.clock.Now().Before(*rec.ApproveAt) {
		rec.Status = order.ChargeApproved
		if err := g.store.Save(ctx, rec); err != nil {
			return order.Charge{}, err
		}
	}
	return toCharge(rec), nil
}

func toCharge(r ChargeRecord) order.Charge {
	c, _ := kernel.CurrencyOf(r.Currency)
	return order.Charge{OrderID: r.OrderID, Reference: r.Reference, Status: r.Status, Amount: kernel.NewMoney(r.Amount, c),
		Brand: r.Brand, Last4: r.Last4, FailureCode: r.FailureCode}
}

func (g *MockGateway) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("mock gateway: %w", ctx.Err())
	}
}
