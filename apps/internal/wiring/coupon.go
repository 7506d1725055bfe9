package wiring

import (
	"context"
	"time"

	"github.com/google/wire"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	couponhttp "github.com/jupang/jupang/adapters/http/coupon"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/jobs"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// CouponSet is the coupon area: definitions, flash-sale claims, user coupons and their history.
var CouponSet = wire.NewSet(CouponUnitOfWork, CouponMetrics, CouponService, NewCouponStorefrontRoutes, NewCouponAdminRoutes, NewCouponJobs)

// CouponUnitOfWork is the coupon stores' unit of work.
func CouponUnitOfWork(st Storage) uow.UnitOfWork[coupon.Stores] {
	return unitOfWork(st, memory.CouponStores, postgres.CouponStores)
}

// couponMetrics counts claims by result and user coupon transitions by state.
type couponMetrics struct {
	claims, transitions, shed *prometheus.CounterVec
}

func (m couponMetrics) Claim(result string) { m.claims.WithLabelValues(result).Inc() }
func (m couponMetrics) Transition(to coupon.UserStatus) {
	m.transitions.WithLabelValues(string(to)).Inc()
}

// CouponMetrics registers coupon_claims_total{result}, coupon_transitions_total{to} and
// coupon_claims_shed_total on the process registry.
func CouponMetrics(metrics *server.Metrics) (coupon.Metrics, error) {
	m := couponMetrics{
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coupon_claims_total",
			Help: "Coupon claims answered, by result."}, []string{"result"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coupon_transitions_total",
			Help: "User coupons that reached a state, by state."}, []string{"to"}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coupon_claims_shed_total",
			Help: "Coupon claims answered OVERLOADED by admission."}, nil),
	}
	for _, c := range []prometheus.Collector{m.claims, m.transitions, m.shed} {
		if err := metrics.Registry.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// CouponService is the coupon use cases; validation prices items through the catalog's reads.
func CouponService(tx uow.UnitOfWork[coupon.Stores], read catalog.Reader, clock kernel.Clock, m coupon.Metrics) *coupon.Service {
	return coupon.NewService(tx, coupon.NewCatalogPrices(read), clock, coupon.Options{Metrics: m})
}

// CouponStorefrontRoutes are the customer's coupon endpoints.
type CouponStorefrontRoutes []server.Route

// NewCouponStorefrontRoutes builds the claim, validation (against items or the current cart) and
// my-coupons routes with claim admission sized by the coupons.claim_* keys (as many running at once
// as the database pool holds), and, on PostgreSQL, the
// listener that clears this instance's sold-out latch when an admin on any instance reopens a coupon
// (stopped by the cleanup).
func NewCouponStorefrontRoutes(svc *coupon.Service, carts *cart.Service, st Storage, cfg config.Config, m coupon.Metrics, log *zap.Logger) (CouponStorefrontRoutes, func()) {
	admission := couponhttp.NewAdmission(couponhttp.AdmissionConfig{Max: int64(cfg.Coupons.ClaimMaxInFlight),
		Min: int64(cfg.Coupons.ClaimMinInFlight), Target: cfg.Coupons.ClaimLatencyTarget, Slots: int64(cfg.Database.MaxOpenConns)})
	if cm, ok := m.(couponMetrics); ok {
		admission.OnShed = func() { cm.shed.WithLabelValues().Inc() }
	}
	routes := CouponStorefrontRoutes(couponhttp.StorefrontRoutes(couponhttp.NewHandlers(svc, admission, &coupon.CartValidation{Coupons: svc, Carts: carts})))
	if st.postgres == nil {
		return routes, func() {}
	}
	l := postgres.NewListener(st.postgres, postgres.CouponChannel, svc.SoldOut().Clear, svc.SoldOut().ClearAll)
	l.OnError = func(err error) { log.Warn("coupons: LISTEN connection lost, reconnecting", zap.Error(err)) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	return routes, func() { cancel(); <-done }
}

// CouponAdminRoutes are the coupon administration endpoints.
type CouponAdminRoutes []server.Route

// NewCouponAdminRoutes builds the admin coupon routes.
func NewCouponAdminRoutes(svc *coupon.Service) CouponAdminRoutes {
	return CouponAdminRoutes(couponhttp.AdminRoutes(couponhttp.NewHandlers(svc, nil, nil)))
}

// CouponJobs are the coupon area's background jobs.
type CouponJobs []jobs.Job

// couponExpiryInterval is how often the expiry job looks for coupons past their expiry.
const couponExpiryInterval = time.Minute

// NewCouponJobs expires claimed coupons past their expiry (leased: one worker at a time).
func NewCouponJobs(svc *coupon.Service) CouponJobs {
	return CouponJobs{{Name: coupon.ExpiryJobName, Interval: couponExpiryInterval, Run: svc.ExpireDue}}
}
