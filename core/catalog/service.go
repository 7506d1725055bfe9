package catalog

import (
	"context"
	"slices"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// Service is the catalog's use cases: shopper reads, catalog maintenance, and the ranking job.
type Service struct {
	read  Reader
	stock StockLevels
	tx    uow.UnitOfWork[Stores]
	clock kernel.Clock
	cards *ReadModel // nil: every read loads what it shows
}

// NewService builds the catalog service. read and stock may be backed by a read replica; tx always
// works on the primary. Without WithReadModel every read loads everything it shows.
func NewService(read Reader, stock StockLevels, tx uow.UnitOfWork[Stores], clock kernel.Clock) *Service {
	return &Service{read: read, stock: stock, tx: tx, clock: clock}
}

// WithReadModel makes the shopper reads serve from rm (see ReadModel) and returns s.
func (s *Service) WithReadModel(rm *ReadModel) *Service {
	s.cards = rm
	return s
}

// write runs fn in a unit of work and then brings this instance's read model up to date, so the
// caller reads its own write at once.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, st Stores) error) error {
	if err := s.tx.Do(ctx, fn); err != nil {
		return err
	}
	s.cards.Refresh(ctx)
	return nil
}

func (s *Service) loads() loads { return loads{read: s.read, stock: s.stock} }

// View is who is looking: the market prices and availability are for, and the language of texts.
type View struct {
	Market kernel.Market
	Locale kernel.Locale
}

// ViewOf returns the view of a request.
func ViewOf(r kernel.Request) View { return View{Market: r.Market, Locale: r.Locale} }

// ProductSummary is a product in a list.
type ProductSummary struct {
	ID           string
	Name         string
	Category     CategoryRef
	Price        kernel.Money // sale price of the cheapest option
	ListPrice    kernel.Money // its price before promotions
	Availability Availability
	ThumbnailURL string
}

// Option is a SKU in a product detail.
type Option struct {
	SKUID        string
	Code         string
	Attributes   map[string]string
	Price        kernel.Money
	ListPrice    kernel.Money
	Availability Availability
}

// PromotionRef is an active promotion in a product detail.
type PromotionRef struct {
	ID     string
	Name   string
	EndsAt time.Time
}

// ProductDetail is everything the product page shows.
type ProductDetail struct {
	ProductSummary
	Description   string
	Brand         *Brand
	Images        []Image
	CategoryPath  []CategoryRef
	Options       []Option
	Promotions    []PromotionRef
	PurchaseLimit PurchaseLimit
}

// TopItem is a place in a top list.
type TopItem struct {
	Rank         int
	Product      ProductSummary
	SoldQuantity int64
	Revenue      kernel.Money
}

// TopList is a market's top products by one measure.
type TopList struct {
	Market     kernel.Market
	By         RankBy
	ComputedAt time.Time // zero when the ranking job has not run yet
	Items      []TopItem
}

// ListProducts returns one page of the market's visible products.
func (s *Service) ListProducts(ctx context.Context, v View, r ListRequest) (kernel.Page[ProductSummary], error) {
	return s.listProducts(ctx, s.cards.cardsFor(ctx), v, r, s.clock.Now())
}

// PageRenderer renders a page of the product list to the bytes of its response.
type PageRenderer func(kernel.Page[ProductSummary]) ([]byte, error)

// ListPage returns render(ListProducts(v, r)), from the read model's page cache when nothing the
// page shows has changed since it was rendered: the cache is dropped by every change the read
// model applies (so a change is visible as soon as it is for cards), and a page expires at the
// next window edge of its market's pricing (so promotions start and end exactly on time).
// render must depend on the page and on v's locale only.
func (s *Service) ListPage(ctx context.Context, v View, r ListRequest, render PageRenderer) ([]byte, error) {
	c := s.cards.cardsFor(ctx)
	now := s.clock.Now()
	if s.cards == nil || c != s.cards.shared { // no read model, or it is out of sync: nothing is stored
		page, err := s.listProducts(ctx, c, v, r, now)
		if err != nil {
			return nil, err
		}
		return render(page)
	}
	key := pageKey{market: v.Market, locale: v.Locale, sort: r.Sort, category: r.Category, q: r.Q, cursor: r.Cursor, limit: r.Limit}
	if body, ok := c.pages.get(key, now); ok {
		return body, nil
	}
	gen := c.generation()
	tree, err := c.categoryTree(ctx, s.loads())
	if err != nil {
		return nil, err
	}
	pricing, err := c.marketPricing(ctx, s.loads(), v.Market, now, tree)
	if err != nil {
		return nil, err
	}
	page, err := s.listProducts(ctx, c, v, r, now)
	if err != nil {
		return nil, err
	}
	body, err := render(page)
	if err != nil {
		return nil, err
	}
	c.storeIf(gen, func() { c.pages.put(key, pageEntry{body: body, from: pricing.from, to: pricing.until}) })
	return body, nil
}

func (s *Service) listProducts(ctx context.Context, c *cards, v View, r ListRequest, now time.Time) (kernel.Page[ProductSummary], error) {
	var page kernel.Page[ProductSummary]
	tree, err := c.categoryTree(ctx, s.loads())
	if err != nil {
		return page, err
	}
	q := ListingQuery{Market: v.Market, Locale: v.Locale, Q: r.Q, Sort: r.Sort, Limit: r.Limit + 1}
	categoryID := ""
	if r.Category != "" {
		cat, ok := tree.Find(r.Category)
		if !ok {
			return page, errs.ErrValidation.WithField("category", "UNKNOWN_CATEGORY", "no category has this id or slug")
		}
		categoryID = cat.ID
		q.CategoryIDs = tree.Subtree(cat.ID)
	}
	scope := cursorScope(v.Market, v.Locale, categoryID, r.Q)
	if q.After, err = decodeCursor(r.Cursor, r.Sort, scope); err != nil {
		return page, err
	}
	listings, err := s.read.Listings(ctx, q)
	if err != nil {
		return page, err
	}
	if len(listings) > r.Limit {
		listings = listings[:r.Limit]
		page.NextCursor = encodeCursor(r.Sort, scope, PositionOf(listings[len(listings)-1]))
	}
	ids := make([]string, len(listings))
	for i, l := range listings {
		ids[i] = l.ProductID
	}
	page.Items, err = c.summaries(ctx, s.loads(), v, now, ids)
	return page, err
}

// ProductDetail returns a visible product of the market; hidden, unlisted or unknown is
// ErrProductNotFound.
func (s *Service) ProductDetail(ctx context.Context, v View, id string) (ProductDetail, error) {
	if !kernel.IsID(id) {
		return ProductDetail{}, ErrProductNotFound
	}
	d, ok, err := s.cards.cardsFor(ctx).detail(ctx, s.loads(), v, s.clock.Now(), id)
	if err != nil {
		return ProductDetail{}, err
	}
	if !ok {
		return ProductDetail{}, ErrProductNotFound
	}
	return d, nil
}

// productDetail renders the product page of p; brand is nil when it has none.
func productDetail(p Product, l kernel.Locale, tree CategoryTree, pricer Pricer, stock map[string]StockLevel, brand *Brand) ProductDetail {
	d := ProductDetail{
		ProductSummary: summarize(p, l, tree, pricer, stock),
		Description:    p.Descriptions.In(l),
		Images:         slices.Clone(p.Images),
		CategoryPath:   tree.PathRefs(p.CategoryID, l),
		PurchaseLimit:  p.Limits,
		Brand:          brand,
	}
	for _, sku := range p.ActiveSKUs() {
		price := pricer.SKUPrice(p, sku)
		d.Options = append(d.Options, Option{SKUID: sku.ID, Code: sku.Code, Attributes: sku.Attributes,
			Price: price.Sale, ListPrice: price.List, Availability: stock[sku.ID].Availability()})
	}
	for _, promo := range pricer.Promotions(p) {
		d.Promotions = append(d.Promotions, PromotionRef{ID: promo.ID, Name: promo.Names.In(l), EndsAt: promo.EndsAt})
	}
	return d
}

// TopProducts returns the market's top products by a measure, from the list the ranking job stored
// last. Products hidden since are left out; at most TopSize items.
func (s *Service) TopProducts(ctx context.Context, v View, by RankBy) (TopList, error) {
	out := TopList{Market: v.Market, By: by, Items: []TopItem{}}
	rankings, err := s.read.Rankings(ctx, v.Market)
	if err != nil {
		return out, err
	}
	idx := slices.IndexFunc(rankings, func(r Ranking) bool { return r.By == by })
	if idx < 0 {
		return out, nil
	}
	ranking := rankings[idx]
	out.ComputedAt = ranking.ComputedAt
	ids := make([]string, len(ranking.Entries))
	for i, e := range ranking.Entries {
		ids[i] = e.ProductID
	}
	summaries, err := s.cards.cardsFor(ctx).summaries(ctx, s.loads(), v, s.clock.Now(), ids)
	if err != nil {
		return out, err
	}
	byID := make(map[string]ProductSummary, len(summaries))
	for _, sum := range summaries {
		byID[sum.ID] = sum
	}
	currency := v.Market.Currency()
	for _, e := range ranking.Entries {
		sum, ok := byID[e.ProductID]
		if !ok {
			continue
		}
		out.Items = append(out.Items, TopItem{Rank: len(out.Items) + 1, Product: sum, SoldQuantity: e.Quantity,
			Revenue: kernel.NewMoney(e.Revenue, currency)})
		if len(out.Items) == TopSize {
			break
		}
	}
	return out, nil
}

func summarize(p Product, l kernel.Locale, tree CategoryTree, pricer Pricer, stock map[string]StockLevel) ProductSummary {
	price := pricer.FromPrice(p)
	return ProductSummary{
		ID: p.ID, Name: p.Names.In(l), Category: tree.Ref(p.CategoryID, l),
		Price: price.Sale, ListPrice: price.List,
		Availability: ProductAvailability(p, stock), ThumbnailURL: p.Thumbnail(),
	}
}
