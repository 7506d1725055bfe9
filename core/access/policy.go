// Package access is the RBAC table of SPEC §1 as data: one named Policy per row, saying which roles
// may call the endpoints it guards. Every HTTP route is registered with exactly one of these, so a
// test can sweep every route against the table.
package access

import "github.com/jupang/jupang/core/kernel"

// Policy names a row of the RBAC table and the roles it allows.
type Policy struct {
	Name  string
	Roles []kernel.Role
}

// Allows reports whether p may be used by principal.
func (p Policy) Allows(principal kernel.Principal) bool { return principal.HasAny(p.Roles...) }

// AllowsGuests reports whether the policy lets requests without a token through.
func (p Policy) AllowsGuests() bool {
	for _, r := range p.Roles {
		if r == kernel.RoleGuest {
			return true
		}
	}
	return false
}

const (
	guest     = kernel.RoleGuest
	customer  = kernel.RoleCustomer
	support   = kernel.RoleSupport
	inventory = kernel.RoleInventory
	marketing = kernel.RoleMarketing
	admin     = kernel.RoleAdmin
	external  = kernel.RoleExternal
)

// The RBAC table of SPEC §1, plus the platform rows every binary needs.
var (
	// Public: health, metrics, API docs, JWKS, and the token endpoint itself (which authenticates by
	// its own grant). Anyone, with or without a token.
	Public = Policy{"public", kernel.AllRoles}
	// Authenticated: any valid token of this binary's audience (GET /v1/me).
	Authenticated = Policy{"authenticated", []kernel.Role{customer, support, inventory, marketing, admin, external}}
	// SignUp: creating a customer account (guests; a signed-in customer may create another account too).
	SignUp              = Policy{"sign-up", []kernel.Role{guest, customer}}
	CatalogRead         = Policy{"catalog reads", []kernel.Role{guest, customer, support, inventory, marketing, admin}}
	Carts               = Policy{"carts", []kernel.Role{guest, customer}}
	CustomerOwnData     = Policy{"coupon claim/validate, my coupons, orders, wallet", []kernel.Role{customer}}
	AdminCoupons        = Policy{"/v1/admin/coupons*", []kernel.Role{marketing, admin}}
	AdminInventory      = Policy{"/v1/admin/inventory/*", []kernel.Role{inventory, admin}}
	SupportDesk         = Policy{"/v1/support/*", []kernel.Role{support, admin}}
	CoreMetrics         = Policy{"/v1/admin/metrics/core", []kernel.Role{support, inventory, marketing, admin}}
	AdminOnly           = Policy{"outbox admin, settings, alerts", []kernel.Role{admin}}
	PartnerIntegrations = Policy{"/v1/integrations/*", []kernel.Role{external}}
)

// RefundReview is approving or rejecting a refund in review (POST /v1/admin/refunds/{id}/approve|reject).
var RefundReview = Policy{"/v1/admin/refunds/*", []kernel.Role{admin}}

// Table lists every policy, for documentation and the RBAC sweep test.
var Table = []Policy{Public, Authenticated, SignUp, CatalogRead, Carts, CustomerOwnData, AdminCoupons,
	AdminInventory, SupportDesk, CoreMetrics, AdminOnly, PartnerIntegrations, RefundReview}
