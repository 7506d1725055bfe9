package wiring

import (
	"context"

	"github.com/google/wire"

	orderhttp "github.com/jupang/jupang/adapters/http/order"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/payment"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// OrderSet is the orders area: checkout, the customer's orders, fulfilment, and the card-payment
// and expiry jobs.
var OrderSet = wire.NewSet(OrderStorageSet, PaymentGateway, OrderService, NewOrderStorefrontRoutes, NewOrderAdminRoutes, NewOrderJobs)

// OrderStorageSet keeps orders on the injector's storage (always the primary).
var OrderStorageSet = wire.NewSet(OrderUnitOfWork, OrderNumbers, OrderCustomers)

// OrderUnitOfWork is the order stores' unit of work; stock, wallets and the outbox join it.
func OrderUnitOfWork(st Storage) uow.UnitOfWork[order.Stores] {
	return unitOfWork(st, memory.OrderStores, postgres.OrderStores)
}

// OrderNumbers hands out the daily order-number sequence, outside units of work.
func OrderNumbers(st Storage) (order.Numbers, func(), error) {
	if st.memory != nil {
		return memory.NewOrderNumbers(), func() {}, nil
	}
	return postgres.NewOrderNumbers(st.postgres)
}

// OrderCustomers reads customers' default addresses.
func OrderCustomers(st Storage) order.Customers {
	if st.memory != nil {
		return memory.NewCustomers(st.memory)
	}
	return postgres.NewCustomers(st.postgres)
}

// PaymentGateway is the mock card processor, its state in memory or in table mock_gateway_charges
// (shared by every process on the database), with orders.gateway_latency per call.
func PaymentGateway(st Storage, clock kernel.Clock, cfg config.Config) order.PaymentGateway {
	var charges payment.ChargeStore = payment.NewMemoryChargeStore()
	if st.postgres != nil {
		charges = postgres.NewMockGatewayCharges(st.postgres)
	}
	return payment.NewMockGateway(charges, clock, payment.MockConfig{Latency: cfg.Orders.GatewayLatency})
}

// OrderService is the orders use cases; prices come from the catalog's read model, and a user
// coupon's terms from the coupons area, as the cart's do.
func OrderService(tx uow.UnitOfWork[order.Stores], prices *catalog.Service, customers order.Customers,
	numbers order.Numbers, inv *inventory.Service, wallets *wallet.Service, gateway order.PaymentGateway, terms cart.Coupons,
	couponMetrics coupon.Metrics, clock kernel.Clock, cfg config.Config) *order.Service {
	return order.NewService(order.Deps{Tx: tx, Prices: prices, Terms: terms, CouponMetrics: couponMetrics, Customers: customers, Numbers: numbers,
		Inventory: inv, Wallet: wallets, Gateway: gateway, Clock: clock,
		Config: order.Config{PaymentTimeout: cfg.Orders.PaymentTimeout, RetryEvery: order.DefaultConfig.RetryEvery}})
}

// OrderStorefrontRoutes are the customer's order endpoints on the storefront.
type OrderStorefrontRoutes []server.Route

// NewOrderStorefrontRoutes builds them.
func NewOrderStorefrontRoutes(svc *order.Service) OrderStorefrontRoutes {
	return orderhttp.StorefrontRoutes(svc)
}

// OrderAdminRoutes are the fulfilment transitions on the admin binary.
type OrderAdminRoutes []server.Route

// NewOrderAdminRoutes builds them.
func NewOrderAdminRoutes(svc *order.Service) OrderAdminRoutes { return orderhttp.AdminRoutes(svc) }

// OrderJobs are the orders area's background jobs.
type OrderJobs []jobs.Job

// Job names of the orders area (leases are keyed by them).
const (
	CardPaymentsJobName = "orders.card-payments"
	OrderExpiryJobName  = "orders.expiry"
)

// orderJobBatch is how many payments or orders one run handles.
const orderJobBatch = 100

// NewOrderJobs sends card parts to the gateway after commit (reconciling lost answers and refunding
// approvals nobody wants), and cancels PENDING orders past their deadline.
func NewOrderJobs(svc *order.Service, cfg config.Config) OrderJobs {
	return OrderJobs{
		{Name: CardPaymentsJobName, Interval: cfg.Orders.CardPaymentsInterval, Run: func(ctx context.Context) error {
			_, err := svc.RunCardPayments(ctx, orderJobBatch)
			return err
		}},
		{Name: OrderExpiryJobName, Interval: cfg.Orders.ExpiryInterval, Run: func(ctx context.Context) error {
			_, err := svc.ExpirePending(ctx, orderJobBatch)
			return err
		}},
	}
}
