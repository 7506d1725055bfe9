package wiring

import (
	"github.com/google/wire"

	"go.uber.org/zap"

	notificationhttp "github.com/jupang/jupang/adapters/http/notification"
	refundhttp "github.com/jupang/jupang/adapters/http/refund"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/notificationlog"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/notification"
	"github.com/jupang/jupang/core/refund"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// RefundSet is the refunds area: customers' refund requests, their review by staff, and the
// notifications a completed refund sends.
var RefundSet = wire.NewSet(RefundUnitOfWork, RefundService, NotificationService,
	NewRefundStorefrontRoutes, NewRefundAdminRoutes)

// RefundUnitOfWork is the refund stores' unit of work; the order, stock, wallet and outbox join it.
func RefundUnitOfWork(st Storage) uow.UnitOfWork[refund.Stores] {
	return unitOfWork(st, memory.RefundStores, postgres.RefundStores)
}

// RefundService is the refund workflow with the configured auto-approval limit; in dev it also
// logs each notification it sends once sent (stored notifications are the record everywhere).
func RefundService(tx uow.UnitOfWork[refund.Stores], inv *inventory.Service, w *wallet.Service, rates catalog.Reader,
	clock kernel.Clock, cfg config.Config, log *zap.Logger) *refund.Service {
	d := refund.Deps{Tx: tx, Inventory: inv, Wallet: w, Rates: rates, Clock: clock,
		Policy: refund.Policy{AutoApproveMax: cfg.Refunds.AutoApproveMax}}
	if cfg.Env == "dev" {
		d.Announcer = notificationlog.New(log)
	}
	return refund.NewService(d)
}

// NotificationService reads a customer's stored notifications (on the primary: a refund's
// notification is read right after it completes).
func NotificationService(st Storage) *notification.Service {
	if st.memory != nil {
		return notification.NewService(memory.NewNotificationReader(st.memory))
	}
	return notification.NewService(postgres.NewNotificationReader(st.postgres))
}

// RefundStorefrontRoutes are a customer's refunds and notifications.
type RefundStorefrontRoutes []server.Route

// NewRefundStorefrontRoutes builds the customer's refund and notification handlers.
func NewRefundStorefrontRoutes(svc *refund.Service, notes *notification.Service) RefundStorefrontRoutes {
	return append(refundhttp.StorefrontRoutes(svc), notificationhttp.Routes(notes)...)
}

// RefundAdminRoutes are staff's approve and reject.
type RefundAdminRoutes []server.Route

// NewRefundAdminRoutes builds the review handlers.
func NewRefundAdminRoutes(svc *refund.Service) RefundAdminRoutes { return refundhttp.AdminRoutes(svc) }
