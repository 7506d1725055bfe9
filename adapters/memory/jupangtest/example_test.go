package jupangtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/adapters/moneyfmt"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/wallet"
)

// A shopper signs up, signs in with the password grant, and reads their own account with the access
// token, as the storefront does for POST /v1/users, POST /v1/oauth/token and GET /v1/me.
func Example_identity() {
	sys, err := jupangtest.Build()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	_, err = sys.Identity.SignUp(ctx, identity.SignUpInput{Email: "Ada@Example.com", Password: "correct-horse-battery",
		Name: "Ada", Phone: "+82 10-1234-5678"})
	if err != nil {
		panic(err)
	}
	tokens, err := sys.Identity.PasswordGrant(ctx, kernel.AudienceStorefront, "ada@example.com", "correct-horse-battery")
	if err != nil {
		panic(err)
	}
	asAda, err := sys.Authenticate(ctx, kernel.AudienceStorefront, tokens.AccessToken)
	if err != nil {
		panic(err)
	}
	me, err := sys.Identity.Me(asAda)
	if err != nil {
		panic(err)
	}
	fmt.Println(me.Email, me.Name, me.Roles, tokens.ExpiresIn)

	// The clock is the test's: past its 15 minutes (and the 60 s of tolerated clock skew) the access
	// token is refused.
	sys.Clock.Advance(tokens.ExpiresIn + auth.Leeway + time.Second)
	_, err = sys.Authenticate(ctx, kernel.AudienceStorefront, tokens.AccessToken)
	fmt.Println("16 minutes later:", errs.As(err).Code)
	// Output:
	// Ada@Example.com Ada [Customer] 15m0s
	// 16 minutes later: UNAUTHENTICATED
}

// The seeded catalog, listed in the Japanese market: yen prices and Japanese names, cheapest first,
// as GET /v1/products?sort=price_asc with X-Market: JP answers.
func Example_catalog() {
	sys, err := jupangtest.Build(jupangtest.WithSeed())
	if err != nil {
		panic(err)
	}
	jp := catalog.View{Market: kernel.MarketJP, Locale: kernel.LocaleJA}
	page, err := sys.Catalog.ListProducts(context.Background(), jp, catalog.ListRequest{Sort: catalog.SortPriceAsc, Limit: 3})
	if err != nil {
		panic(err)
	}
	for _, p := range page.Items {
		fmt.Println(p.Name, moneyfmt.Format(p.Price, jp.Locale), p.Availability)
	}
	// Output:
	// 麦茶ティーバッグ ￥759 IN_STOCK
	// 弱酸性洗顔フォーム ￥1,320 IN_STOCK
	// コールドブリュー原液 ￥1,419 IN_STOCK
}

// Inventory staff count a SKU (a stock-take line), then an order reserves three units inside its
// unit of work; every change is an audit row, as GET /v1/admin/inventory/skus/{skuId} shows.
func Example_inventory() {
	sys, err := jupangtest.Build(jupangtest.WithSeed())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	staff, err := sys.Identity.UserByEmail(ctx, "inventory@jupang.test")
	if err != nil {
		panic(err)
	}
	levels, err := sys.Inventory.ListLevels(ctx, inventory.LevelFilter{Limit: 1})
	if err != nil {
		panic(err)
	}
	sku := levels.Items[0].SKUID
	counted := 10
	if _, err := sys.Inventory.Adjust(ctx, staff.ID, []inventory.AdjustmentLine{
		{SKUID: sku, SetOnHand: &counted, Reason: inventory.AdjustCorrection, Note: "stock-take"},
	}); err != nil {
		panic(err)
	}
	// The order area calls Reserve with the inventory stores of its own unit of work.
	err = sys.Inventory.Run(ctx, func(ctx context.Context, st inventory.Stores) error {
		_, err := sys.Inventory.Reserve(ctx, st, inventory.ForOrder(kernel.NewID(), ""), []inventory.Line{{SKUID: sku, Quantity: 3}})
		return err
	})
	if err != nil {
		panic(err)
	}
	d, err := sys.Inventory.SKU(ctx, sku)
	if err != nil {
		panic(err)
	}
	fmt.Println("on hand", d.Level.OnHand, "reserved", d.Level.Reserved, "available", d.Level.Available(), "version", d.Level.Version)
	// Newest first: the reservation and the stock-take, the seed's order history (each order
	// reserved, then sold, through inventory), the opening stock.
	for _, a := range d.Audits {
		if a.Reason == inventory.ReasonOpening {
			fmt.Println(a.Reason, "(the seed's stock)")
			continue
		}
		fmt.Printf("%s %s → on hand %d, reserved %d\n", a.Reason, a.AdjustmentReason, a.After.OnHand, a.After.Reserved)
	}
	_, err = sys.Inventory.Adjust(ctx, staff.ID, []inventory.AdjustmentLine{{SKUID: sku, SetOnHand: new(int), Reason: inventory.AdjustLost}})
	fmt.Println(errs.As(err).Code)
	// Output:
	// on hand 10 reserved 3 available 7 version 7
	// RESERVE  → on hand 10, reserved 3
	// ADJUSTMENT CORRECTION → on hand 10, reserved 0
	// SALE  → on hand 68, reserved 0
	// SALE  → on hand 70, reserved 0
	// SALE  → on hand 71, reserved 0
	// SALE  → on hand 73, reserved 0
	// OPENING (the seed's stock)
	// NEGATIVE_STOCK
}

// A seeded customer pays ₩30,000 of an order from their wallet (inside the order's unit of work, as
// POST /v1/orders does), then cannot overdraw it; GET /v1/wallet/transactions lists the entries.
func Example_wallet() {
	sys, err := jupangtest.Build(jupangtest.WithSeed())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	customer, err := sys.Identity.UserByEmail(ctx, "customer@jupang.test")
	if err != nil {
		panic(err)
	}
	pay := func(amount int64) (wallet.Entry, error) {
		var e wallet.Entry
		err := sys.Wallet.Run(ctx, func(ctx context.Context, st wallet.Stores) error {
			var err error
			e, err = sys.Wallet.Debit(ctx, st, wallet.Movement{UserID: customer.ID, Type: wallet.TypePayment, Amount: amount, OrderID: kernel.NewID()})
			return err
		})
		return e, err
	}
	e, err := pay(30_000)
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Type, e.Amount, "balance after", e.BalanceAfter)
	_, err = pay(2_000_000)
	fmt.Println(errs.As(err).Code, errs.As(err).Extra["balance"])
	page, err := sys.Wallet.Transactions(ctx, customer.ID, wallet.TransactionFilter{})
	if err != nil {
		panic(err)
	}
	for _, e := range page.Items {
		fmt.Println(e.Type, moneyfmt.Format(kernel.NewMoney(e.BalanceAfter, e.Currency), kernel.LocaleKO))
	}
	// Output:
	// PAYMENT -30000 balance after 970000
	// INSUFFICIENT_BALANCE 970000
	// PAYMENT ₩970,000
	// DEPOSIT ₩1,000,000
}

// Example_coupons claims the seed's flash-sale coupon and checks what it takes off an order.
func Example_coupons() {
	sys, err := jupangtest.Build(jupangtest.WithSeed())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	shopper := kernel.NewID()
	uc, err := sys.Coupons.Claim(ctx, shopper, "flash100") // codes are matched in any letter case
	if err != nil {
		panic(err)
	}
	fmt.Println(uc.Code, uc.Status, uc.ClaimNo)
	_, err = sys.Coupons.Claim(ctx, shopper, "FLASH100")
	fmt.Println(errs.As(err).Code)

	// Validation takes priced lines (or items, or the current cart) and the cart calculator's rule.
	lines := []cart.Line{{Key: "1", ProductID: kernel.NewID(), UnitPrice: 30000, Quantity: 1}}
	v, err := sys.Coupons.Validate(ctx, shopper, kernel.MarketKR, coupon.ValidateInput{UserCouponID: uc.ID, Lines: lines})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(v.Reasons), moneyfmt.Format(v.Discount, kernel.LocaleKO))
	// Output:
	// FLASH100 AVAILABLE 1
	// COUPON_ALREADY_CLAIMED
	// 0 ₩5,000
}
