package catalog

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// ReadModel keeps, in the process, what shopper reads derive from the catalog: the category tree,
// brands, product aggregates, stock levels, one pricing per market (rates and active promotions,
// valid until the next window edge), and per product, market and language the rendered summary
// and detail ("cards"), each versioned by the pricing it was priced with. A list request then costs
// its one page query and a detail or top request none.
//
// Correctness:
//   - Changes: writes record what they changed in the change log inside their unit of work
//     (ChangeLog, StockChanges); the read model follows it through a ChangeFeed and drops what the
//     change reaches. Reads sync with the feed when the last sync is older than SyncEvery, and use
//     the cache only while the last successful sync is younger than MaxStale; otherwise they load
//     everything fresh, as without a read model. So a change committed on any instance is shown
//     by every instance within MaxStale (plus the replica's lag).
//   - Windows: a market's pricing is valid from the instant it was built until the next instant a
//     promotion of the market starts or ends or a rate takes effect (Reader.NextPriceChange); a
//     card priced with an earlier pricing is re-priced. A promotion therefore starts and ends
//     exactly at its window edges.
//   - Races: a load that started before a sync dropped something is not stored (generation check),
//     so a stale read can never outlive the change that made it stale.
type ReadModel struct {
	feed ChangeFeed
	cfg  ReadModelConfig

	syncMu   sync.Mutex
	syncedAt atomic.Int64 // time.Now().UnixNano() when the last successful sync started; 0: never
	shared   *cards
}

// ReadModelConfig tunes a read model.
type ReadModelConfig struct {
	// SyncEvery is how old the last sync may be before a read syncs again (0: every read, for
	// feeds as cheap as an atomic load).
	SyncEvery time.Duration
	// MaxStale bounds how old the last successful sync may be for a read to use the cache. It is
	// the promise "a change is visible everywhere within MaxStale".
	MaxStale time.Duration
}

// DefaultReadModelConfig syncs at most every 250 ms and never serves from a cache more than 1 s
// behind.
var DefaultReadModelConfig = ReadModelConfig{SyncEvery: 250 * time.Millisecond, MaxStale: time.Second}

// NewReadModel returns a read model that follows feed.
func NewReadModel(feed ChangeFeed, cfg ReadModelConfig) *ReadModel {
	return &ReadModel{feed: feed, cfg: cfg, shared: newCards()}
}

// cardsFor returns the shared cache when it is in sync with the feed, else a fresh one for this
// read alone (which loads everything, as reads did before the read model).
func (rm *ReadModel) cardsFor(ctx context.Context) *cards {
	if rm == nil {
		return newCards()
	}
	if rm.sync(ctx) {
		return rm.shared
	}
	return newCards()
}

// sync brings the shared cache up to date when its last sync is older than SyncEvery, and reports
// whether it may be used: the last successful sync is younger than MaxStale. One read syncs at a
// time; the others go on with the cache while it is young enough, else wait for that sync.
func (rm *ReadModel) sync(ctx context.Context) bool {
	age := func() time.Duration {
		at := rm.syncedAt.Load()
		if at == 0 {
			return time.Duration(1<<63 - 1)
		}
		return time.Duration(time.Now().UnixNano() - at)
	}
	if rm.cfg.SyncEvery > 0 && age() < rm.cfg.SyncEvery {
		return true
	}
	if !rm.syncMu.TryLock() {
		if age() < rm.cfg.MaxStale {
			return true
		}
		rm.syncMu.Lock()
	}
	defer rm.syncMu.Unlock()
	if rm.cfg.SyncEvery > 0 && age() < rm.cfg.SyncEvery { // synced while this read waited
		return true
	}
	start := time.Now().UnixNano()
	changes, reset, err := rm.feed.Next(ctx)
	if err != nil {
		return age() < rm.cfg.MaxStale
	}
	rm.shared.apply(changes, reset)
	rm.syncedAt.Store(start)
	return true
}

// Refresh syncs with the feed now; the catalog's write use cases call it after they commit, so an
// instance reads its own writes at once.
func (rm *ReadModel) Refresh(ctx context.Context) {
	if rm == nil {
		return
	}
	rm.syncMu.Lock()
	defer rm.syncMu.Unlock()
	start := time.Now().UnixNano()
	if changes, reset, err := rm.feed.Next(ctx); err == nil {
		rm.shared.apply(changes, reset)
		rm.syncedAt.Store(start)
	}
}

// cards is one cache: the shared one, or a per-read one when the shared one cannot be trusted.
type cards struct {
	mu       sync.RWMutex
	gen      uint64 // bumped by every change applied; loads that started before are not stored
	tree     *CategoryTree
	brands   map[string]Brand
	pricing  map[kernel.Market]*marketPricing
	products map[string]Product
	skuOwner map[string]string // SKU id → product id, of the cached products
	stock    map[string]stockEntry
	memos    map[cardKey]*card
	pages    pageCache
}

type stockEntry struct {
	level StockLevel
	known bool // the SKU has an inventory row
}

// marketPricing prices one market from the instant it was built until the next window edge.
type marketPricing struct {
	pricer Pricer
	epoch  uint64 // distinguishes the pricings built by one cache
	from   time.Time
	until  time.Time // zero: no edge is scheduled
}

func (p *marketPricing) validAt(t time.Time) bool {
	return p != nil && !t.Before(p.from) && (p.until.IsZero() || t.Before(p.until))
}

type cardKey struct {
	productID string
	market    kernel.Market
	locale    kernel.Locale
}

// card is what one product shows in one market and language, priced with pricing epoch.
type card struct {
	epoch   uint64
	visible bool
	summary ProductSummary
	detail  *ProductDetail // built on the first detail read
}

var epochs atomic.Uint64

func newCards() *cards {
	return &cards{brands: map[string]Brand{}, pricing: map[kernel.Market]*marketPricing{}, products: map[string]Product{},
		skuOwner: map[string]string{}, stock: map[string]stockEntry{}, memos: map[cardKey]*card{}}
}

// apply drops what the changes reach.
func (c *cards) apply(changes []Change, reset bool) {
	if !reset && len(changes) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.pages.clear() // a page shows listings and cards: any change may reach it
	if reset {
		c.tree, c.brands, c.pricing, c.memos = nil, map[string]Brand{}, map[kernel.Market]*marketPricing{}, map[cardKey]*card{}
		c.products, c.skuOwner, c.stock = map[string]Product{}, map[string]string{}, map[string]stockEntry{}
		return
	}
	for _, ch := range changes {
		switch ch.Kind {
		case ChangeProduct:
			c.dropProduct(ch.Ref)
		case ChangeStock:
			delete(c.stock, ch.Ref)
			if owner, ok := c.skuOwner[ch.Ref]; ok {
				c.dropCards(owner)
			}
		case ChangeListings: // only the pages, dropped above
		default: // ChangeCatalog, and kinds this version does not know
			c.tree, c.brands, c.pricing, c.memos = nil, map[string]Brand{}, map[kernel.Market]*marketPricing{}, map[cardKey]*card{}
		}
	}
}

func (c *cards) dropProduct(id string) {
	if p, ok := c.products[id]; ok {
		for _, s := range p.SKUs {
			delete(c.skuOwner, s.ID)
		}
		delete(c.products, id)
	}
	c.dropCards(id)
}

func (c *cards) dropCards(productID string) {
	for _, m := range kernel.Markets {
		for _, l := range kernel.Locales {
			delete(c.memos, cardKey{productID, m, l})
		}
	}
}

// loads is what a cache reads from on a miss.
type loads struct {
	read  Reader
	stock StockLevels
}

func (c *cards) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// storeIf runs fn under the write lock when no change was applied since generation gen.
func (c *cards) storeIf(gen uint64, fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		fn()
	}
}

func (c *cards) categoryTree(ctx context.Context, l loads) (CategoryTree, error) {
	c.mu.RLock()
	tree, gen := c.tree, c.gen
	c.mu.RUnlock()
	if tree != nil {
		return *tree, nil
	}
	cats, err := l.read.Categories(ctx)
	if err != nil {
		return CategoryTree{}, err
	}
	t := NewCategoryTree(cats)
	c.storeIf(gen, func() { c.tree = &t })
	return t, nil
}

// marketPricing returns the pricing of market m valid at now.
func (c *cards) marketPricing(ctx context.Context, l loads, m kernel.Market, now time.Time, tree CategoryTree) (*marketPricing, error) {
	c.mu.RLock()
	p, gen := c.pricing[m], c.gen
	c.mu.RUnlock()
	if p.validAt(now) {
		return p, nil
	}
	entries, err := l.read.CurrentRates(ctx, now)
	if err != nil {
		return nil, err
	}
	rates, err := CurrentRates(entries, now)
	if err != nil {
		return nil, err
	}
	promos, err := l.read.Promotions(ctx, m, now)
	if err != nil {
		return nil, err
	}
	pricer, err := NewPricer(m, rates, promos, tree, now)
	if err != nil {
		return nil, err
	}
	until, err := l.read.NextPriceChange(ctx, m, now)
	if err != nil {
		return nil, err
	}
	p = &marketPricing{pricer: pricer, epoch: epochs.Add(1), from: now, until: until}
	c.storeIf(gen, func() { c.pricing[m] = p })
	return p, nil
}

// productsByID returns the products with these ids that exist, loading the ones not cached.
func (c *cards) productsByID(ctx context.Context, l loads, ids []string) (map[string]Product, error) {
	out := make(map[string]Product, len(ids))
	var missing []string
	c.mu.RLock()
	gen := c.gen
	for _, id := range ids {
		if p, ok := c.products[id]; ok {
			out[id] = p
		} else if !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	c.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	loaded, err := l.read.Products(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, p := range loaded {
		out[p.ID] = p
	}
	c.storeIf(gen, func() {
		for _, p := range loaded {
			c.products[p.ID] = p
			for _, s := range p.SKUs {
				c.skuOwner[s.ID] = p.ID
			}
		}
	})
	return out, nil
}

// stockOf returns the stock of the products' SKUs (absent: no inventory row), loading what is not
// cached.
func (c *cards) stockOf(ctx context.Context, l loads, products []Product) (map[string]StockLevel, error) {
	out := map[string]StockLevel{}
	var missing []string
	c.mu.RLock()
	gen := c.gen
	for _, p := range products {
		for _, s := range p.SKUs {
			e, ok := c.stock[s.ID]
			switch {
			case !ok:
				missing = append(missing, s.ID)
			case e.known:
				out[s.ID] = e.level
			}
		}
	}
	c.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	loaded, err := l.stock.StockLevels(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, level := range loaded {
		out[id] = level
	}
	c.storeIf(gen, func() {
		for _, id := range missing {
			level, known := loaded[id]
			c.stock[id] = stockEntry{level: level, known: known}
		}
	})
	return out, nil
}

func (c *cards) brand(ctx context.Context, l loads, id string) (*Brand, error) {
	c.mu.RLock()
	b, ok := c.brands[id]
	gen := c.gen
	c.mu.RUnlock()
	if !ok {
		brands, err := l.read.Brands(ctx, []string{id})
		if err != nil {
			return nil, err
		}
		if len(brands) == 1 {
			b = brands[0]
		}
		c.storeIf(gen, func() { c.brands[id] = b })
	}
	if b.ID == "" {
		return nil, nil
	}
	return &b, nil
}

// summaries returns the cards of the products among ids that exist and are visible in v, in the
// order of ids, building the ones not cached or priced with an older pricing.
func (c *cards) summaries(ctx context.Context, l loads, v View, now time.Time, ids []string) ([]ProductSummary, error) {
	out := make([]ProductSummary, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	tree, err := c.categoryTree(ctx, l)
	if err != nil {
		return nil, err
	}
	pricing, err := c.marketPricing(ctx, l, v.Market, now, tree)
	if err != nil {
		return nil, err
	}
	found := make([]*card, len(ids))
	var missing []string
	c.mu.RLock()
	gen := c.gen
	for i, id := range ids {
		if cd := c.memos[cardKey{id, v.Market, v.Locale}]; cd != nil && cd.epoch == pricing.epoch {
			found[i] = cd
		} else {
			missing = append(missing, id)
		}
	}
	c.mu.RUnlock()
	if len(missing) > 0 {
		built, err := c.build(ctx, l, v, tree, pricing, missing, gen)
		if err != nil {
			return nil, err
		}
		for i, id := range ids {
			if found[i] == nil {
				found[i] = built[id]
			}
		}
	}
	for _, cd := range found {
		if cd != nil && cd.visible {
			out = append(out, cd.summary)
		}
	}
	return out, nil
}

// build prices and renders the cards of ids (those that exist) and stores them.
func (c *cards) build(ctx context.Context, l loads, v View, tree CategoryTree, pricing *marketPricing, ids []string, gen uint64) (map[string]*card, error) {
	byID, err := c.productsByID(ctx, l, ids)
	if err != nil {
		return nil, err
	}
	products := make([]Product, 0, len(byID))
	for _, p := range byID {
		products = append(products, p)
	}
	stock, err := c.stockOf(ctx, l, products)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*card, len(products))
	for _, p := range products {
		out[p.ID] = &card{epoch: pricing.epoch, visible: p.Visible(v.Market), summary: summarize(p, v.Locale, tree, pricing.pricer, stock)}
	}
	c.storeIf(gen, func() {
		for id, cd := range out {
			c.memos[cardKey{id, v.Market, v.Locale}] = cd
		}
	})
	return out, nil
}

// detail returns the product page of a visible product; ok is false when it does not exist or is
// not visible in v.
func (c *cards) detail(ctx context.Context, l loads, v View, now time.Time, id string) (ProductDetail, bool, error) {
	gen := c.generation()
	byID, err := c.productsByID(ctx, l, []string{id})
	if err != nil {
		return ProductDetail{}, false, err
	}
	p, ok := byID[id]
	if !ok || !p.Visible(v.Market) {
		return ProductDetail{}, false, nil
	}
	tree, err := c.categoryTree(ctx, l)
	if err != nil {
		return ProductDetail{}, false, err
	}
	pricing, err := c.marketPricing(ctx, l, v.Market, now, tree)
	if err != nil {
		return ProductDetail{}, false, err
	}
	key := cardKey{id, v.Market, v.Locale}
	c.mu.RLock()
	cd := c.memos[key]
	c.mu.RUnlock()
	if cd != nil && cd.epoch == pricing.epoch && cd.detail != nil {
		return *cd.detail, true, nil
	}
	stock, err := c.stockOf(ctx, l, []Product{p})
	if err != nil {
		return ProductDetail{}, false, err
	}
	var brand *Brand
	if p.BrandID != "" {
		if brand, err = c.brand(ctx, l, p.BrandID); err != nil {
			return ProductDetail{}, false, err
		}
	}
	d := productDetail(p, v.Locale, tree, pricing.pricer, stock, brand)
	c.storeIf(gen, func() {
		c.memos[key] = &card{epoch: pricing.epoch, visible: true, summary: d.ProductSummary, detail: &d}
	})
	return d, true, nil
}
