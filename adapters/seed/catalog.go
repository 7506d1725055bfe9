package seed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
)

// seedNamespace derives stable ids for seeded catalog rows, so a second run finds what the first
// one wrote.
var seedNamespace = uuid.MustParse("6f1c9a52-3b1e-4c41-9a57-2f0d7c1e8b10")

func seedID(kind, slug string) string {
	return uuid.NewSHA1(seedNamespace, []byte(kind+":"+slug)).String()
}

// CatalogDeps are what the catalog seed writes through.
type CatalogDeps struct {
	Service *catalog.Service
	Reader  catalog.Reader
	// Stock opens each seeded SKU's stock (an OPENING audit row each): inventory owns stock.
	Stock *inventory.Service
	Clock kernel.Clock
	// Sold is how many units of each SKU the order history will sell (HistorySold), opened on top
	// of the stock the catalog shows; nil when no history follows.
	Sold map[string]int
}

// Catalog seeds the dev catalog of SPEC §0: exchange rates, 16 categories (7 roots), 6 brands,
// 64 visible products (and one hidden) with ko/en/ja texts, options and stock (some low, some
// out), explicit US/JP prices on a few, live promotions (and one that has ended),
// and a first ranking (of the history placed before it, if any). On a catalog it already seeded
// it adds only what is missing; it always recomputes the ranking.
func Catalog(ctx context.Context, d CatalogDeps) error {
	if _, err := catalogProducts(ctx, d); err != nil {
		return err
	}
	return d.Service.RefreshRankings(ctx)
}

// catalogProducts is Catalog without the ranking; it reports whether it created the products
// (a first run), which is when the order history is placed.
func catalogProducts(ctx context.Context, d CatalogDeps) (bool, error) {
	svc := d.Service
	for _, r := range []struct {
		c    kernel.Currency
		rate string
	}{{kernel.USD, "0.00075"}, {kernel.JPY, "0.11"}} {
		if _, err := svc.SetRate(ctx, r.c, r.rate, rateEpoch); err != nil && !errors.Is(err, catalog.ErrRateExists) {
			return false, fmt.Errorf("seed rate %s: %w", r.c.Code, err)
		}
	}
	if err := seedCategories(ctx, d); err != nil {
		return false, err
	}
	if err := seedBrands(ctx, d); err != nil {
		return false, err
	}
	created, err := seedProducts(ctx, d)
	if err != nil || !created {
		return created, err
	}
	return true, seedPromotions(ctx, d)
}

// rateEpoch is when the seeded exchange rates take effect.
var rateEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func l10n(ko, en, ja string) catalog.Localized {
	return catalog.Localized{kernel.LocaleKO: ko, kernel.LocaleEN: en, kernel.LocaleJA: ja}
}

type categoryDef struct {
	slug, parent string
	names        catalog.Localized
}

var categoryDefs = []categoryDef{
	{"electronics", "", l10n("전자제품", "Electronics", "家電")},
	{"laptops", "electronics", l10n("노트북", "Laptops", "ノートパソコン")},
	{"smartphones", "electronics", l10n("스마트폰", "Smartphones", "スマートフォン")},
	{"audio", "electronics", l10n("음향기기", "Audio", "オーディオ")},
	{"fashion", "", l10n("패션", "Fashion", "ファッション")},
	{"clothing", "fashion", l10n("의류", "Clothing", "衣類")},
	{"shoes", "fashion", l10n("신발", "Shoes", "シューズ")},
	{"food", "", l10n("식품", "Food", "食品")},
	{"fresh", "food", l10n("신선식품", "Fresh Food", "生鮮食品")},
	{"coffee-tea", "food", l10n("커피·차", "Coffee & Tea", "コーヒー・お茶")},
	{"home", "", l10n("생활·주방", "Home & Kitchen", "生活・キッチン")},
	{"kitchen", "home", l10n("주방용품", "Kitchenware", "キッチン用品")},
	{"furniture", "home", l10n("가구", "Furniture", "家具")},
	{"beauty", "", l10n("뷰티", "Beauty", "ビューティー")},
	{"sports", "", l10n("스포츠·레저", "Sports & Outdoors", "スポーツ・アウトドア")},
	{"books", "", l10n("도서", "Books", "本")},
}

func seedCategories(ctx context.Context, d CatalogDeps) error {
	cats, err := d.Reader.Categories(ctx)
	if err != nil {
		return err
	}
	tree := catalog.NewCategoryTree(cats)
	for i, c := range categoryDefs {
		if _, ok := tree.Find(c.slug); ok {
			continue
		}
		in := catalog.NewCategoryInput{ID: seedID("category", c.slug), Slug: c.slug, SortOrder: i, Names: c.names}
		if c.parent != "" {
			in.ParentID = seedID("category", c.parent)
		}
		if _, err := d.Service.CreateCategory(ctx, in); err != nil {
			return fmt.Errorf("seed category %s: %w", c.slug, err)
		}
	}
	return nil
}

var brandDefs = []catalog.Brand{
	{Slug: "jupang-basics", Name: "Jupang Basics"},
	{Slug: "hanbit", Name: "Hanbit Electronics"},
	{Slug: "soundwave", Name: "SoundWave"},
	{Slug: "mori-living", Name: "Mori Living"},
	{Slug: "seoul-style", Name: "Seoul Style"},
	{Slug: "green-farm", Name: "Green Farm"},
}

func seedBrands(ctx context.Context, d CatalogDeps) error {
	for _, b := range brandDefs {
		b.ID = seedID("brand", b.Slug)
		found, err := d.Reader.Brands(ctx, []string{b.ID})
		if err != nil {
			return err
		}
		if len(found) == 1 {
			continue
		}
		if _, err := d.Service.CreateBrand(ctx, b); err != nil {
			return fmt.Errorf("seed brand %s: %w", b.Slug, err)
		}
	}
	return nil
}

// option kinds: each yields the attribute sets and KRW deltas of a product's SKUs.
type optionKind int

const (
	single optionKind = iota
	colors
	sizes
	shoeSizes
	storage
	weights
)

func (k optionKind) skus() []catalog.SKU {
	mk := func(key string, values []string, deltas []int64) []catalog.SKU {
		out := make([]catalog.SKU, len(values))
		for i, v := range values {
			out[i] = catalog.SKU{Attributes: map[string]string{key: v}, PriceDelta: deltas[i], Active: true}
		}
		return out
	}
	switch k {
	case colors:
		return mk("color", []string{"black", "white", "navy"}, []int64{0, 0, 0})
	case sizes:
		return mk("size", []string{"S", "M", "L", "XL"}, []int64{0, 0, 0, 2000})
	case shoeSizes:
		return mk("size", []string{"250", "260", "270", "280"}, []int64{0, 0, 0, 0})
	case storage:
		return mk("storage", []string{"256GB", "512GB", "1TB"}, []int64{0, 150_000, 400_000})
	case weights:
		return mk("weight", []string{"small", "large"}, []int64{0, 15_000})
	}
	return []catalog.SKU{{Attributes: map[string]string{}, Active: true}}
}

type productDef struct {
	slug, category, brand string
	names                 catalog.Localized
	price                 int64 // KRW
	options               optionKind
}

var productDefs = []productDef{
	{"laptop-pro-14", "laptops", "hanbit", l10n("한빛 노트북 프로 14", "Hanbit Laptop Pro 14", "ハンビット ノートPC プロ 14"), 1_890_000, storage},
	{"laptop-air-13", "laptops", "hanbit", l10n("한빛 노트북 에어 13", "Hanbit Laptop Air 13", "ハンビット ノートPC エア 13"), 1_290_000, storage},
	{"gaming-laptop-16", "laptops", "hanbit", l10n("게이밍 노트북 16", "Gaming Laptop 16", "ゲーミングノートPC 16"), 2_490_000, single},
	{"chromebook-11", "laptops", "jupang-basics", l10n("크롬북 11", "Chromebook 11", "クロームブック 11"), 390_000, single},
	{"laptop-stand", "laptops", "jupang-basics", l10n("알루미늄 노트북 거치대", "Aluminium Laptop Stand", "アルミ製ノートPCスタンド"), 39_000, colors},
	{"hanbit-phone-s", "smartphones", "hanbit", l10n("한빛 폰 S", "Hanbit Phone S", "ハンビット フォン S"), 1_150_000, storage},
	{"hanbit-phone-mini", "smartphones", "hanbit", l10n("한빛 폰 미니", "Hanbit Phone Mini", "ハンビット フォン ミニ"), 790_000, colors},
	{"hanbit-fold", "smartphones", "hanbit", l10n("한빛 폴드", "Hanbit Fold", "ハンビット フォールド"), 2_200_000, single},
	{"silicone-phone-case", "smartphones", "jupang-basics", l10n("실리콘 폰 케이스", "Silicone Phone Case", "シリコン スマホケース"), 15_900, colors},
	{"fast-charger-45w", "smartphones", "jupang-basics", l10n("45W 고속 충전기", "45W Fast Charger", "45W 急速充電器"), 29_000, single},
	{"wireless-earbuds", "audio", "soundwave", l10n("무선 이어폰", "Wireless Earbuds", "ワイヤレスイヤホン"), 159_000, colors},
	{"anc-headphones", "audio", "soundwave", l10n("노이즈 캔슬링 헤드폰", "Noise-Cancelling Headphones", "ノイズキャンセリングヘッドホン"), 349_000, colors},
	{"bluetooth-speaker", "audio", "soundwave", l10n("블루투스 스피커", "Bluetooth Speaker", "Bluetoothスピーカー"), 89_000, colors},
	{"soundbar", "audio", "soundwave", l10n("사운드바", "Soundbar", "サウンドバー"), 279_000, single},
	{"turntable", "audio", "soundwave", l10n("턴테이블", "Turntable", "レコードプレーヤー"), 219_000, single},
	{"cotton-tshirt", "clothing", "seoul-style", l10n("코튼 반팔 티셔츠", "Cotton T-Shirt", "コットン半袖Tシャツ"), 19_900, sizes},
	{"fleece-hoodie", "clothing", "seoul-style", l10n("기모 후드티", "Fleece Hoodie", "裏起毛パーカー"), 49_900, sizes},
	{"light-down-jacket", "clothing", "seoul-style", l10n("경량 패딩 점퍼", "Light Down Jacket", "ライトダウンジャケット"), 129_000, sizes},
	{"slim-jeans", "clothing", "seoul-style", l10n("슬림핏 청바지", "Slim-Fit Jeans", "スリムフィットジーンズ"), 59_000, sizes},
	{"wool-scarf", "clothing", "seoul-style", l10n("울 머플러", "Wool Scarf", "ウールマフラー"), 39_000, colors},
	{"knit-beanie", "clothing", "seoul-style", l10n("니트 비니", "Knit Beanie", "ニット帽"), 19_000, colors},
	{"running-shoes", "shoes", "seoul-style", l10n("러닝화", "Running Shoes", "ランニングシューズ"), 119_000, shoeSizes},
	{"white-sneakers", "shoes", "seoul-style", l10n("화이트 스니커즈", "White Sneakers", "白スニーカー"), 89_000, shoeSizes},
	{"hiking-boots", "shoes", "seoul-style", l10n("등산화", "Hiking Boots", "登山靴"), 169_000, shoeSizes},
	{"indoor-slippers", "shoes", "jupang-basics", l10n("실내 슬리퍼", "Indoor Slippers", "ルームスリッパ"), 12_900, shoeSizes},
	{"rain-boots", "shoes", "seoul-style", l10n("레인부츠", "Rain Boots", "レインブーツ"), 45_000, shoeSizes},
	{"jeju-tangerines", "fresh", "green-farm", l10n("제주 감귤", "Jeju Tangerines", "済州みかん"), 24_900, weights},
	{"naju-pears", "fresh", "green-farm", l10n("나주 배", "Naju Pears", "羅州梨"), 39_900, weights},
	{"napa-kimchi", "fresh", "green-farm", l10n("포기김치", "Napa Cabbage Kimchi", "白菜キムチ"), 29_900, weights},
	{"hanwoo-sirloin", "fresh", "green-farm", l10n("한우 등심", "Hanwoo Sirloin", "韓牛サーロイン"), 89_000, weights},
	{"nonsan-strawberries", "fresh", "green-farm", l10n("논산 딸기", "Nonsan Strawberries", "論山いちご"), 19_900, weights},
	{"coffee-beans", "coffee-tea", "green-farm", l10n("싱글 오리진 원두", "Single-Origin Coffee Beans", "シングルオリジン コーヒー豆"), 18_900, weights},
	{"drip-bag-coffee", "coffee-tea", "green-farm", l10n("드립백 커피 30개입", "Drip Bag Coffee (30)", "ドリップバッグコーヒー 30袋"), 21_900, single},
	{"boseong-green-tea", "coffee-tea", "green-farm", l10n("보성 녹차", "Boseong Green Tea", "宝城緑茶"), 15_900, single},
	{"barley-tea", "coffee-tea", "jupang-basics", l10n("보리차 티백", "Barley Tea Bags", "麦茶ティーバッグ"), 6_900, single},
	{"cold-brew", "coffee-tea", "green-farm", l10n("콜드브루 원액", "Cold Brew Concentrate", "コールドブリュー原液"), 12_900, single},
	{"induction-pan-28", "kitchen", "mori-living", l10n("인덕션 프라이팬 28cm", "Induction Frying Pan 28cm", "IH対応フライパン 28cm"), 35_900, single},
	{"chef-knife", "kitchen", "mori-living", l10n("셰프 나이프", "Chef's Knife", "牛刀包丁"), 59_000, single},
	{"electric-kettle", "kitchen", "mori-living", l10n("전기 주전자", "Electric Kettle", "電気ケトル"), 39_900, colors},
	{"rice-cooker", "kitchen", "hanbit", l10n("전기 압력밥솥", "Pressure Rice Cooker", "圧力IH炊飯器"), 249_000, single},
	{"glass-containers", "kitchen", "jupang-basics", l10n("유리 밀폐용기 세트", "Glass Container Set", "ガラス保存容器セット"), 29_900, single},
	{"air-fryer", "kitchen", "hanbit", l10n("에어프라이어", "Air Fryer", "ノンフライヤー"), 119_000, colors},
	{"ergonomic-chair", "furniture", "mori-living", l10n("인체공학 의자", "Ergonomic Chair", "エルゴノミクスチェア"), 289_000, colors},
	{"standing-desk", "furniture", "mori-living", l10n("모션 데스크", "Standing Desk", "昇降デスク"), 459_000, single},
	{"bookshelf-5", "furniture", "mori-living", l10n("5단 책장", "5-Tier Bookshelf", "5段本棚"), 89_000, colors},
	{"floor-lamp", "furniture", "mori-living", l10n("플로어 스탠드", "Floor Lamp", "フロアランプ"), 69_000, single},
	{"memory-pillow", "furniture", "jupang-basics", l10n("메모리폼 베개", "Memory Foam Pillow", "低反発枕"), 39_000, single},
	{"sunscreen-spf50", "beauty", "jupang-basics", l10n("선크림 SPF50+", "Sunscreen SPF50+", "日焼け止め SPF50+"), 18_000, single},
	{"sheet-masks-10", "beauty", "jupang-basics", l10n("시트 마스크 10매", "Sheet Masks (10)", "シートマスク 10枚"), 15_000, single},
	{"cleansing-foam", "beauty", "jupang-basics", l10n("약산성 클렌징 폼", "Low-pH Cleansing Foam", "弱酸性洗顔フォーム"), 12_000, single},
	{"lip-tint", "beauty", "seoul-style", l10n("립 틴트", "Lip Tint", "リップティント"), 14_000, colors},
	{"moisturizing-cream", "beauty", "seoul-style", l10n("수분 크림", "Moisturizing Cream", "保湿クリーム"), 32_000, single},
	{"hair-dryer", "beauty", "hanbit", l10n("헤어드라이어", "Hair Dryer", "ヘアドライヤー"), 99_000, colors},
	{"yoga-mat", "sports", "jupang-basics", l10n("요가 매트", "Yoga Mat", "ヨガマット"), 29_000, colors},
	{"dumbbell-set", "sports", "jupang-basics", l10n("덤벨 세트", "Dumbbell Set", "ダンベルセット"), 79_000, weights},
	{"tent-4p", "sports", "mori-living", l10n("4인용 텐트", "4-Person Tent", "4人用テント"), 259_000, single},
	{"stainless-tumbler", "sports", "jupang-basics", l10n("스테인리스 텀블러", "Stainless Tumbler", "ステンレスタンブラー"), 24_900, colors},
	{"bicycle-helmet", "sports", "jupang-basics", l10n("자전거 헬멧", "Bicycle Helmet", "自転車ヘルメット"), 59_000, sizes},
	{"resistance-bands", "sports", "jupang-basics", l10n("저항 밴드 세트", "Resistance Band Set", "トレーニングチューブ"), 19_900, single},
	{"korean-for-beginners", "books", "jupang-basics", l10n("처음 배우는 한국어", "Korean for Beginners", "はじめての韓国語"), 18_000, single},
	{"programming-in-go", "books", "jupang-basics", l10n("Go 언어 프로그래밍", "Programming in Go", "Go言語プログラミング"), 36_000, single},
	{"home-cooking", "books", "jupang-basics", l10n("집밥 요리책", "Home Cooking Cookbook", "家庭料理レシピ本"), 22_000, single},
	{"seoul-travel-guide", "books", "jupang-basics", l10n("서울 여행 가이드", "Seoul Travel Guide", "ソウル旅行ガイド"), 17_000, single},
	{"picture-book-set", "books", "jupang-basics", l10n("그림책 세트", "Picture Book Set", "絵本セット"), 45_000, single},
	{"mp3-player", "audio", "soundwave", l10n("MP3 플레이어 (단종)", "MP3 Player (discontinued)", "MP3プレーヤー（生産終了）"), 59_000, single},
}

// Per-product exceptions to the defaults.
var (
	// stockOverrides sets on-hand units per SKU (others get 20–169 units).
	stockOverrides = map[string][]int{
		"gaming-laptop-16":  {0},
		"turntable":         {0},
		"standing-desk":     {0},
		"hanbit-fold":       {3},
		"hiking-boots":      {2, 1, 0, 2},
		"tent-4p":           {4},
		"hanwoo-sirloin":    {5, 2},
		"light-down-jacket": {30, 40, 25, 0},
		"coffee-beans":      {80, 3},
		"hanbit-phone-s":    {25, 4, 0},
	}
	// marketOverrides limits where a product is sold (others: every market).
	marketOverrides = map[string][]kernel.Market{
		"naju-pears":          {kernel.MarketKR},
		"hanwoo-sirloin":      {kernel.MarketKR},
		"nonsan-strawberries": {kernel.MarketKR},
		"jeju-tangerines":     {kernel.MarketKR, kernel.MarketJP},
		"napa-kimchi":         {kernel.MarketKR, kernel.MarketJP},
	}
	// explicitPrices sets a first-SKU price in a market's own currency instead of FX conversion.
	explicitPrices = map[string]map[kernel.Market]kernel.Money{
		"laptop-pro-14":    {kernel.MarketUS: kernel.NewMoney(139_900, kernel.USD), kernel.MarketJP: kernel.NewMoney(199_800, kernel.JPY)},
		"hanbit-phone-s":   {kernel.MarketUS: kernel.NewMoney(89_900, kernel.USD)},
		"wireless-earbuds": {kernel.MarketJP: kernel.NewMoney(16_800, kernel.JPY)},
		"rice-cooker":      {kernel.MarketJP: kernel.NewMoney(24_800, kernel.JPY)},
		"cotton-tshirt":    {kernel.MarketUS: kernel.NewMoney(1_500, kernel.USD)},
	}
	limitOverrides = map[string]catalog.PurchaseLimit{
		"hanbit-fold":    {PerOrder: 1, PerCustomer: 2},
		"hanwoo-sirloin": {PerOrder: 3},
		"sheet-masks-10": {PerOrder: 10},
	}
	hiddenProducts = map[string]bool{"mp3-player": true}
)

// seedProducts writes the products that do not exist yet with their stock; it reports whether it
// wrote any.
func seedProducts(ctx context.Context, d CatalogDeps) (bool, error) {
	ids := make([]string, len(productDefs))
	for i, p := range productDefs {
		ids[i] = seedID("product", p.slug)
	}
	existing, err := d.Reader.Products(ctx, ids)
	if err != nil {
		return false, err
	}
	have := map[string]bool{}
	for _, p := range existing {
		have[p.ID] = true
	}
	now := d.Clock.Now()
	created := false
	for i, def := range productDefs {
		if have[ids[i]] {
			continue
		}
		p := productOf(def, ids[i], now.Add(-time.Duration(len(productDefs)-i)*time.Hour))
		saved, err := d.Service.SaveProduct(ctx, p)
		if err != nil {
			return false, fmt.Errorf("seed product %s: %w", def.slug, err)
		}
		for j, sku := range saved.SKUs {
			onHand := 20 + (i*37+j*11)%150
			if over, ok := stockOverrides[def.slug]; ok {
				onHand = over[j]
			}
			onHand += d.Sold[sku.ID]
			if _, err := d.Stock.Open(ctx, "", sku.ID, onHand, nil); err != nil && !errors.Is(err, inventory.ErrStockOpened) {
				return false, fmt.Errorf("seed stock %s: %w", def.slug, err)
			}
		}
		created = true
	}
	return created, nil
}

func productOf(def productDef, id string, createdAt time.Time) catalog.Product {
	en := def.names[kernel.LocaleEN]
	p := catalog.Product{
		ID: id, CategoryID: seedID("category", def.category), BrandID: seedID("brand", def.brand), Status: catalog.StatusActive,
		BasePrice: def.price, Names: def.names,
		Descriptions: l10n(def.names[kernel.LocaleKO]+" — 주팡이 엄선한 상품입니다. 빠른 배송으로 받아 보세요.",
			en+" — hand-picked by Jupang, with fast delivery.",
			def.names[kernel.LocaleJA]+" — ジュパン厳選の商品です。スピード配送でお届けします。"),
		Images: []catalog.Image{
			{URL: "https://img.jupang.test/products/" + def.slug + "-1.jpg", Alt: en},
			{URL: "https://img.jupang.test/products/" + def.slug + "-2.jpg", Alt: en + " (detail)"},
		},
		Markets: slices.Clone(kernel.Markets), Limits: limitOverrides[def.slug], CreatedAt: createdAt,
		SKUs: def.options.skus(),
	}
	if hiddenProducts[def.slug] {
		p.Status = catalog.StatusHidden
	}
	if ms, ok := marketOverrides[def.slug]; ok {
		p.Markets = slices.Clone(ms)
	}
	for j := range p.SKUs {
		p.SKUs[j].ID = skuID(def.slug, j)
		p.SKUs[j].Code = fmt.Sprintf("%s-%d", strings.ToUpper(def.slug), j+1)
	}
	if prices, ok := explicitPrices[def.slug]; ok {
		p.SKUs[0].MarketPrices = prices
	}
	return p
}

func seedPromotions(ctx context.Context, d CatalogDeps) error {
	now := d.Clock.Now()
	day := 24 * time.Hour
	promos := []catalog.Promotion{
		{ID: seedID("promotion", "autumn-electronics"), Type: catalog.PromotionPercent, Value: 10,
			StartsAt: now.Add(-2 * day), EndsAt: now.Add(12 * day), Markets: kernel.Markets,
			CategoryIDs: []string{seedID("category", "electronics")},
			Names:       l10n("가을 전자제품 세일", "Autumn Electronics Sale", "秋の家電セール")},
		{ID: seedID("promotion", "kitchen-deal"), Type: catalog.PromotionAmount, Value: 5_000,
			StartsAt: now.Add(-day), EndsAt: now.Add(6 * day), Markets: []kernel.Market{kernel.MarketKR, kernel.MarketJP},
			CategoryIDs: []string{seedID("category", "kitchen")},
			Names:       l10n("주방 특가", "Kitchen Deal", "キッチン特価")},
		{ID: seedID("promotion", "beauty-week"), Type: catalog.PromotionPercent, Value: 20,
			StartsAt: now.Add(-time.Hour), EndsAt: now.Add(7 * day), Markets: kernel.Markets,
			ProductIDs: []string{seedID("product", "sunscreen-spf50"), seedID("product", "sheet-masks-10"), seedID("product", "lip-tint")},
			Names:      l10n("뷰티 위크", "Beauty Week", "ビューティーウィーク")},
		{ID: seedID("promotion", "summer-fashion"), Type: catalog.PromotionPercent, Value: 30,
			StartsAt: now.Add(-60 * day), EndsAt: now.Add(-30 * day), Markets: kernel.Markets,
			CategoryIDs: []string{seedID("category", "fashion")},
			Names:       l10n("여름 패션 세일", "Summer Fashion Sale", "夏のファッションセール")},
	}
	for _, p := range promos {
		if _, err := d.Service.SavePromotion(ctx, p); err != nil {
			return fmt.Errorf("seed promotion %s: %w", p.Names[kernel.LocaleEN], err)
		}
	}
	return nil
}
