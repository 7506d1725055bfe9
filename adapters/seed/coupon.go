package seed

import (
	"context"
	"errors"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/kernel"
)

// Coupon codes of the dev seed (SPEC §0).
const (
	WelcomeCode = "WELCOME10" // 10 % off, unlimited, one per customer
	FlashCode   = "FLASH100"  // ₩5,000 off, 100 in total, one per customer
)

// Coupons creates the dev seed's coupons, valid from a day ago for a year. A code that exists
// already is left as it is, so seeding twice changes nothing.
func Coupons(ctx context.Context, svc *coupon.Service, clock kernel.Clock) error {
	now := clock.Now().UTC().Truncate(time.Hour)
	hundred := 100
	for _, c := range []coupon.Coupon{
		{Code: WelcomeCode, Name: catalog.Localized{kernel.LocaleKO: "신규 가입 10% 할인", kernel.LocaleEN: "Welcome 10% off",
			kernel.LocaleJA: "新規登録10%オフ"}, Type: coupon.TypePercent, Value: 10, PerUserLimit: 1},
		{Code: FlashCode, Name: catalog.Localized{kernel.LocaleKO: "선착순 100명 5,000원 할인", kernel.LocaleEN: "First 100: ₩5,000 off",
			kernel.LocaleJA: "先着100名様 5,000ウォン引き"}, Type: coupon.TypeFixed, Value: 5000, TotalQuantity: &hundred, PerUserLimit: 1},
	} {
		c.ValidFrom, c.ValidUntil = now.Add(-24*time.Hour), now.AddDate(1, 0, 0)
		if _, err := svc.Create(ctx, "", c); err != nil && !errors.Is(err, coupon.ErrCodeTaken) {
			return err
		}
	}
	return nil
}
