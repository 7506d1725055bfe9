// Package messages is the one list of every area's error codes and their ko/en/ja texts, as the
// HTTP edge translates them. The binaries (apps/internal/wiring) and the handler-test kit
// (adapters/http/handlertest) both take it from here, so a new area adds its Codes once.
package messages

import (
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/partner"
	"github.com/jupang/jupang/core/refund"
	"github.com/jupang/jupang/core/wallet"
)

// Catalog is the platform's codes and every area's.
func Catalog() *i18n.Catalog {
	return i18n.New(
		identity.Codes(),
		catalog.Codes(),
		cart.Codes(),
		coupon.Codes(),
		inventory.Codes(),
		order.Codes(),
		partner.Codes(),
		wallet.Codes(),
		refund.Codes(),
	)
}
