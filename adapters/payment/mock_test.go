package payment_test

import (
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/payment"
	"github.com/jupang/jupang/core/contracttest"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

func TestMockGatewayContractInMemory(t *testing.T) {
	contracttest.RunPaymentGateway(t, func(_ *testing.T, clock kernel.Clock, late time.Duration) order.PaymentGateway {
		return payment.NewMockGateway(payment.NewMemoryChargeStore(), clock, payment.MockConfig{LateDelay: late, LostAfter: time.Second})
	})
}
