// Package cataloghttp is the HTTP edge of the catalog: the product list, the product detail and the
// top-products ranking. The storefront serves them to shoppers and the admin binary to staff, with
// the same routes and the "catalog reads" policy.
package cataloghttp

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/moneyfmt"
	"github.com/jupang/jupang/core/access"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// Handlers serve the catalog reads.
type Handlers struct {
	svc *catalog.Service
	top *TopCache
}

// NewHandlers returns the catalog handlers; top serves GET /v1/products/top from its cache.
func NewHandlers(svc *catalog.Service, top *TopCache) *Handlers {
	return &Handlers{svc: svc, top: top}
}

// Routes are the catalog endpoints, the same on the storefront and the admin binary.
// /v1/products/top is registered before /v1/products/:id, which would otherwise match it.
func Routes(h *Handlers) []server.Route {
	return []server.Route{
		{Method: http.MethodGet, Path: "/v1/products", Policy: access.CatalogRead, Handler: h.list},
		{Method: http.MethodGet, Path: "/v1/products/top", Policy: access.CatalogRead, Handler: h.topProducts},
		{Method: http.MethodGet, Path: "/v1/products/:id", Policy: access.CatalogRead, Handler: h.detail},
	}
}

func (h *Handlers) list(c *fiber.Ctx) error {
	r, err := catalog.ParseListParams(catalog.ListParams{Category: c.Query("category"), Q: c.Query("q"),
		Sort: c.Query("sort"), Limit: c.Query("limit"), Cursor: c.Query("cursor")})
	if err != nil {
		return err
	}
	req := server.Request(c)
	body, err := h.svc.ListPage(server.Ctx(c), catalog.ViewOf(req), r, listRenderers[req.Locale])
	if err != nil {
		return err
	}
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	return c.Send(body) // the cached bytes are never written to: fasthttp only reads them
}

// listRenderers renders list pages in each language, built once so a request allocates no closure.
var listRenderers = func() map[kernel.Locale]catalog.PageRenderer {
	out := make(map[kernel.Locale]catalog.PageRenderer, len(kernel.Locales))
	for _, l := range kernel.Locales {
		out[l] = func(page kernel.Page[catalog.ProductSummary]) ([]byte, error) { return listBody(page, l) }
	}
	return out
}()

// listBody is the bytes json.Marshal(listJSON) writes for page, each item's from the memo.
func listBody(page kernel.Page[catalog.ProductSummary], l kernel.Locale) ([]byte, error) {
	body := append(make([]byte, 0, 512*len(page.Items)+128), `{"items":[`...)
	for i, s := range page.Items {
		if i > 0 {
			body = append(body, ',')
		}
		item, err := renderedSummaries.render(s, l)
		if err != nil {
			return nil, err
		}
		body = append(body, item...)
	}
	body = append(body, `],"nextCursor":`...)
	if page.NextCursor == "" {
		body = append(body, "null"...)
	} else {
		cursor, err := json.Marshal(page.NextCursor)
		if err != nil {
			return nil, err
		}
		body = append(body, cursor...)
	}
	return append(body, '}'), nil
}

// summaryMemo remembers the JSON of product summaries. A summary is a comparable value that says
// everything its JSON shows, so equal summaries render to equal bytes: a changed price, stock level
// or text is a different key. Rendering (moneyfmt, reflection) was most of a list request's cost.
// The memo is dropped whole when it reaches its bound.
type summaryMemo struct {
	mu    sync.RWMutex
	bytes map[summaryKey][]byte
}

type summaryKey struct {
	summary catalog.ProductSummary
	locale  kernel.Locale
}

const summaryMemoMax = 100_000

var renderedSummaries = &summaryMemo{bytes: map[summaryKey][]byte{}}

func (m *summaryMemo) render(s catalog.ProductSummary, l kernel.Locale) ([]byte, error) {
	k := summaryKey{s, l}
	m.mu.RLock()
	b, ok := m.bytes[k]
	m.mu.RUnlock()
	if ok {
		return b, nil
	}
	b, err := json.Marshal(summary(s, l))
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if len(m.bytes) >= summaryMemoMax {
		m.bytes = map[summaryKey][]byte{}
	}
	m.bytes[k] = b
	m.mu.Unlock()
	return b, nil
}

func (h *Handlers) detail(c *fiber.Ctx) error {
	req := server.Request(c)
	d, err := h.svc.ProductDetail(server.Ctx(c), catalog.ViewOf(req), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(detail(d, req.Locale))
}

func (h *Handlers) topProducts(c *fiber.Ctx) error {
	by, err := catalog.ParseRankBy(c.Query("by"))
	if err != nil {
		return err
	}
	req := server.Request(c)
	return h.top.Respond(server.Ctx(c), c, req.Market, req.Locale, by)
}

// Wire shapes (SPEC "Shapes").

type categoryJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type summaryJSON struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Category     categoryJSON    `json:"category"`
	Price        moneyfmt.Amount `json:"price"`
	ListPrice    moneyfmt.Amount `json:"listPrice"`
	Availability string          `json:"availability"`
	ThumbnailURL *string         `json:"thumbnailUrl"`
}

type listJSON struct {
	Items      []summaryJSON `json:"items"`
	NextCursor *string       `json:"nextCursor"`
}

type brandJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type imageJSON struct {
	URL string `json:"url"`
	Alt string `json:"alt"`
}

type optionJSON struct {
	SKUID        string            `json:"skuId"`
	Code         string            `json:"code"`
	Attributes   map[string]string `json:"attributes"`
	Price        moneyfmt.Amount   `json:"price"`
	ListPrice    moneyfmt.Amount   `json:"listPrice"`
	Availability string            `json:"availability"`
}

type promotionJSON struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	EndsAt time.Time `json:"endsAt"`
}

type limitJSON struct {
	PerOrder    *int `json:"perOrder"`
	PerCustomer *int `json:"perCustomer"`
}

type detailJSON struct {
	summaryJSON
	Description   string          `json:"description"`
	Brand         *brandJSON      `json:"brand"`
	Images        []imageJSON     `json:"images"`
	CategoryPath  []categoryJSON  `json:"categoryPath"`
	Options       []optionJSON    `json:"options"`
	Promotions    []promotionJSON `json:"promotions"`
	PurchaseLimit limitJSON       `json:"purchaseLimit"`
}

type topItemJSON struct {
	Rank         int             `json:"rank"`
	Product      summaryJSON     `json:"product"`
	SoldQuantity int64           `json:"soldQuantity"`
	Revenue      moneyfmt.Amount `json:"revenue"`
}

type topJSON struct {
	Market     string        `json:"market"`
	By         string        `json:"by"`
	ComputedAt *time.Time    `json:"computedAt"`
	Items      []topItemJSON `json:"items"`
}

func summary(s catalog.ProductSummary, l kernel.Locale) summaryJSON {
	out := summaryJSON{
		ID: s.ID, Name: s.Name, Category: categoryJSON(s.Category),
		Price: moneyfmt.JSON(s.Price, l), ListPrice: moneyfmt.JSON(s.ListPrice, l), Availability: string(s.Availability),
	}
	if s.ThumbnailURL != "" {
		out.ThumbnailURL = &s.ThumbnailURL
	}
	return out
}

func detail(d catalog.ProductDetail, l kernel.Locale) detailJSON {
	out := detailJSON{
		summaryJSON: summary(d.ProductSummary, l), Description: d.Description,
		Images: make([]imageJSON, len(d.Images)), CategoryPath: make([]categoryJSON, len(d.CategoryPath)),
		Options: make([]optionJSON, len(d.Options)), Promotions: make([]promotionJSON, len(d.Promotions)),
		PurchaseLimit: limitJSON{PerOrder: positive(d.PurchaseLimit.PerOrder), PerCustomer: positive(d.PurchaseLimit.PerCustomer)},
	}
	if d.Brand != nil {
		out.Brand = &brandJSON{ID: d.Brand.ID, Name: d.Brand.Name}
	}
	for i, img := range d.Images {
		out.Images[i] = imageJSON(img)
	}
	for i, c := range d.CategoryPath {
		out.CategoryPath[i] = categoryJSON(c)
	}
	for i, o := range d.Options {
		attrs := o.Attributes
		if attrs == nil {
			attrs = map[string]string{}
		}
		out.Options[i] = optionJSON{SKUID: o.SKUID, Code: o.Code, Attributes: attrs, Price: moneyfmt.JSON(o.Price, l),
			ListPrice: moneyfmt.JSON(o.ListPrice, l), Availability: string(o.Availability)}
	}
	for i, p := range d.Promotions {
		out.Promotions[i] = promotionJSON{ID: p.ID, Name: p.Name, EndsAt: p.EndsAt.UTC()}
	}
	return out
}

func top(t catalog.TopList, l kernel.Locale) topJSON {
	out := topJSON{Market: string(t.Market), By: string(t.By), Items: make([]topItemJSON, len(t.Items))}
	if !t.ComputedAt.IsZero() {
		at := t.ComputedAt.UTC()
		out.ComputedAt = &at
	}
	for i, it := range t.Items {
		out.Items[i] = topItemJSON{Rank: it.Rank, Product: summary(it.Product, l), SoldQuantity: it.SoldQuantity,
			Revenue: moneyfmt.JSON(it.Revenue, l)}
	}
	return out
}

func positive(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}
