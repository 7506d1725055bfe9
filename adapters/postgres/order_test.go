package postgres_test

import (
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
