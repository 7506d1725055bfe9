package jupangtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/memory/jupangtest"
	"github.com/jupang/jupang/adapters/moneyfmt"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
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

	lines := []coupon.Line{{ProductID: kernel.NewID(), Amount: kernel.NewMoney(30000, kernel.KRW)}}
	terms, reasons, err := sys.Coupons.TermsFor(ctx, shopper, uc.ID, kernel.MarketKR, sys.Clock.Now())
	if err != nil {
		panic(err)
	}
	discount, _ := terms.Discount(lines)
	fmt.Println(len(reasons), moneyfmt.Format(discount, kernel.LocaleKO))
	// Output:
	// FLASH100 AVAILABLE 1
	// COUPON_ALREADY_CLAIMED
	// 0 ₩5,000
}
