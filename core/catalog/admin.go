package catalog

import (
	"context"
	"strings"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// NewCategoryInput describes a category to create.
type NewCategoryInput struct {
	ID        string // "" to assign one
	Slug      string
	ParentID  string // "" for a root
	SortOrder int
	Names     Localized
}

// CreateCategory adds a category to the tree.
func (s *Service) CreateCategory(ctx context.Context, in NewCategoryInput) (Category, error) {
	var out Category
	err := s.write(ctx, func(ctx context.Context, st Stores) error {
		cats, err := st.Catalog.Categories(ctx)
		if err != nil {
			return err
		}
		var parent *Category
		if in.ParentID != "" {
			p, ok := NewCategoryTree(cats).Get(in.ParentID)
			if !ok {
				return ErrCategoryNotFound.WithField("parentId", "UNKNOWN_CATEGORY", "no category has this id")
			}
			parent = &p
		}
		id := in.ID
		if id == "" {
			id = kernel.NewID()
		}
		c, err := NewCategory(id, in.Slug, parent, in.SortOrder, in.Names)
		if err != nil {
			return err
		}
		out = c
		if err := st.Catalog.SaveCategory(ctx, c); err != nil {
			return err
		}
		return st.Changes.CatalogChanged(ctx)
	})
	return out, err
}

// CreateBrand adds a brand; an empty id is assigned.
func (s *Service) CreateBrand(ctx context.Context, b Brand) (Brand, error) {
	if b.ID == "" {
		b.ID = kernel.NewID()
	}
	if err := b.Validate(); err != nil {
		return Brand{}, err
	}
	return b, s.write(ctx, func(ctx context.Context, st Stores) error {
		if err := st.Catalog.SaveBrand(ctx, b); err != nil {
			return err
		}
		return st.Changes.CatalogChanged(ctx)
	})
}

// SaveProduct creates or updates a product and its listing rows. Empty ids (product, SKUs) are
// assigned; CreatedAt is kept from the stored product, or now for a new one.
func (s *Service) SaveProduct(ctx context.Context, p Product) (Product, error) {
	now := s.now()
	p = p.Clone()
	if p.ID == "" {
		p.ID = kernel.NewID()
	}
	for i := range p.SKUs {
		if p.SKUs[i].ID == "" {
			p.SKUs[i].ID = kernel.NewID()
		}
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.CreatedAt = p.CreatedAt.UTC().Truncate(time.Microsecond)
	p.UpdatedAt = now
	if err := p.Validate(); err != nil {
		return Product{}, err
	}
	err := s.write(ctx, func(ctx context.Context, st Stores) error {
		if err := s.checkReferences(ctx, st, p); err != nil {
			return err
		}
		existing, err := st.Catalog.Products(ctx, []string{p.ID})
		if err != nil {
			return err
		}
		if len(existing) == 1 {
			p.CreatedAt = existing[0].CreatedAt
			for _, old := range existing[0].SKUs {
				if _, ok := p.SKU(old.ID); !ok {
					return errs.ErrValidation.WithField("skus", "SKU_REMOVED", "options cannot be removed; deactivate "+old.ID+" instead")
				}
			}
		}
		pricers, err := s.listingPricers(ctx, st, now)
		if err != nil {
			return err
		}
		listings, err := Listings(p, pricers, nil)
		if err != nil {
			return err
		}
		if err := st.Catalog.SaveProduct(ctx, p); err != nil {
			return err
		}
		if _, err := st.Catalog.SaveListings(ctx, p.ID, listings); err != nil {
			return err
		}
		return st.Changes.ProductsChanged(ctx, []string{p.ID})
	})
	return p, err
}

func (s *Service) checkReferences(ctx context.Context, st Stores, p Product) error {
	cats, err := st.Catalog.Categories(ctx)
	if err != nil {
		return err
	}
	if _, ok := NewCategoryTree(cats).Get(p.CategoryID); !ok {
		return ErrCategoryNotFound.WithField("categoryId", "UNKNOWN_CATEGORY", "no category has this id")
	}
	if p.BrandID != "" {
		brands, err := st.Catalog.Brands(ctx, []string{p.BrandID})
		if err != nil {
			return err
		}
		if len(brands) != 1 {
			return ErrBrandNotFound.WithField("brandId", "UNKNOWN_BRAND", "no brand has this id")
		}
	}
	return nil
}

// listingPricers prices list prices (promotions do not enter the listing sort key) for every market
// that has a rate in effect.
func (s *Service) listingPricers(ctx context.Context, st Stores, now time.Time) (map[kernel.Market]Pricer, error) {
	entries, err := st.Catalog.CurrentRates(ctx, now)
	if err != nil {
		return nil, err
	}
	rates, err := CurrentRates(entries, now)
	if err != nil {
		return nil, err
	}
	out := map[kernel.Market]Pricer{}
	for _, m := range kernel.Markets {
		if pr, err := NewPricer(m, rates, nil, CategoryTree{}, now); err == nil {
			out[m] = pr
		}
	}
	return out, nil
}

// SetRate records an exchange rate from KRW to quote, effective from effectiveFrom, and re-prices
// the listing rows when it is already in effect.
func (s *Service) SetRate(ctx context.Context, quote kernel.Currency, rate string, effectiveFrom time.Time) (RateEntry, error) {
	r := RateEntry{ID: kernel.NewID(), Quote: quote, Rate: strings.TrimSpace(rate), EffectiveFrom: effectiveFrom.UTC().Truncate(time.Microsecond)}
	if err := r.Validate(); err != nil {
		return RateEntry{}, err
	}
	err := s.write(ctx, func(ctx context.Context, st Stores) error {
		if err := st.Catalog.SaveRate(ctx, r); err != nil {
			return err
		}
		// A future rate too: it moves the market's next price change (NextPriceChange).
		if err := st.Changes.CatalogChanged(ctx); err != nil {
			return err
		}
		if r.EffectiveFrom.After(s.now()) {
			return nil
		}
		return s.reprice(ctx, st)
	})
	return r, err
}

// RepriceListings recomputes every listing's price from current rates and prices. Run it as a job
// (catalog.reprice) so future-dated rates reach the list's sort key once they take effect.
func (s *Service) RepriceListings(ctx context.Context) error {
	return s.tx.Do(ctx, func(ctx context.Context, st Stores) error { return s.reprice(ctx, st) })
}

func (s *Service) reprice(ctx context.Context, st Stores) error {
	ids, err := st.Catalog.ProductIDs(ctx)
	if err != nil || len(ids) == 0 {
		return err
	}
	products, err := st.Catalog.Products(ctx, ids)
	if err != nil {
		return err
	}
	pricers, err := s.listingPricers(ctx, st, s.now())
	if err != nil {
		return err
	}
	// Most runs find every listing priced already (a rate that takes effect at once reprices in
	// SaveRate): only rows whose price moved are written, and only then are every instance's
	// rendered list pages dropped.
	changed := false
	for _, p := range products {
		listings, err := Listings(p, pricers, nil)
		if err != nil {
			return err
		}
		c, err := st.Catalog.SaveListings(ctx, p.ID, listings)
		if err != nil {
			return err
		}
		changed = changed || c
	}
	if !changed {
		return nil
	}
	return st.Changes.ListingsChanged(ctx)
}

// SavePromotion creates or updates a promotion; an empty id is assigned.
func (s *Service) SavePromotion(ctx context.Context, p Promotion) (Promotion, error) {
	p = p.Clone()
	if p.ID == "" {
		p.ID = kernel.NewID()
	}
	p.StartsAt = p.StartsAt.UTC().Truncate(time.Microsecond)
	p.EndsAt = p.EndsAt.UTC().Truncate(time.Microsecond)
	if err := p.Validate(); err != nil {
		return Promotion{}, err
	}
	err := s.write(ctx, func(ctx context.Context, st Stores) error {
		cats, err := st.Catalog.Categories(ctx)
		if err != nil {
			return err
		}
		tree := NewCategoryTree(cats)
		for _, id := range p.CategoryIDs {
			if _, ok := tree.Get(id); !ok {
				return ErrCategoryNotFound.WithField("targets", "UNKNOWN_CATEGORY", "no category "+id)
			}
		}
		found, err := st.Catalog.Products(ctx, p.ProductIDs)
		if err != nil {
			return err
		}
		if len(found) != len(p.ProductIDs) {
			return ErrProductNotFound.WithField("targets", "UNKNOWN_PRODUCT", "a target product does not exist")
		}
		if err := st.Catalog.SavePromotion(ctx, p); err != nil {
			return err
		}
		return st.Changes.CatalogChanged(ctx)
	})
	return p, err
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }
