package memory

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jupang/jupang/core/cart"
	"github.com/jupang/jupang/core/kernel"
)

// cartRow is a carts row: the cart without its lines.
type cartRow = cart.Cart

// cartItemRow is a cart_items row.
type cartItemRow struct {
	CartID string
	cart.Item
}

// cartTables are the carts area's tables, with the indexes of 00005_carts.sql.
type cartTables struct {
	Carts *Table[string, cartRow]
	// ActiveByOwner is the unique key of an owner's ACTIVE cart (carts_one_active_per_user and
	// carts_one_active_per_session): owner key → cart id.
	ActiveByOwner *Table[string, string]
	Items         *Table[string, cartItemRow]
	// ItemsByCartSKU is cart_items_cart_sku_key: cart id + SKU id → item id.
	ItemsByCartSKU *Table[string, string]
}

var (
	// cartsBySession finds a session's carts, newest first.
	cartsBySession = &Index[cartRow]{
		Group: func(c cartRow) string { return string(c.Owner.SessionID) },
		Order: func(a, b cartRow) int { return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID)) },
		Where: func(c cartRow) bool { return c.Owner.SessionID != "" },
	}
	// cartsByExpiry finds the carts past their expiry (carts_expires_at_idx).
	cartsByExpiry = &Index[cartRow]{
		Order: func(a, b cartRow) int { return a.ExpiresAt.Compare(b.ExpiresAt) },
		Where: func(c cartRow) bool { return !c.ExpiresAt.IsZero() },
	}
	// itemsByCart finds a cart's lines, oldest first.
	itemsByCart = &Index[cartItemRow]{
		Group: func(r cartItemRow) string { return r.CartID },
		Order: func(a, b cartItemRow) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
		},
	}
)

func newCartTables() cartTables {
	return cartTables{
		Carts:          newTable(strings.Compare, cartsBySession, cartsByExpiry),
		ActiveByOwner:  newTable[string, string](strings.Compare),
		Items:          newTable(strings.Compare, itemsByCart),
		ItemsByCartSKU: newTable[string, string](strings.Compare),
	}
}

func ownerKey(o cart.Owner) string {
	if o.IsGuest() {
		return "s:" + string(o.SessionID)
	}
	return "u:" + o.UserID
}

// CartStores builds cart.Stores for a unit of work.
func CartStores(tx *Tx) cart.Stores {
	r := &CartRepository{state: func(context.Context) *State { return tx.State }, tx: tx}
	return cart.Stores{Carts: r, Stock: r, Purchases: &Purchases{tx: tx}}
}

// NewCartReads returns the cart.Stores GET /v1/carts/current reads outside a unit of work: over
// the committed state (or the caller's open unit of work). Its writes fail.
func NewCartReads(store *Store) cart.Stores {
	r := &CartRepository{state: store.Snapshot}
	return cart.Stores{Carts: r, Stock: r, Purchases: NewPurchaseReads(store)}
}

// CartRepository is the in-memory cart.Carts, and cart.Stock on the inventory area's table.
type CartRepository struct {
	state func(ctx context.Context) *State
	tx    *Tx // nil for reads outside a unit of work
}

var errCartReadOnly = errors.New("memory: cart write outside a unit of work")

func (r *CartRepository) load(ctx context.Context, id string) (cart.Cart, bool) {
	st := r.state(ctx)
	c, ok := st.Cart.Carts.Get(id)
	if !ok {
		return cart.Cart{}, false
	}
	c.Items = nil
	for _, it := range st.Cart.Items.Ascend(itemsByCart, Seek[cartItemRow]{Group: id}) {
		it.ProductID, _ = st.Catalog.SKUProducts.Get(it.SKUID)
		c.Items = append(c.Items, it.Item)
	}
	return c, true
}

// Active implements cart.Carts.
func (r *CartRepository) Active(ctx context.Context, o cart.Owner) (cart.Cart, bool, error) {
	id, ok := r.state(ctx).Cart.ActiveByOwner.Get(ownerKey(o))
	if !ok {
		return cart.Cart{}, false, nil
	}
	c, ok := r.load(ctx, id)
	return c, ok, nil
}

// LockActive implements cart.Carts; units of work that write run one at a time, so the cart is
// as good as locked.
func (r *CartRepository) LockActive(ctx context.Context, o cart.Owner, fresh cart.Cart) (cart.Cart, error) {
	if r.tx == nil {
		return cart.Cart{}, errCartReadOnly
	}
	if c, ok, err := r.Active(ctx, o); ok || err != nil {
		return c, err
	}
	t := &r.tx.State.Cart
	fresh.Items = nil
	Mutable(r.tx, &t.Carts).Put(fresh.ID, fresh)
	Mutable(r.tx, &t.ActiveByOwner).Put(ownerKey(o), fresh.ID)
	return fresh, nil
}

// LockLatestOfSession implements cart.Carts.
func (r *CartRepository) LockLatestOfSession(ctx context.Context, s kernel.SessionID) (cart.Cart, bool, error) {
	if r.tx == nil {
		return cart.Cart{}, false, errCartReadOnly
	}
	latest, ok := first(r.tx.State.Cart.Carts.Ascend(cartsBySession, Seek[cartRow]{Group: string(s)}))
	if !ok {
		return cart.Cart{}, false, nil
	}
	c, ok := r.load(ctx, latest.ID)
	return c, ok, nil
}

// SaveHeader implements cart.Carts.
func (r *CartRepository) SaveHeader(_ context.Context, c cart.Cart) error {
	if r.tx == nil {
		return errCartReadOnly
	}
	t := &r.tx.State.Cart
	prev, ok := t.Carts.Get(c.ID)
	if !ok {
		return errors.New("memory: SaveHeader of an unknown cart")
	}
	c.Owner, c.CreatedAt, c.Items = prev.Owner, prev.CreatedAt, nil
	if prev.Status == cart.StatusActive && c.Status != cart.StatusActive {
		Mutable(r.tx, &t.ActiveByOwner).Delete(ownerKey(prev.Owner))
	}
	Mutable(r.tx, &t.Carts).Put(c.ID, c)
	return nil
}

// PutItem implements cart.Carts.
func (r *CartRepository) PutItem(_ context.Context, cartID string, it cart.Item) (cart.Item, error) {
	if r.tx == nil {
		return cart.Item{}, errCartReadOnly
	}
	t := &r.tx.State.Cart
	key := cartID + "/" + it.SKUID
	if id, ok := t.ItemsByCartSKU.Get(key); ok {
		row, _ := t.Items.Get(id)
		row.Quantity, row.UpdatedAt = it.Quantity, it.UpdatedAt
		Mutable(r.tx, &t.Items).Put(id, row)
		row.ProductID = it.ProductID
		return row.Item, nil
	}
	Mutable(r.tx, &t.Items).Put(it.ID, cartItemRow{CartID: cartID, Item: it})
	Mutable(r.tx, &t.ItemsByCartSKU).Put(key, it.ID)
	return it, nil
}

// RemoveItem implements cart.Carts.
func (r *CartRepository) RemoveItem(_ context.Context, cartID, itemID string) (bool, error) {
	if r.tx == nil {
		return false, errCartReadOnly
	}
	t := &r.tx.State.Cart
	row, ok := t.Items.Get(itemID)
	if !ok || row.CartID != cartID {
		return false, nil
	}
	Mutable(r.tx, &t.Items).Delete(itemID)
	Mutable(r.tx, &t.ItemsByCartSKU).Delete(cartID + "/" + row.SKUID)
	return true, nil
}

// ProductsOfSKUs implements cart.Carts.
func (r *CartRepository) ProductsOfSKUs(ctx context.Context, skuIDs []string) (map[string]string, error) {
	t := r.state(ctx).Catalog.SKUProducts
	out := make(map[string]string, len(skuIDs))
	for _, id := range skuIDs {
		if p, ok := t.Get(id); ok {
			out[id] = p
		}
	}
	return out, nil
}

// DeleteExpired implements cart.Carts.
func (r *CartRepository) DeleteExpired(_ context.Context, now time.Time, limit int) (int, error) {
	if r.tx == nil {
		return 0, errCartReadOnly
	}
	t := &r.tx.State.Cart
	var doomed []cartRow
	for _, c := range t.Carts.Ascend(cartsByExpiry, Seek[cartRow]{}) {
		if c.ExpiresAt.After(now) || len(doomed) == limit {
			break
		}
		doomed = append(doomed, c)
	}
	for _, c := range doomed {
		for _, it := range t.Items.Ascend(itemsByCart, Seek[cartItemRow]{Group: c.ID}) {
			Mutable(r.tx, &t.Items).Delete(it.ID)
			Mutable(r.tx, &t.ItemsByCartSKU).Delete(c.ID + "/" + it.SKUID)
		}
		if id, ok := t.ActiveByOwner.Get(ownerKey(c.Owner)); ok && id == c.ID {
			Mutable(r.tx, &t.ActiveByOwner).Delete(ownerKey(c.Owner))
		}
		Mutable(r.tx, &t.Carts).Delete(c.ID)
	}
	return len(doomed), nil
}

// Available implements cart.Stock on inventory's rows.
func (r *CartRepository) Available(ctx context.Context, skuIDs []string) (map[string]int, error) {
	st := r.state(ctx)
	out := make(map[string]int, len(skuIDs))
	for _, id := range slices.Compact(slices.Sorted(slices.Values(skuIDs))) {
		if l, ok := st.Inventory.Levels.Get(id); ok {
			out[id] = l.Available()
		}
	}
	return out, nil
}
