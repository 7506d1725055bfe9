package jupangtest_test

import (
	"context"
	"fmt"

	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/refund"
)

// Example_checkoutAndRefund places a wallet order (POST /v1/orders), delivers it
// (POST /v1/admin/orders/{id}/transitions) and refunds one unit (POST /v1/wallet/refunds): the
// refund is small and recent, so it is approved at once and credits the wallet; the checker finds
// wallets, stock and orders in agreement afterwards.
func Example_checkoutAndRefund() {
	sys, err := jupangtest.Build(jupangtest.WithSeed())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	buyer, err := sys.Identity.UserByEmail(ctx, "customer@jupang.test")
	if err != nil {
		panic(err)
	}
	admin, err := sys.Identity.UserByEmail(ctx, "admin@jupang.test")
	if err != nil {
		panic(err)
	}
	as := func(key string) context.Context {
		return kernel.WithRequest(ctx, kernel.Request{Market: kernel.MarketKR, Locale: kernel.LocaleKO,
			Principal: kernel.Principal{ID: buyer.ID, Roles: []kernel.Role{kernel.RoleCustomer}}, IdempotencyKey: kernel.IdempotencyKey(key)})
	}
	kr := catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleKO}
	cheapest, err := sys.Catalog.ListProducts(ctx, kr, catalog.ListRequest{Sort: catalog.SortPriceAsc, Limit: 1})
	if err != nil {
		panic(err)
	}
	detail, err := sys.Catalog.ProductDetail(ctx, kr, cheapest.Items[0].ID)
	if err != nil {
		panic(err)
	}
	sku := detail.Options[0].SKUID
	o, err := sys.Orders.Place(as("checkout-1"), order.PlaceInput{Items: []order.ItemInput{{SKUID: sku, Quantity: 2}},
		Payment: order.PaymentInput{Method: order.MethodWallet}})
	if err != nil {
		panic(err)
	}
	fmt.Println(o.Status)
	for _, to := range []order.Status{order.Preparing, order.Shipped, order.Delivered} {
		if o, err = sys.Orders.Fulfil(ctx, o.ID, to, admin.ID); err != nil {
			panic(err)
		}
	}
	fmt.Println(o.Status)
	before, err := sys.Wallet.Balance(ctx, buyer.ID)
	if err != nil {
		panic(err)
	}
	r, err := sys.Refunds.Request(as("refund-1"), refund.RequestInput{OrderID: o.ID,
		Items: []refund.ItemInput{{OrderItemID: o.Lines[0].ID, Quantity: 1}}, Reason: "one arrived broken", Restock: true})
	if err != nil {
		panic(err)
	}
	after, err := sys.Wallet.Balance(ctx, buyer.ID)
	if err != nil {
		panic(err)
	}
	o, err = sys.Orders.Get(as(""), o.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Status, o.Status, after.Balance-before.Balance == r.AmountKRW)
	report, err := sys.Invariants.Check(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("invariants clean:", report.Clean())
	// Output:
	// PAID
	// DELIVERED
	// COMPLETED PARTIALLY_REFUNDED true
	// invariants clean: true
}
