package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jupang/jupang/adapters/payment"
	"github.com/jupang/jupang/core/order"
)

// MockGatewayCharges is the mock payment gateway's own table (mock_gateway_charges). Each call is a
// statement of its own on the pool, never part of a Jupang unit of work: it stands for another
// company's system.
type MockGatewayCharges struct{ db *DB }

// NewMockGatewayCharges returns the store on db.
func NewMockGatewayCharges(db *DB) *MockGatewayCharges { return &MockGatewayCharges{db: db} }

var _ payment.ChargeStore = (*MockGatewayCharges)(nil)

type chargeRow struct {
	OrderID     string       `db:"order_id"`
	Reference   string       `db:"reference"`
	Token       string       `db:"token"`
	Amount      int64        `db:"amount"`
	Currency    string       `db:"currency"`
	Status      string       `db:"status"`
	Brand       string       `db:"brand"`
	Last4       string       `db:"last4"`
	FailureCode string       `db:"failure_code"`
	ApproveAt   sql.NullTime `db:"approve_at"`
	RefundedAt  sql.NullTime `db:"refunded_at"`
	CreatedAt   time.Time    `db:"created_at"`
}

func (r chargeRow) record() payment.ChargeRecord {
	return payment.ChargeRecord{OrderID: r.OrderID, Reference: r.Reference, Token: r.Token, Amount: r.Amount,
		Currency: r.Currency, Status: order.ChargeStatus(r.Status), Brand: r.Brand, Last4: r.Last4,
		FailureCode: r.FailureCode, ApproveAt: orderTime(r.ApproveAt), RefundedAt: orderTime(r.RefundedAt), CreatedAt: r.CreatedAt}
}

func orderTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func orderNullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: *t, Valid: true}
}

const chargeColumns = `order_id, reference, token, amount, currency, status, brand, last4, failure_code, approve_at, refunded_at, created_at`

// Create implements payment.ChargeStore: insert, or read the order's existing charge.
func (s *MockGatewayCharges) Create(ctx context.Context, r payment.ChargeRecord) (payment.ChargeRecord, error) {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO mock_gateway_charges (order_id, reference, token, amount, currency, status, brand, last4, failure_code, approve_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (order_id) DO NOTHING`,
		r.OrderID, r.Reference, r.Token, r.Amount, r.Currency, string(r.Status), r.Brand, r.Last4, r.FailureCode,
		orderNullTime(r.ApproveAt), r.CreatedAt)
	if err != nil {
		return payment.ChargeRecord{}, err
	}
	got, _, err := s.Get(ctx, r.OrderID)
	return got, err
}

// Get implements payment.ChargeStore.
func (s *MockGatewayCharges) Get(ctx context.Context, orderID string) (payment.ChargeRecord, bool, error) {
	var row chargeRow
	err := s.db.GetContext(ctx, &row, `SELECT `+chargeColumns+` FROM mock_gateway_charges WHERE order_id = $1`, orderID)
	if errors.Is(err, sql.ErrNoRows) {
		return payment.ChargeRecord{}, false, nil
	}
	if err != nil {
		return payment.ChargeRecord{}, false, err
	}
	return row.record(), true, nil
}

// Save implements payment.ChargeStore.
func (s *MockGatewayCharges) Save(ctx context.Context, r payment.ChargeRecord) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE mock_gateway_charges SET status = $2, failure_code = $3, approve_at = $4, refunded_at = $5 WHERE order_id = $1`,
		r.OrderID, string(r.Status), r.FailureCode, orderNullTime(r.ApproveAt), orderNullTime(r.RefundedAt))
	return err
}

// Answered implements payment.ChargeStore in one statement, so concurrent calls count apart.
func (s *MockGatewayCharges) Answered(ctx context.Context, orderID string) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `UPDATE mock_gateway_charges SET answers = answers + 1 WHERE order_id = $1 RETURNING answers`, orderID)
	return n, err
}
