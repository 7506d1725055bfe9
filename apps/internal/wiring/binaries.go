package wiring

import (
	"fmt"
	"reflect"

	"github.com/google/wire"

	"github.com/jupang/jupang/adapters/seed"
)

// Areas is every business area's provider set. Every injector includes it, and wire builds only
// what the route groups and jobs of its binary (the structs below) need, so an area listed here
// costs a binary nothing until one of those structs names it.
var Areas = wire.NewSet(IdentitySet, CatalogSet, CartSet, CouponSet, InventorySet, OrderSet, PartnerFeedSet, WalletSet, RefundSet)

// What each binary serves, one field per area, in registration order. wire fills each field from
// the area's providers; a binary takes its struct, never another binary's, so serving an area on a
// binary is one field here.
type (
	// StorefrontRoutes are the route groups of the storefront binary.
	StorefrontRoutes struct {
		Identity IdentityStorefrontRoutes
		Catalog  CatalogRoutes
		Cart     CartRoutes
		Coupon   CouponStorefrontRoutes
		Order    OrderStorefrontRoutes
		Wallet   WalletRoutes
		Refund   RefundStorefrontRoutes
	}
	// AdminRoutes are the route groups of the admin binary.
	AdminRoutes struct {
		Identity  IdentityAdminRoutes
		Catalog   CatalogRoutes
		Coupon    CouponAdminRoutes
		Inventory InventoryAdminRoutes
		Order     OrderAdminRoutes
		Partner   PartnerAdminRoutes
		Refund    RefundAdminRoutes
	}
	// PartnerRoutes are the route groups of the partner binary.
	PartnerRoutes struct {
		Identity IdentityPartnerRoutes
		Feed     PartnerFeedRoutes
	}
	// WorkerJobs are the background jobs of the worker.
	WorkerJobs struct {
		Idempotency IdempotencyJobs
		Identity    IdentityJobs
		Catalog     CatalogJobs
		Cart        CartJobs
		Coupon      CouponJobs
		Order       OrderJobs
		Partner     PartnerFeedJobs
		Inbox       InboxJobs
	}
)

// Each binary's set builds its server (or runner) from its struct. The all-in-one binary takes all
// four, plus SeedSet.
var (
	// StorefrontSet is the storefront server.
	StorefrontSet = wire.NewSet(wire.Struct(new(StorefrontRoutes), "*"), Storefront)
	// AdminSet is the admin server.
	AdminSet = wire.NewSet(wire.Struct(new(AdminRoutes), "*"), Admin)
	// PartnerSet is the partner server and its (m)TLS listener.
	PartnerSet = wire.NewSet(wire.Struct(new(PartnerRoutes), "*"), Partner, PartnerComponent)
	// WorkerSet is the job runner with its leases, the outbox relay, and the worker's health and metrics server.
	WorkerSet = wire.NewSet(wire.Struct(new(WorkerJobs), "*"), NewIdempotencyJobs, Leases, Runner, Worker, RelaySet)
	// SeedSet is the dev seed of every area (seed.Deps lists what it writes through).
	SeedSet = wire.NewSet(wire.Struct(new(seed.Deps), "*"), Seed)
)

// fieldsOf returns the fields of the struct groups in declaration order, each as a T: a binary's
// route groups or the worker's jobs. The structs above are the lists; google/wire has no
// multibinding to collect the areas' contributions into one slice, so this reads them back.
func fieldsOf[T any](groups any) ([]T, error) {
	v := reflect.ValueOf(groups)
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("wiring: %T is not a struct of groups", groups)
	}
	want := reflect.TypeFor[T]()
	out := make([]T, 0, v.NumField())
	for i := range v.NumField() {
		field := v.Type().Field(i)
		if !field.IsExported() || !field.Type.ConvertibleTo(want) {
			return nil, fmt.Errorf("wiring: %s.%s must be an exported %s", v.Type(), field.Name, want)
		}
		out = append(out, v.Field(i).Convert(want).Interface().(T))
	}
	return out, nil
}
