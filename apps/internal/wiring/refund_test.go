package wiring

import (
	"context"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/refund"
)

// TestDevLogsTheNotificationOfACompletedRefund: issue 11 asks for a log adapter in dev behind the
// Notifier; prod stores the notification only.
func TestDevLogsTheNotificationOfACompletedRefund(t *testing.T) {
	for env, want := range map[string]int{"dev": 1, "prod": 0} {
		sys, err := jupangtest.Build(jupangtest.WithSeed())
		if err != nil {
			t.Fatal(err)
		}
		logCore, logs := observer.New(zap.InfoLevel)
		cfg := config.Config{Env: env}
		cfg.Refunds.AutoApproveMax = 50000
		refunds := RefundService(RefundUnitOfWork(Storage{memory: sys.Store}), sys.Inventory, sys.Wallet, sys.CatalogReader,
			sys.Clock, cfg, zap.New(logCore))
		ctx := context.Background()
		buyer, err := sys.Identity.UserByEmail(ctx, "customer@jupang.test")
		if err != nil {
			t.Fatal(err)
		}
		admin, err := sys.Identity.UserByEmail(ctx, "admin@jupang.test")
		if err != nil {
			t.Fatal(err)
		}
		as := func(key string) context.Context {
			return kernel.WithRequest(ctx, kernel.Request{Market: kernel.MarketKR, Locale: kernel.LocaleKO,
				Principal: kernel.Principal{ID: buyer.ID, Roles: []kernel.Role{kernel.RoleCustomer}}, IdempotencyKey: kernel.IdempotencyKey(key)})
		}
		page, err := sys.Catalog.ListProducts(ctx, catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleKO},
			catalog.ListRequest{Sort: catalog.SortPriceAsc, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		detail, err := sys.Catalog.ProductDetail(ctx, catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleKO}, page.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		o, err := sys.Orders.Place(as("o"), order.PlaceInput{Items: []order.ItemInput{{SKUID: detail.Options[0].SKUID, Quantity: 1}},
			Payment: order.PaymentInput{Method: order.MethodWallet}})
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range order.FulfilmentTargets {
			if _, err := sys.Orders.Fulfil(ctx, o.ID, to, admin.ID); err != nil {
				t.Fatal(err)
			}
		}
		r, err := refunds.Request(as("r"), refund.RequestInput{OrderID: o.ID, Reason: "broken"})
		if err != nil || r.Status != refund.Completed {
			t.Fatalf("%s: refund %s %v", env, r.Status, err)
		}
		lines := logs.FilterMessage("notification sent").FilterField(zap.String("userId", buyer.ID)).All()
		if len(lines) != want {
			t.Fatalf("%s: %d notification log lines, want %d", env, len(lines), want)
		}
	}
}
