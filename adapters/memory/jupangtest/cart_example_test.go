package jupangtest_test

import (
	"context"
	"fmt"

	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/adapters/moneyfmt"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// cheapestOption returns the first option of the market's cheapest seeded product.
func cheapestOption(sys *jupangtest.System, m kernel.Market) string {
	v := catalog.View{Market: m, Locale: m.Locale()}
	page, err := sys.Catalog.ListProducts(context.Background(), v, catalog.ListRequest{Sort: catalog.SortPriceAsc, Limit: 1})
	if err != nil {
		panic(err)
	}
	d, err := sys.Catalog.ProductDetail(context.Background(), v, page.Items[0].ID)
	if err != nil {
		panic(err)
	}
	return d.Options[0].SKUID
}

// A guest puts three units of an option in the cart of its browser session and reads the cart in
// the US market, priced by the server in dollars with sales tax added, as
// PUT /v1/carts/current/items and GET /v1/carts/current answer with X-Session-Id and X-Market: US.
func Example_cartAddToCart() {
	sys, err := jupangtest.Build(jupangtest.WithSeed())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	guest := kernel.Request{Principal: kernel.Guest, Market: kernel.MarketUS, Locale: kernel.LocaleEN,
		SessionID: "browser-session-0001"}

	sku := cheapestOption(sys, kernel.MarketUS)
	if _, err := sys.Cart.SetItem(ctx, guest, sku, 3); err != nil {
		panic(err)
	}
	c, err := sys.Cart.Current(ctx, guest)
	if err != nil {
		panic(err)
	}
	it, t := c.Items[0], c.Totals
	money := func(m kernel.Money) string { return moneyfmt.Format(m, kernel.LocaleEN) }
	fmt.Println(it.Name, it.Quantity, "×", money(it.UnitPrice), "=", money(it.LineTotal), it.Availability)
	fmt.Println("shipping", money(t.ShippingFee), "tax", money(t.EstimatedTax), "total", money(t.Total))

	// More than the stock, or than the product's purchase limits, is refused with the amount.
	_, err = sys.Cart.SetItem(ctx, guest, sku, 999)
	fmt.Println(errs.As(err).Code, "available:", errs.As(err).Extra["available"])
	// Output:
	// Barley Tea Bags 3 × $5.18 = $15.54 IN_STOCK
	// shipping $5.99 tax $1.24 total $22.77
	// OUT_OF_STOCK available: 78
}

// At sign-in the storefront merges the guest's session cart into the customer's cart: quantities of
// one option add up, capped by stock and limits (each cap reported), and the guest cart is gone, as
// POST /v1/carts/merge answers. Merging again changes nothing.
func Example_cartMergeAtSignIn() {
	sys, err := jupangtest.Build(jupangtest.WithSeed())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	session := kernel.SessionID("browser-session-0002")
	guest := kernel.Request{Principal: kernel.Guest, Market: kernel.MarketKR, Locale: kernel.LocaleKO, SessionID: session}
	sku := cheapestOption(sys, kernel.MarketKR)
	if _, err := sys.Cart.SetItem(ctx, guest, sku, 2); err != nil {
		panic(err)
	}

	tokens, err := sys.Identity.PasswordGrant(ctx, kernel.AudienceStorefront, "customer@jupang.test", seed.DemoPassword)
	if err != nil {
		panic(err)
	}
	signedIn, err := sys.Authenticate(kernel.WithRequest(ctx, guest), kernel.AudienceStorefront, tokens.AccessToken)
	if err != nil {
		panic(err)
	}
	customer := kernel.RequestFrom(signedIn) // the same session, now with the customer's token
	if _, err := sys.Cart.SetItem(ctx, customer, sku, 1); err != nil {
		panic(err)
	}

	merged, err := sys.Cart.Merge(ctx, customer, string(session))
	if err != nil {
		panic(err)
	}
	fmt.Println("lines:", len(merged.Cart.Items), "quantity:", merged.Cart.Items[0].Quantity, "adjustments:", len(merged.Adjustments))
	fmt.Println("total:", moneyfmt.Format(merged.Cart.Totals.Total, kernel.LocaleKO))

	again, err := sys.Cart.Merge(ctx, customer, string(session))
	if err != nil {
		panic(err)
	}
	fmt.Println("again:", again.Cart.Items[0].Quantity, again.Adjustments)

	guestNow, _ := sys.Cart.Current(ctx, guest)
	fmt.Println("guest cart lines:", len(guestNow.Items), "status of the customer's:", merged.Cart.Status == cart.StatusActive)
	// Output:
	// lines: 1 quantity: 3 adjustments: 0
	// total: ₩20,700
	// again: 3 []
	// guest cart lines: 0 status of the customer's: true
}
