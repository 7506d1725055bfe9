package contracttest

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// CatalogHarness is what an adapter provides to the catalog suite. Each call must return adapters
// over fresh, empty catalog storage (the suite counts and pages whole lists).
type CatalogHarness struct {
	// Tx is the unit of work of the catalog's write use cases and jobs.
	Tx uow.UnitOfWork[catalog.Stores]
	// Reader serves shopper reads.
	Reader CatalogReads
	// StockTx and StockReader are inventory's unit of work and reader on the same storage:
	// inventory owns the stock the catalog shows.
	StockTx     uow.UnitOfWork[inventory.Stores]
	StockReader inventory.Reader
	// NewBuyer returns the id of a customer who may own orders (on PostgreSQL: an existing user).
	NewBuyer func(t *testing.T) string
	// NewFeed returns a new change feed over the storage, one per read model ("instance"). The
	// world's service reads through a read model following one, syncing at every read.
	NewFeed func() catalog.ChangeFeed
	// OrderTx, Numbers, WalletTx and WalletReader are the orders and wallet areas on the same
	// storage: the sales the ranking counts are orders placed through the orders service (Sell).
	// Only suites that sell need them.
	OrderTx      uow.UnitOfWork[order.Stores]
	Numbers      order.Numbers
	WalletTx     uow.UnitOfWork[wallet.Stores]
	WalletReader wallet.Reader
}

// CatalogReads are the reads the catalog service makes outside a unit of work.
type CatalogReads interface {
	catalog.Reader
}

// CatalogEpoch is the suite's "now"; fixtures are created relative to it.
var CatalogEpoch = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

// CatalogWorld is a small catalog on a harness: rates, a two-level category tree and a brand. Tests
// in this suite and in other packages (handlers, seed) build products on it.
type CatalogWorld struct {
	H                            CatalogHarness
	Svc                          *catalog.Service
	Stock                        *inventory.Service  // opens the fixtures' stock
	Levels                       catalog.StockLevels // what the catalog reads of it
	Clock                        *kernel.FakeClock
	Electronics, Laptops, Phones catalog.Category
	Kitchen                      catalog.Category
	Brand                        catalog.Brand
}

// NewCatalogWorld sets up rates (USD 0.00075, JPY 0.11), categories and a brand.
func NewCatalogWorld(t testing.TB, h CatalogHarness) *CatalogWorld {
	t.Helper()
	ctx := context.Background()
	w := &CatalogWorld{H: h, Clock: kernel.NewFakeClock(CatalogEpoch)}
	w.Stock = inventory.NewService(h.StockTx, h.StockReader, w.Clock)
	w.Levels = inventory.NewCatalogStock(h.StockReader)
	w.Svc = w.NewService(catalog.ReadModelConfig{MaxStale: time.Second})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := w.Svc.SetRate(ctx, kernel.USD, "0.00075", CatalogEpoch.Add(-48*time.Hour))
	must(err)
	_, err = w.Svc.SetRate(ctx, kernel.JPY, "0.11", CatalogEpoch.Add(-48*time.Hour))
	must(err)
	w.Electronics, err = w.Svc.CreateCategory(ctx, catalog.NewCategoryInput{Slug: "electronics", Names: names("전자제품", "Electronics", "家電")})
	must(err)
	w.Laptops, err = w.Svc.CreateCategory(ctx, catalog.NewCategoryInput{Slug: "laptops", ParentID: w.Electronics.ID, SortOrder: 1, Names: names("노트북", "Laptops", "ノートパソコン")})
	must(err)
	w.Phones, err = w.Svc.CreateCategory(ctx, catalog.NewCategoryInput{Slug: "phones", ParentID: w.Electronics.ID, SortOrder: 2, Names: names("휴대폰", "Phones", "スマートフォン")})
	must(err)
	w.Kitchen, err = w.Svc.CreateCategory(ctx, catalog.NewCategoryInput{Slug: "kitchen", SortOrder: 1, Names: names("주방", "Kitchen", "キッチン")})
	must(err)
	w.Brand, err = w.Svc.CreateBrand(ctx, catalog.Brand{Slug: "jupang-basics", Name: "Jupang Basics"})
	must(err)
	return w
}

// SetStock counts a SKU's stock as onHand: a stock-take line through inventory, which owns stock,
// by a member of staff (a user of the harness, or any id where the storage does not check users).
func (w *CatalogWorld) SetStock(t *testing.T, skuID string, onHand int) error {
	staff := kernel.NewID()
	if w.H.NewBuyer != nil {
		staff = w.H.NewBuyer(t)
	}
	_, err := w.Stock.Adjust(context.Background(), staff,
		[]inventory.AdjustmentLine{{SKUID: skuID, SetOnHand: &onHand, Reason: inventory.AdjustCorrection}})
	return err
}

// NewService returns another instance of the catalog service on the world's storage and clock,
// with a read model of its own tuned by cfg (none when the harness has no NewFeed).
func (w *CatalogWorld) NewService(cfg catalog.ReadModelConfig) *catalog.Service {
	svc := catalog.NewService(w.H.Reader, w.Levels, w.H.Tx, w.Clock)
	if w.H.NewFeed == nil {
		return svc
	}
	return svc.WithReadModel(catalog.NewReadModel(w.H.NewFeed(), cfg))
}

func names(ko, en, ja string) catalog.Localized {
	return catalog.Localized{kernel.LocaleKO: ko, kernel.LocaleEN: en, kernel.LocaleJA: ja}
}

// ProductSpec describes a fixture product: one SKU per stock entry, each SKU delta 1000 won above
// the previous one.
type ProductSpec struct {
	Name     string // English name; ko/ja names get a prefix
	Category catalog.Category
	Base     int64
	Stock    []int // on-hand per SKU; nil: one SKU with 100
	Markets  []kernel.Market
	Status   catalog.Status
	Mod      func(*catalog.Product)
}

// AddProduct saves a product built from spec, created at the clock's now, and opens its stock.
func (w *CatalogWorld) AddProduct(t testing.TB, spec ProductSpec) catalog.Product {
	t.Helper()
	ctx := context.Background()
	if spec.Stock == nil {
		spec.Stock = []int{100}
	}
	if spec.Markets == nil {
		spec.Markets = slices.Clone(kernel.Markets)
	}
	if spec.Status == "" {
		spec.Status = catalog.StatusActive
	}
	p := catalog.Product{
		CategoryID: spec.Category.ID, BrandID: w.Brand.ID, Status: spec.Status, BasePrice: spec.Base,
		Names: names("상품 "+spec.Name, spec.Name, "商品 "+spec.Name), Descriptions: names("설명", "About "+spec.Name, "説明"),
		Images:  []catalog.Image{{URL: "https://img.jupang.test/" + kernel.NewID() + ".jpg", Alt: spec.Name}},
		Markets: spec.Markets, CreatedAt: w.Clock.Now(),
	}
	for i := range spec.Stock {
		p.SKUs = append(p.SKUs, catalog.SKU{Code: "T-" + kernel.NewID(), Attributes: map[string]string{"size": fmt.Sprint(i)},
			PriceDelta: int64(i) * 1000, Active: true})
	}
	if spec.Mod != nil {
		spec.Mod(&p)
	}
	saved, err := w.Svc.SaveProduct(ctx, p)
	if err != nil {
		t.Fatalf("save product %s: %v", spec.Name, err)
	}
	for i, n := range spec.Stock {
		if _, err := w.Stock.Open(ctx, "", saved.SKUs[i].ID, n, nil); err != nil {
			t.Fatal(err)
		}
	}
	return saved
}

// saleFunds is what Sell deposits before each order, far above any fixture order.
const saleFunds = 100_000_000

// SaleAddresses are valid shipping addresses per market, for orders placed by fixtures.
var SaleAddresses = map[kernel.Market]order.Address{
	kernel.MarketKR: {Recipient: "김지수", Line1: "테헤란로 1", City: "서울", PostalCode: "06236", Country: "KR"},
	kernel.MarketUS: {Recipient: "Jane Doe", Line1: "1 Market St", City: "San Francisco", Region: "CA", PostalCode: "94103", Country: "US"},
	kernel.MarketJP: {Recipient: "山田花子", Line1: "千代田1-1", City: "千代田区", Region: "東京都", PostalCode: "100-0001", Country: "JP"},
}

// Sell places buyer's order of items in market m at instant at through the orders service (a
// clock set to at), paid from the wallet, which it funds first: a PAID order with its stock sold,
// its ledger entries and its events, as the ranking will count it.
func (w *CatalogWorld) Sell(t testing.TB, buyer string, m kernel.Market, at time.Time, items ...order.ItemInput) order.Order {
	t.Helper()
	if w.H.OrderTx == nil || w.H.Numbers == nil || w.H.WalletTx == nil {
		t.Fatal("Sell: the harness has no orders area (OrderTx, Numbers, WalletTx, WalletReader)")
	}
	clock := kernel.NewFakeClock(at)
	wallets := wallet.NewService(w.H.WalletTx, w.H.WalletReader, clock)
	ctx := kernel.WithRequest(context.Background(), CustomerRequest(buyer, m))
	if _, err := wallets.Deposit(ctx, buyer, saleFunds, "fixture sales"); err != nil {
		t.Fatal(err)
	}
	svc := order.NewService(order.Deps{Tx: w.H.OrderTx, Prices: w.Svc, Numbers: w.H.Numbers,
		Inventory: w.Stock.WithClock(clock), Wallet: wallets, Clock: clock})
	address := SaleAddresses[m]
	o, err := svc.Place(ctx, order.PlaceInput{Items: items, ShippingAddress: &address, Payment: order.PaymentInput{Method: order.MethodWallet}})
	if err != nil {
		t.Fatalf("sell %v in %s at %v: %v", items, m, at, err)
	}
	return o
}

// RunCatalog checks the catalog ports and use cases on an adapter.
func RunCatalog(t *testing.T, newHarness func(t *testing.T) CatalogHarness) {
	ctx := context.Background()
	world := func(t *testing.T) *CatalogWorld { return NewCatalogWorld(t, newHarness(t)) }
	t.Run("read model", func(t *testing.T) { runCatalogReadModel(t, world) })
	t.Run("page cache", func(t *testing.T) { runCatalogPageCache(t, world) })

	t.Run("a product round-trips with texts, images, SKUs, explicit prices and markets", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Round Trip", Category: w.Laptops, Base: 12900, Stock: []int{3, 0},
			Markets: []kernel.Market{kernel.MarketKR, kernel.MarketUS}, Mod: func(p *catalog.Product) {
				p.Limits = catalog.PurchaseLimit{PerOrder: 2, PerCustomer: 5}
				p.Images = append(p.Images, catalog.Image{URL: "https://img.jupang.test/second.jpg", Alt: "second"})
				p.SKUs[0].MarketPrices = map[kernel.Market]kernel.Money{kernel.MarketUS: kernel.NewMoney(999, kernel.USD)}
				p.SKUs[1].Attributes = map[string]string{"color": "red", "size": "M"}
				p.SKUs[1].Active = false
			}})
		got := loadProduct(t, w.H.Reader, p.ID)
		if !got.CreatedAt.Equal(p.CreatedAt) || !got.UpdatedAt.Equal(p.UpdatedAt) {
			t.Errorf("times = %v/%v, want %v/%v", got.CreatedAt, got.UpdatedAt, p.CreatedAt, p.UpdatedAt)
		}
		got.CreatedAt, got.UpdatedAt, p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, p)
		}
		stock, err := w.Levels.StockLevels(ctx, []string{p.SKUs[0].ID, p.SKUs[1].ID, kernel.NewID()})
		if err != nil {
			t.Fatal(err)
		}
		if len(stock) != 2 || stock[p.SKUs[0].ID].OnHand != 3 || stock[p.SKUs[1].ID].OnHand != 0 {
			t.Errorf("stock = %+v", stock)
		}
		// Updating keeps created_at and the options, and may change the markets.
		p2 := p
		p2.Markets = []kernel.Market{kernel.MarketJP}
		p2.Names = names("새 이름", "New name", "新しい名前")
		if _, err := w.Svc.SaveProduct(ctx, p2); err != nil {
			t.Fatal(err)
		}
		got = loadProduct(t, w.H.Reader, p.ID)
		if !slices.Equal(got.Markets, []kernel.Market{kernel.MarketJP}) || got.Names.In(kernel.LocaleEN) != "New name" || len(got.SKUs) != 2 {
			t.Errorf("after update: %+v", got)
		}
	})

	t.Run("slugs and SKU codes are unique; a refused write changes nothing", func(t *testing.T) {
		w := world(t)
		_, err := w.Svc.CreateCategory(ctx, catalog.NewCategoryInput{Slug: "laptops", Names: names("a", "b", "c")})
		if !errors.Is(err, catalog.ErrSlugTaken) {
			t.Fatalf("duplicate category slug: %v", err)
		}
		if _, err := w.Svc.CreateBrand(ctx, catalog.Brand{Slug: "jupang-basics", Name: "Again"}); !errors.Is(err, catalog.ErrSlugTaken) {
			t.Fatalf("duplicate brand slug: %v", err)
		}
		first := w.AddProduct(t, ProductSpec{Name: "First", Category: w.Kitchen, Base: 1000})
		dup := catalog.Product{CategoryID: w.Kitchen.ID, Status: catalog.StatusActive, BasePrice: 1, Names: names("x", "x", "x"),
			Markets: []kernel.Market{kernel.MarketKR}, SKUs: []catalog.SKU{{Code: first.SKUs[0].Code, Active: true}}}
		if _, err := w.Svc.SaveProduct(ctx, dup); !errors.Is(err, catalog.ErrSKUCodeTaken) {
			t.Fatalf("duplicate SKU code: %v", err)
		}
		cats, err := w.H.Reader.Categories(ctx)
		if err != nil || len(cats) != 4 {
			t.Fatalf("categories = %d, %v", len(cats), err)
		}
		page, err := w.H.Reader.Listings(ctx, catalog.ListingQuery{Market: kernel.MarketKR, Sort: catalog.SortNewest, Limit: 100})
		if err != nil || len(page) != 1 {
			t.Fatalf("listings after refused product = %d, %v", len(page), err)
		}
	})

	t.Run("a SKU code twice in one product, or another product's SKU id, is refused", func(t *testing.T) {
		w := world(t)
		first := w.AddProduct(t, ProductSpec{Name: "First", Category: w.Kitchen, Base: 1000})
		twice := catalog.Product{CategoryID: w.Kitchen.ID, Status: catalog.StatusActive, BasePrice: 1, Names: names("x", "x", "x"),
			Markets: []kernel.Market{kernel.MarketKR}, SKUs: []catalog.SKU{
				{Code: "TWICE-1", Attributes: map[string]string{"size": "S"}, Active: true},
				{Code: "TWICE-1", Attributes: map[string]string{"size": "M"}, Active: true}}}
		if _, err := w.Svc.SaveProduct(ctx, twice); !errors.Is(err, catalog.ErrSKUCodeTaken) {
			t.Fatalf("one code on two SKUs of a product: %v", err)
		}
		stolen := catalog.Product{CategoryID: w.Kitchen.ID, Status: catalog.StatusActive, BasePrice: 1, Names: names("y", "y", "y"),
			Markets: []kernel.Market{kernel.MarketKR}, SKUs: []catalog.SKU{{ID: first.SKUs[0].ID, Code: "STOLEN-1", Active: true}}}
		var fe *errs.Error
		if _, err := w.Svc.SaveProduct(ctx, stolen); !errors.As(err, &fe) || len(fe.Fields) != 1 || fe.Fields[0].Code != "SKU_OF_ANOTHER_PRODUCT" {
			t.Fatalf("another product's SKU id: %v", err)
		}
		got := loadProduct(t, w.H.Reader, first.ID)
		if len(got.SKUs) != 1 || got.SKUs[0].Code != first.SKUs[0].Code {
			t.Errorf("the first product changed: %+v", got.SKUs)
		}
		page, err := w.H.Reader.Listings(ctx, catalog.ListingQuery{Market: kernel.MarketKR, Sort: catalog.SortNewest, Limit: 100})
		if err != nil || len(page) != 1 {
			t.Fatalf("listings after refused products = %d, %v", len(page), err)
		}
	})

	t.Run("a SKU code given up by a re-save is free for another SKU; swapping two codes is refused", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Renamed", Category: w.Kitchen, Base: 1000, Stock: []int{1, 1}})
		oldCode, otherCode := p.SKUs[0].Code, p.SKUs[1].Code
		p.SKUs[0].Code = "RENAMED-" + kernel.NewID()[:8]
		if _, err := w.Svc.SaveProduct(ctx, p); err != nil {
			t.Fatalf("re-save with a new code: %v", err)
		}
		taker := catalog.Product{CategoryID: w.Kitchen.ID, Status: catalog.StatusActive, BasePrice: 1, Names: names("x", "x", "x"),
			Markets: []kernel.Market{kernel.MarketKR}, SKUs: []catalog.SKU{{Code: oldCode, Active: true}}}
		if _, err := w.Svc.SaveProduct(ctx, taker); err != nil {
			t.Fatalf("taking the code a re-save gave up: %v", err)
		}
		thief := taker
		thief.SKUs = []catalog.SKU{{Code: p.SKUs[0].Code, Active: true}}
		if _, err := w.Svc.SaveProduct(ctx, thief); !errors.Is(err, catalog.ErrSKUCodeTaken) {
			t.Fatalf("taking the new code: %v", err)
		}
		// The upserts run one SKU after the other, so the first one's new code is still the second's.
		swap := p
		swap.SKUs = slices.Clone(p.SKUs)
		swap.SKUs[0].Code, swap.SKUs[1].Code = otherCode, p.SKUs[0].Code
		if _, err := w.Svc.SaveProduct(ctx, swap); !errors.Is(err, catalog.ErrSKUCodeTaken) {
			t.Fatalf("swapping two codes: %v", err)
		}
		if got := loadProduct(t, w.H.Reader, p.ID); got.SKUs[0].Code != p.SKUs[0].Code || got.SKUs[1].Code != otherCode {
			t.Fatalf("after the refused swap: %+v", got.SKUs)
		}
	})

	t.Run("a failing unit of work leaves no product, listing or stock behind", func(t *testing.T) {
		w := world(t)
		boom := errors.New("boom")
		p := catalog.Product{ID: kernel.NewID(), CategoryID: w.Kitchen.ID, Status: catalog.StatusActive, Names: names("a", "b", "c"),
			SKUs: []catalog.SKU{{ID: kernel.NewID(), Code: "RB-1", Active: true}}}
		err := w.H.Tx.Do(ctx, func(ctx context.Context, st catalog.Stores) error {
			if err := st.Catalog.SaveProduct(ctx, p); err != nil {
				return err
			}
			if _, err := st.Catalog.SaveListings(ctx, p.ID, []catalog.Listing{{Market: kernel.MarketKR, ProductID: p.ID, CategoryID: p.CategoryID,
				Status: p.Status, CreatedAt: p.CreatedAt}}); err != nil {
				return err
			}
			// Inventory's unit of work joins the catalog's: its stock goes with the product.
			if _, err := w.Stock.Open(ctx, "", p.SKUs[0].ID, 5, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do = %v", err)
		}
		got, err := w.H.Reader.Products(ctx, []string{p.ID})
		if err != nil || len(got) != 0 {
			t.Fatalf("products after rollback = %v, %v", got, err)
		}
		stock, err := w.Levels.StockLevels(ctx, []string{p.SKUs[0].ID})
		if err != nil || len(stock) != 0 {
			t.Fatalf("stock after rollback = %v, %v", stock, err)
		}
	})

	t.Run("listings page in every sort without gaps or repeats, ties broken by id", func(t *testing.T) {
		w := world(t)
		var all []catalog.Product
		for i := range 23 {
			if i%3 == 0 { // every third product shares its creation instant with the next one
				w.Clock.Advance(time.Minute)
			}
			all = append(all, w.AddProduct(t, ProductSpec{Name: fmt.Sprint("P", i), Category: w.Laptops, Base: int64(1000 * (i % 5))}))
		}
		scores := map[string]int64{}
		for i, p := range all {
			scores[p.ID] = int64(i % 4)
		}
		setPopularity(t, w.H, kernel.MarketKR, scores)
		for _, s := range catalog.Sorts {
			t.Run(string(s), func(t *testing.T) {
				want, err := w.H.Reader.Listings(ctx, catalog.ListingQuery{Market: kernel.MarketKR, Sort: s, Limit: 100})
				if err != nil || len(want) != len(all) {
					t.Fatalf("full list = %d, %v", len(want), err)
				}
				for i := 1; i < len(want); i++ {
					if s.Compare(want[i-1], want[i]) >= 0 {
						t.Fatalf("%s: %+v before %+v", s, want[i-1], want[i])
					}
				}
				checkSortKey(t, s, want, scores)
				var got []catalog.Listing
				var after *catalog.Position
				for range 20 {
					page, err := w.H.Reader.Listings(ctx, catalog.ListingQuery{Market: kernel.MarketKR, Sort: s, After: after, Limit: 4})
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, page...)
					if len(page) < 4 {
						break
					}
					pos := catalog.PositionOf(page[len(page)-1])
					after = &pos
				}
				if !slices.EqualFunc(got, want, func(a, b catalog.Listing) bool { return a.ProductID == b.ProductID }) {
					t.Fatalf("paged order differs from the full order")
				}
			})
		}
	})

	t.Run("listings filter by market, status, category subtree and name in the request language", func(t *testing.T) {
		w := world(t)
		laptop := w.AddProduct(t, ProductSpec{Name: "Laptop Pro", Category: w.Laptops, Base: 1_500_000, Mod: func(p *catalog.Product) {
			p.Names = names("노트북 프로", "Laptop Pro", "ノートパソコン プロ")
		}})
		phone := w.AddProduct(t, ProductSpec{Name: "Phone", Category: w.Phones, Base: 900_000})
		pan := w.AddProduct(t, ProductSpec{Name: "Frying pan", Category: w.Kitchen, Base: 30_000, Markets: []kernel.Market{kernel.MarketKR}})
		w.AddProduct(t, ProductSpec{Name: "Hidden laptop", Category: w.Laptops, Base: 1, Status: catalog.StatusHidden})
		w.AddProduct(t, ProductSpec{Name: "Draft laptop", Category: w.Laptops, Base: 1, Status: catalog.StatusDraft})
		tree := categoryTree(t, w.H.Reader)
		cases := []struct {
			name string
			q    catalog.ListingQuery
			want []string
		}{
			{"market KR", catalog.ListingQuery{Market: kernel.MarketKR}, []string{laptop.ID, phone.ID, pan.ID}},
			{"market US has no pan", catalog.ListingQuery{Market: kernel.MarketUS}, []string{laptop.ID, phone.ID}},
			{"subtree of electronics", catalog.ListingQuery{Market: kernel.MarketKR, CategoryIDs: tree.Subtree(w.Electronics.ID)}, []string{laptop.ID, phone.ID}},
			{"leaf category", catalog.ListingQuery{Market: kernel.MarketKR, CategoryIDs: tree.Subtree(w.Phones.ID)}, []string{phone.ID}},
			{"Korean name", catalog.ListingQuery{Market: kernel.MarketKR, Locale: kernel.LocaleKO, Q: "노트북"}, []string{laptop.ID}},
			{"English name, any case", catalog.ListingQuery{Market: kernel.MarketKR, Locale: kernel.LocaleEN, Q: "lApToP"}, []string{laptop.ID}},
			{"Japanese name", catalog.ListingQuery{Market: kernel.MarketJP, Locale: kernel.LocaleJA, Q: "パソコン"}, []string{laptop.ID}},
			{"another language's name does not match", catalog.ListingQuery{Market: kernel.MarketKR, Locale: kernel.LocaleEN, Q: "노트북"}, nil},
			{"LIKE wildcards are literal", catalog.ListingQuery{Market: kernel.MarketKR, Locale: kernel.LocaleEN, Q: "%"}, nil},
			{"underscore is literal", catalog.ListingQuery{Market: kernel.MarketKR, Locale: kernel.LocaleEN, Q: "_"}, nil},
		}
		for _, c := range cases {
			c.q.Sort, c.q.Limit = catalog.SortPriceDesc, 100
			got, err := w.H.Reader.Listings(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]string, len(got))
			for i, l := range got {
				ids[i] = l.ProductID
			}
			if len(ids) != len(c.want) || !slices.Equal(ids, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, ids, c.want)
			}
		}
	})

	t.Run("listing prices follow explicit prices and FX rates; popularity survives a re-save", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Priced", Category: w.Kitchen, Base: 12_900, Stock: []int{1, 1}, Mod: func(p *catalog.Product) {
			p.SKUs[1].MarketPrices = map[kernel.Market]kernel.Money{kernel.MarketJP: kernel.NewMoney(500, kernel.JPY)}
		}})
		setPopularity(t, w.H, kernel.MarketKR, map[string]int64{p.ID: 7})
		want := map[kernel.Market]int64{kernel.MarketKR: 12_900, kernel.MarketUS: 968 /* 12900 × 0.00075 = 9.675 → 9.68 */, kernel.MarketJP: 500}
		for m, price := range want {
			l := onlyListing(t, w.H.Reader, m)
			if l.Price != price {
				t.Errorf("%s price = %d, want %d", m, l.Price, price)
			}
		}
		w.Clock.Advance(time.Hour)
		if _, err := w.Svc.SetRate(ctx, kernel.USD, "0.001", w.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if l := onlyListing(t, w.H.Reader, kernel.MarketUS); l.Price != 1290 {
			t.Errorf("after a new rate: US price = %d, want 1290", l.Price)
		}
		// A future-dated rate changes nothing until it is in effect and the reprice job runs.
		if _, err := w.Svc.SetRate(ctx, kernel.USD, "0.002", w.Clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if l := onlyListing(t, w.H.Reader, kernel.MarketUS); l.Price != 1290 {
			t.Errorf("after a future rate: US price = %d, want 1290", l.Price)
		}
		w.Clock.Advance(time.Hour)
		if err := w.Svc.RepriceListings(ctx); err != nil {
			t.Fatal(err)
		}
		if l := onlyListing(t, w.H.Reader, kernel.MarketUS); l.Price != 2580 {
			t.Errorf("after the reprice job: US price = %d, want 2580", l.Price)
		}
		if _, err := w.Svc.SaveProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		if l := onlyListing(t, w.H.Reader, kernel.MarketKR); l.Popularity != 7 {
			t.Errorf("popularity after re-save = %d, want 7", l.Popularity)
		}
	})

	t.Run("rates: the entry in effect at an instant; one entry per currency and instant", func(t *testing.T) {
		w := world(t)
		later := CatalogEpoch.Add(time.Hour)
		if _, err := w.Svc.SetRate(ctx, kernel.USD, "0.0008", later); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			at   time.Time
			want string
		}{{CatalogEpoch, "0.00075"}, {later.Add(-time.Microsecond), "0.00075"}, {later, "0.0008"}} {
			entries, err := w.H.Reader.CurrentRates(ctx, c.at)
			if err != nil {
				t.Fatal(err)
			}
			rates, err := catalog.CurrentRates(entries, c.at)
			if err != nil {
				t.Fatal(err)
			}
			wantRat, _ := new(big.Rat).SetString(c.want)
			if got := rates[kernel.USD.Code]; got.Rate == nil || got.Rate.Cmp(wantRat) != 0 || len(entries) != 2 {
				t.Errorf("at %v: USD rate %v (%d entries), want %s", c.at, got.Rate, len(entries), c.want)
			}
		}
		if _, err := w.Svc.SetRate(ctx, kernel.USD, "0.0009", later); !errors.Is(err, catalog.ErrRateExists) {
			t.Errorf("second rate at the same instant: %v", err)
		}
		if entries, err := w.H.Reader.CurrentRates(ctx, CatalogEpoch.Add(-72*time.Hour)); err != nil || len(entries) != 0 {
			t.Errorf("before any rate: %v, %v", entries, err)
		}
	})

	t.Run("promotions: active window, market and targets round-trip", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Promoted", Category: w.Laptops, Base: 10_000})
		promo, err := w.Svc.SavePromotion(ctx, catalog.Promotion{Type: catalog.PromotionPercent, Value: 10,
			StartsAt: CatalogEpoch, EndsAt: CatalogEpoch.Add(time.Hour), Markets: []kernel.Market{kernel.MarketKR, kernel.MarketJP},
			ProductIDs: []string{p.ID}, CategoryIDs: []string{w.Electronics.ID}, Names: names("가을 세일", "Autumn sale", "秋のセール")})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			m    kernel.Market
			at   time.Time
			want int
		}{
			{kernel.MarketKR, CatalogEpoch, 1}, {kernel.MarketKR, CatalogEpoch.Add(-time.Microsecond), 0},
			{kernel.MarketKR, CatalogEpoch.Add(time.Hour - time.Microsecond), 1}, {kernel.MarketKR, CatalogEpoch.Add(time.Hour), 0},
			{kernel.MarketUS, CatalogEpoch, 0}, {kernel.MarketJP, CatalogEpoch, 1},
		} {
			got, err := w.H.Reader.Promotions(ctx, c.m, c.at)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.want {
				t.Errorf("%s at %v: %d promotions, want %d", c.m, c.at, len(got), c.want)
				continue
			}
			if c.want == 1 {
				g := got[0]
				if g.ID != promo.ID || g.Type != promo.Type || g.Value != 10 || !g.StartsAt.Equal(promo.StartsAt) || !g.EndsAt.Equal(promo.EndsAt) ||
					!sameSet(g.ProductIDs, promo.ProductIDs) || !sameSet(g.CategoryIDs, promo.CategoryIDs) ||
					!sameSet(marketStrings(g.Markets), marketStrings(promo.Markets)) || !reflect.DeepEqual(g.Names, promo.Names) {
					t.Errorf("promotion round trip: got %+v, want %+v", g, promo)
				}
			}
		}
		_, err = w.Svc.SavePromotion(ctx, catalog.Promotion{Type: catalog.PromotionAmount, Value: 1000, StartsAt: CatalogEpoch,
			EndsAt: CatalogEpoch.Add(time.Hour), Markets: []kernel.Market{kernel.MarketKR}, ProductIDs: []string{kernel.NewID()}, Names: names("a", "b", "c")})
		if !errors.Is(err, catalog.ErrProductNotFound) {
			t.Errorf("promotion of an unknown product: %v", err)
		}
	})

	t.Run("paid lines: orders paid in [from, to)", func(t *testing.T) {
		w := world(t)
		p := w.AddProduct(t, ProductSpec{Name: "Sold", Category: w.Kitchen, Base: 10_000, Stock: []int{10, 10}})
		buyer := w.H.NewBuyer(t)
		from, to := CatalogEpoch.Add(-2*time.Hour), CatalogEpoch
		for _, at := range []time.Time{from.Add(-time.Microsecond), from, to.Add(-time.Microsecond), to} {
			w.Sell(t, buyer, kernel.MarketKR, at, order.ItemInput{SKUID: p.SKUs[0].ID, Quantity: 2}, order.ItemInput{SKUID: p.SKUs[1].ID, Quantity: 1})
		}
		err := w.H.Tx.Do(ctx, func(ctx context.Context, st catalog.Stores) error {
			lines, err := st.Sales.PaidLines(ctx, from, to)
			if err != nil {
				return err
			}
			if len(lines) != 4 {
				return fmt.Errorf("lines = %d, want 4 (two orders of two lines)", len(lines))
			}
			var qty, total int64
			for _, l := range lines {
				if l.Market != kernel.MarketKR || l.ProductID != p.ID || l.PaidAt.Before(from) || !l.PaidAt.Before(to) {
					return fmt.Errorf("line %+v", l)
				}
				qty += l.Quantity
				total += l.LineTotal
			}
			if qty != 6 || total != 2*(2*10_000+11_000) {
				return fmt.Errorf("quantity %d, total %d", qty, total)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("buckets are replaced from an hour on; rankings are replaced per market and measure", func(t *testing.T) {
		w := world(t)
		a := w.AddProduct(t, ProductSpec{Name: "A", Category: w.Kitchen, Base: 1000})
		b := w.AddProduct(t, ProductSpec{Name: "B", Category: w.Kitchen, Base: 1000})
		h0 := catalog.HourOf(CatalogEpoch)
		err := w.H.Tx.Do(ctx, func(ctx context.Context, st catalog.Stores) error {
			if err := st.Rankings.ReplaceBuckets(ctx, h0.Add(-3*time.Hour), []catalog.SalesBucket{
				{Market: kernel.MarketKR, Hour: h0.Add(-3 * time.Hour), ProductID: a.ID, Quantity: 1, Revenue: 100},
				{Market: kernel.MarketKR, Hour: h0.Add(-time.Hour), ProductID: a.ID, Quantity: 2, Revenue: 200},
				{Market: kernel.MarketKR, Hour: h0, ProductID: b.ID, Quantity: 5, Revenue: 50},
				{Market: kernel.MarketUS, Hour: h0, ProductID: b.ID, Quantity: 9, Revenue: 9},
			}); err != nil {
				return err
			}
			// Replacing from h0-1h keeps the bucket at h0-3h and drops the others.
			return st.Rankings.ReplaceBuckets(ctx, h0.Add(-time.Hour), []catalog.SalesBucket{
				{Market: kernel.MarketKR, Hour: h0, ProductID: a.ID, Quantity: 4, Revenue: 400},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		err = w.H.Tx.Do(ctx, func(ctx context.Context, st catalog.Stores) error {
			got, err := st.Rankings.SalesByProduct(ctx, kernel.MarketKR, h0.Add(-3*time.Hour), h0.Add(time.Hour))
			if err != nil {
				return err
			}
			want := []catalog.ProductSales{{ProductID: a.ID, Quantity: 5, Revenue: 500}}
			if !reflect.DeepEqual(got, want) {
				return fmt.Errorf("KR sales = %+v, want %+v", got, want)
			}
			if got, err := st.Rankings.SalesByProduct(ctx, kernel.MarketKR, h0.Add(-2*time.Hour), h0); err != nil || len(got) != 0 {
				return fmt.Errorf("KR sales in an empty window = %+v, %v", got, err)
			}
			if got, err := st.Rankings.SalesByProduct(ctx, kernel.MarketUS, h0.Add(-3*time.Hour), h0.Add(time.Hour)); err != nil || len(got) != 0 {
				return fmt.Errorf("US sales = %+v, %v", got, err)
			}
			for _, entries := range [][]catalog.RankEntry{
				{{Rank: 1, ProductID: a.ID, Quantity: 5, Revenue: 500}, {Rank: 2, ProductID: b.ID, Quantity: 1, Revenue: 1}},
				{{Rank: 1, ProductID: b.ID, Quantity: 3, Revenue: 3}},
			} {
				r := catalog.Ranking{Market: kernel.MarketKR, By: catalog.ByQuantity, Entries: entries,
					WindowStart: h0.Add(-72 * time.Hour), WindowEnd: CatalogEpoch, ComputedAt: CatalogEpoch}
				if err := st.Rankings.SaveRanking(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.H.Reader.Rankings(ctx, kernel.MarketKR)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].By != catalog.ByQuantity || len(got[0].Entries) != 1 || got[0].Entries[0].ProductID != b.ID ||
			!got[0].ComputedAt.Equal(CatalogEpoch) || !got[0].WindowStart.Equal(h0.Add(-72*time.Hour)) {
			t.Fatalf("rankings = %+v", got)
		}
		if got, err := w.H.Reader.Rankings(ctx, kernel.MarketJP); err != nil || len(got) != 0 {
			t.Fatalf("JP rankings = %+v, %v", got, err)
		}
	})

	t.Run("the ranking job rolls paid lines into buckets, ranks, and a new paid order moves the ranking", func(t *testing.T) {
		w := world(t)
		buyer := w.H.NewBuyer(t)
		var ps []catalog.Product
		for i := range 7 {
			ps = append(ps, w.AddProduct(t, ProductSpec{Name: fmt.Sprint("R", i), Category: w.Kitchen, Base: int64(10_000 * (i + 1))}))
		}
		sell := func(p catalog.Product, qty int, m kernel.Market, at time.Time) {
			t.Helper()
			w.Sell(t, buyer, m, at, order.ItemInput{SKUID: p.SKUs[0].ID, Quantity: qty})
		}
		now := w.Clock.Now()
		sell(ps[0], 5, kernel.MarketKR, now.Add(-time.Hour))
		sell(ps[1], 5, kernel.MarketKR, now.Add(-2*time.Hour)) // ties ps[0] on quantity, more revenue
		sell(ps[2], 3, kernel.MarketKR, now.Add(-71*time.Hour))
		sell(ps[3], 50, kernel.MarketKR, now.Add(-80*time.Hour)) // outside the window
		sell(ps[4], 1, kernel.MarketUS, now.Add(-time.Hour))
		if err := w.Svc.RefreshRankings(ctx); err != nil {
			t.Fatal(err)
		}
		view := catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleEN}
		top := topIDs(t, w.Svc, view, catalog.ByQuantity)
		if want := []string{ps[1].ID, ps[0].ID, ps[2].ID}; !slices.Equal(top, want) {
			t.Fatalf("top by quantity = %v, want %v", top, want)
		}
		if top := topIDs(t, w.Svc, catalog.View{Market: kernel.MarketUS, Locale: kernel.LocaleEN}, catalog.ByQuantity); !slices.Equal(top, []string{ps[4].ID}) {
			t.Fatalf("US top = %v", top)
		}
		if l := listingOf(t, w.H.Reader, kernel.MarketKR, ps[1].ID); l.Popularity != 5 {
			t.Errorf("popularity = %d, want 5", l.Popularity)
		}
		// A new paid order moves ps[2] to the top once the job has run again, and not before.
		sell(ps[2], 10, kernel.MarketKR, now)
		if top := topIDs(t, w.Svc, view, catalog.ByQuantity); top[0] != ps[1].ID {
			t.Fatalf("ranking moved before the job ran: %v", top)
		}
		w.Clock.Advance(time.Minute)
		if err := w.Svc.RefreshRankings(ctx); err != nil {
			t.Fatal(err)
		}
		if top := topIDs(t, w.Svc, view, catalog.ByQuantity); !slices.Equal(top, []string{ps[2].ID, ps[1].ID, ps[0].ID}) {
			t.Fatalf("after the new order: %v", top)
		}
		list, err := w.Svc.TopProducts(ctx, view, catalog.ByRevenue)
		if err != nil {
			t.Fatal(err)
		}
		if list.Items[0].Product.ID != ps[2].ID || list.Items[0].SoldQuantity != 13 || list.Items[0].Revenue != kernel.NewMoney(13*30_000, kernel.KRW) ||
			!list.ComputedAt.Equal(w.Clock.Now()) {
			t.Fatalf("top by revenue = %+v", list)
		}
		// Sales move out of the window as time passes.
		w.Clock.Advance(73 * time.Hour)
		if err := w.Svc.RefreshRankings(ctx); err != nil {
			t.Fatal(err)
		}
		if top := topIDs(t, w.Svc, view, catalog.ByQuantity); len(top) != 0 {
			t.Fatalf("after 72 h: %v", top)
		}
	})

	t.Run("concurrent ranking runs all succeed and agree", func(t *testing.T) {
		w := world(t)
		buyer := w.H.NewBuyer(t)
		for i := range 6 {
			p := w.AddProduct(t, ProductSpec{Name: fmt.Sprint("C", i), Category: w.Kitchen, Base: 1000})
			for _, m := range kernel.Markets {
				w.Sell(t, buyer, m, CatalogEpoch.Add(-time.Duration(i)*time.Hour), order.ItemInput{SKUID: p.SKUs[0].ID, Quantity: i + 1})
			}
		}
		var wg sync.WaitGroup
		errc := make(chan error, 24)
		for range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- w.Svc.RefreshRankings(ctx)
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatalf("concurrent run: %v", err)
			}
		}
		for _, m := range kernel.Markets {
			rs, err := w.H.Reader.Rankings(ctx, m)
			if err != nil || len(rs) != 2 {
				t.Fatalf("%s rankings = %d, %v", m, len(rs), err)
			}
			for _, r := range rs {
				if len(r.Entries) != 6 {
					t.Errorf("%s %s: %d entries", m, r.By, len(r.Entries))
				}
				for i, e := range r.Entries {
					if e.Rank != i+1 || e.Quantity != int64(6-i) {
						t.Errorf("%s %s entry %d = %+v", m, r.By, i, e)
					}
				}
			}
		}
	})

	t.Run("ListProducts pages are complete and stable when products are added between pages", func(t *testing.T) {
		w := world(t)
		var want []string
		for i := range 9 {
			w.Clock.Advance(time.Second)
			want = append(want, w.AddProduct(t, ProductSpec{Name: fmt.Sprint("N", i), Category: w.Laptops, Base: 1000}).ID)
		}
		slices.Reverse(want) // newest first
		view := catalog.View{Market: kernel.MarketKR, Locale: kernel.LocaleKO}
		var got []string
		req := catalog.ListRequest{Category: w.Electronics.Slug, Sort: catalog.SortNewest, Limit: 4}
		for page := 0; ; page++ {
			res, err := w.Svc.ListProducts(ctx, view, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range res.Items {
				got = append(got, it.ID)
			}
			if page == 0 { // a product added after the first page does not shift the next ones
				w.Clock.Advance(time.Second)
				w.AddProduct(t, ProductSpec{Name: "late", Category: w.Laptops, Base: 1000})
			}
			if res.NextCursor == "" {
				break
			}
			req.Cursor = res.NextCursor
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pages = %v\nwant %v", got, want)
		}
		_, err := w.Svc.ListProducts(ctx, view, catalog.ListRequest{Sort: catalog.SortPriceAsc, Limit: 4, Cursor: req.Cursor})
		if !errors.Is(err, kernel.ErrInvalidCursor) {
			t.Fatalf("a cursor of another sort: %v", err)
		}
		_, err = w.Svc.ListProducts(ctx, catalog.View{Market: kernel.MarketUS, Locale: kernel.LocaleKO}, req)
		if !errors.Is(err, kernel.ErrInvalidCursor) {
			t.Fatalf("a cursor of another market: %v", err)
		}
	})
}

func loadProduct(t *testing.T, r catalog.Reader, id string) catalog.Product {
	t.Helper()
	got, err := r.Products(context.Background(), []string{id})
	if err != nil || len(got) != 1 {
		t.Fatalf("load %s: %v, %v", id, got, err)
	}
	return got[0]
}

func categoryTree(t *testing.T, r catalog.Reader) catalog.CategoryTree {
	t.Helper()
	cats, err := r.Categories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return catalog.NewCategoryTree(cats)
}

func setPopularity(t *testing.T, h CatalogHarness, m kernel.Market, scores map[string]int64) {
	t.Helper()
	if err := h.Tx.Do(context.Background(), func(ctx context.Context, st catalog.Stores) error {
		_, err := st.Rankings.SetPopularity(ctx, m, scores)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func onlyListing(t *testing.T, r catalog.Reader, m kernel.Market) catalog.Listing {
	t.Helper()
	ls, err := r.Listings(context.Background(), catalog.ListingQuery{Market: m, Sort: catalog.SortNewest, Limit: 10})
	if err != nil || len(ls) != 1 {
		t.Fatalf("%s listings = %+v, %v", m, ls, err)
	}
	return ls[0]
}

func listingOf(t *testing.T, r catalog.Reader, m kernel.Market, productID string) catalog.Listing {
	t.Helper()
	ls, err := r.Listings(context.Background(), catalog.ListingQuery{Market: m, Sort: catalog.SortNewest, Limit: catalog.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.ProductID == productID {
			return l
		}
	}
	t.Fatalf("%s: no listing of %s", m, productID)
	return catalog.Listing{}
}

// checkSortKey checks the order by the sort's own key, independently of Sort.Compare.
func checkSortKey(t *testing.T, s catalog.Sort, ls []catalog.Listing, scores map[string]int64) {
	t.Helper()
	for i := 1; i < len(ls); i++ {
		a, b := ls[i-1], ls[i]
		var ok bool
		switch s {
		case catalog.SortNewest:
			ok = a.CreatedAt.After(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ProductID > b.ProductID
		case catalog.SortPriceAsc:
			ok = a.Price < b.Price || a.Price == b.Price && a.ProductID < b.ProductID
		case catalog.SortPriceDesc:
			ok = a.Price > b.Price || a.Price == b.Price && a.ProductID > b.ProductID
		case catalog.SortPopular:
			ok = scores[a.ProductID] > scores[b.ProductID] || scores[a.ProductID] == scores[b.ProductID] && a.ProductID < b.ProductID
		}
		if !ok {
			t.Fatalf("%s: %+v before %+v", s, a, b)
		}
	}
}

func topIDs(t *testing.T, svc *catalog.Service, v catalog.View, by catalog.RankBy) []string {
	t.Helper()
	list, err := svc.TopProducts(context.Background(), v, by)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(list.Items))
	for i, it := range list.Items {
		if it.Rank != i+1 {
			t.Fatalf("rank %d at %d", it.Rank, i)
		}
		ids[i] = it.Product.ID
	}
	return ids
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func marketStrings(ms []kernel.Market) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m)
	}
	return out
}
