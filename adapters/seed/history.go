package seed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/wallet"
)

// HistoryDays is how far back the seeded paid orders go.
const HistoryDays = 7

// HistoryCustomers are seed-only customers who own the order history, so that the demo customers
// start with no orders, their ₩1,000,000 and every purchase limit unused.
var HistoryCustomers = []string{"history1@jupang.test", "history2@jupang.test", "history3@jupang.test"}

// HistoryFunds is what each history customer's wallet receives (one DEPOSIT before the first
// order), far above what the history spends.
const HistoryFunds int64 = 1_000_000_000

// HistoryDeps are what the order history is placed through.
type HistoryDeps struct {
	Identity *identity.Service
	Orders   *order.Service
	Wallet   *wallet.Service
	Clock    kernel.Clock
}

// pastOrder is one order of the seeded history.
type pastOrder struct {
	market kernel.Market
	at     time.Time
	buyer  int // index into HistoryCustomers
	items  []order.ItemInput
}

// historyPlan draws seven days of orders before now in every market: a handful a day, one to
// three lines each, with a fixed seed so that some products sell much more than others, and
// within each product's per-order and per-customer limits, oldest first. What it sells does not
// depend on now.
func historyPlan(now time.Time) []pastOrder {
	rng := rand.New(rand.NewPCG(20261126, 7)) //nolint:gosec // reproducible demo data, not a secret
	bought := map[[2]int]int{}                // (buyer, product) → units, for per-customer limits
	var plan []pastOrder
	for mi, m := range kernel.Markets {
		var sellable []int // indexes into productDefs
		for i, def := range productDefs {
			if ms, ok := marketOverrides[def.slug]; !hiddenProducts[def.slug] && (!ok || slices.Contains(ms, m)) {
				sellable = append(sellable, i)
			}
		}
		// Each market has its own favourites: rotate the list so the head differs.
		offset := (mi * 17) % len(sellable)
		sellable = append(sellable[offset:], sellable[:offset]...)
		for day := range HistoryDays {
			for range 6 + rng.IntN(5) {
				o := pastOrder{market: m, buyer: rng.IntN(len(HistoryCustomers)),
					at: now.Add(-time.Duration(day)*24*time.Hour - time.Duration(1+rng.IntN(23*60))*time.Minute)}
				seen := map[int]bool{}
				for range 1 + rng.IntN(3) {
					pi := sellable[int(rng.ExpFloat64()*6)%len(sellable)]
					def := productDefs[pi]
					sku, q := rng.IntN(len(def.options.skus())), 1+rng.IntN(3)
					limit := limitOverrides[def.slug]
					if limit.PerOrder > 0 {
						q = min(q, limit.PerOrder)
					}
					if limit.PerCustomer > 0 {
						q = min(q, limit.PerCustomer-bought[[2]int{o.buyer, pi}])
					}
					if seen[pi] || q <= 0 {
						continue // one line per product, so its limits count it once
					}
					seen[pi] = true
					bought[[2]int{o.buyer, pi}] += q
					o.items = append(o.items, order.ItemInput{SKUID: skuID(def.slug, sku), Quantity: q})
				}
				if len(o.items) > 0 {
					plan = append(plan, o)
				}
			}
		}
	}
	// Placed in time order, each SKU's audit trail and each wallet's ledger read in order.
	slices.SortStableFunc(plan, func(a, b pastOrder) int { return a.at.Compare(b.at) })
	return plan
}

// historyStart is an hour before the first order of the history placed at now: when its
// customers' wallets and the seeded stock open.
func historyStart(now time.Time) time.Time { return now.Add(-(HistoryDays*24 + 1) * time.Hour) }

func skuID(productSlug string, i int) string {
	return seedID("sku", fmt.Sprintf("%s/%d", productSlug, i))
}

// HistorySold is how many units of each SKU the order history sells: the catalog seed opens that
// much more stock (CatalogDeps.Sold), so that the stock left after the history is the stock the
// catalog seed means to show (some low, some out).
func HistorySold() map[string]int {
	out := map[string]int{}
	for _, o := range historyPlan(time.Time{}) {
		for _, it := range o.items {
			out[it.SKUID] += it.Quantity
		}
	}
	return out
}

// historyAddresses are the history customers' shipping addresses per market.
var historyAddresses = map[kernel.Market]order.Address{
	kernel.MarketKR: {Recipient: "주팡 히스토리", Line1: "세종대로 110", City: "서울특별시", Region: "중구", PostalCode: "04524", Country: "KR"},
	kernel.MarketUS: {Recipient: "Jupang History", Line1: "1 Market St", City: "San Francisco", Region: "CA", PostalCode: "94103", Country: "US"},
	kernel.MarketJP: {Recipient: "ジュパン ヒストリー", Line1: "千代田1-1", City: "千代田区", Region: "東京都", PostalCode: "100-0001", Country: "JP"},
}

// History places the seeded order history through the orders service, each order with a clock
// set to its instant: reserved and sold through inventory (audit rows), paid from the history
// customer's wallet (ledger entries), with its timeline and its order.created and order.paid
// events, so a freshly seeded database passes the invariant checker. Orders older than three
// days are then fulfilled to DELIVERED by the seeded admin. Each order carries an idempotency
// key, so a second run places none twice. Seed Accounts and the catalog (with HistorySold) first.
func History(ctx context.Context, d HistoryDeps) error {
	now := d.Clock.Now()
	plan := historyPlan(now)
	buyers, err := historyCustomers(ctx, d, historyStart(now))
	if err != nil {
		return err
	}
	admin, err := d.Identity.UserByEmail(ctx, "admin@jupang.test")
	if err != nil {
		return fmt.Errorf("seed history: the admin who fulfils it: %w", err)
	}
	day := 24 * time.Hour
	for i, p := range plan {
		clock := kernel.NewFakeClock(p.at)
		svc := d.Orders.WithClock(clock)
		rctx := kernel.WithRequest(ctx, kernel.Request{
			Principal: kernel.Principal{ID: buyers[p.buyer], Roles: []kernel.Role{kernel.RoleCustomer}, Audience: kernel.AudienceStorefront},
			Market:    p.market, Locale: p.market.Locale(), IdempotencyKey: kernel.IdempotencyKey(fmt.Sprintf("seed-history-%03d", i))})
		address := historyAddresses[p.market]
		o, err := svc.Place(rctx, order.PlaceInput{Items: p.items, ShippingAddress: &address, Payment: order.PaymentInput{Method: order.MethodWallet}})
		if err != nil {
			return fmt.Errorf("seed history order %d (%s, %v): %w", i, p.market, p.at, err)
		}
		if o.Status != order.Paid || !p.at.Before(now.Add(-3*day)) {
			continue
		}
		for j, to := range []order.Status{order.Preparing, order.Shipped, order.Delivered} {
			clock.Set(p.at.Add(2*time.Hour + time.Duration(j)*day))
			if _, err := svc.Fulfil(rctx, o.ID, to, admin.ID); err != nil {
				return fmt.Errorf("seed history order %d to %s: %w", i, to, err)
			}
		}
	}
	return nil
}

// historyCustomers signs the history customers up (once) and funds each new wallet with
// HistoryFunds at start; it returns their ids.
func historyCustomers(ctx context.Context, d HistoryDeps, start time.Time) ([]string, error) {
	wallets := d.Wallet.WithClock(kernel.NewFakeClock(start))
	ids := make([]string, len(HistoryCustomers))
	for i, email := range HistoryCustomers {
		name := fmt.Sprintf("History Customer %d", i+1)
		_, err := d.Identity.SignUp(ctx, identity.SignUpInput{Email: email, Password: DemoPassword, Name: name,
			Phone: fmt.Sprintf("+82 10-0000-010%d", i+1)})
		if err != nil && !errors.Is(err, identity.ErrEmailTaken) {
			return nil, fmt.Errorf("seed %s: %w", email, err)
		}
		u, err := d.Identity.UserByEmail(ctx, email)
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", email, err)
		}
		ids[i] = u.ID
		w, err := wallets.Balance(ctx, u.ID)
		if err != nil {
			return nil, fmt.Errorf("seed wallet %s: %w", email, err)
		}
		if w.CreatedAt.IsZero() {
			if _, err := wallets.Deposit(ctx, u.ID, HistoryFunds, "dev seed: order history"); err != nil {
				return nil, fmt.Errorf("seed wallet %s: %w", email, err)
			}
		}
	}
	return ids, nil
}
