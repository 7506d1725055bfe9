package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/order"
)

// OrderStores builds order.Stores on q (the primary, inside a unit of work); the order's coupon is
// redeemed on the coupons area's stores of the same transaction.
func OrderStores(q Querier) order.Stores {
	return order.Stores{Orders: &Orders{q: q}, Purchases: &Purchases{q: q}, Inventory: InventoryStores(q),
		Wallet: WalletStores(q), Coupons: coupon.Redemptions{St: CouponStores(q)}, Carts: CartStores(q).Carts, Outbox: NewOutbox(q)}
}

// Orders is order.Repository on orders, order_items, order_status_history and payments.
type Orders struct{ q Querier }

type orderRow struct {
	ID              string         `db:"id"`
	Number          string         `db:"number"`
	UserID          string         `db:"user_id"`
	Market          string         `db:"market"`
	Currency        string         `db:"currency"`
	Status          string         `db:"status"`
	Subtotal        int64          `db:"subtotal"`
	ItemDiscount    int64          `db:"item_discount"`
	CouponDiscount  int64          `db:"coupon_discount"`
	ShippingFee     int64          `db:"shipping_fee"`
	Tax             int64          `db:"tax"`
	TaxIncluded     bool           `db:"tax_included"`
	Total           int64          `db:"total"`
	WalletPaid      int64          `db:"wallet_paid"`
	CardPaid        int64          `db:"card_paid"`
	WalletDebitKRW  int64          `db:"wallet_debit_krw"`
	RefundedAmount  int64          `db:"refunded_amount"`
	UserCouponID    sql.NullString `db:"user_coupon_id"`
	ShippingAddress []byte         `db:"shipping_address"`
	PaymentDeadline sql.NullTime   `db:"payment_deadline"`
	CancelReason    sql.NullString `db:"cancel_reason"`
	PaidAt          sql.NullTime   `db:"paid_at"`
	ShippedAt       sql.NullTime   `db:"shipped_at"`
	DeliveredAt     sql.NullTime   `db:"delivered_at"`
	CancelledAt     sql.NullTime   `db:"cancelled_at"`
	Version         int            `db:"version"`
	IdempotencyKey  sql.NullString `db:"idempotency_key"`
	CreatedAt       time.Time      `db:"created_at"`
	UpdatedAt       time.Time      `db:"updated_at"`
}

const orderColumns = `id, number, user_id, market, currency, status, subtotal, item_discount, coupon_discount, shipping_fee,
	tax, tax_included, total, wallet_paid, card_paid, wallet_debit_krw, refunded_amount, user_coupon_id, shipping_address,
	payment_deadline, cancel_reason, paid_at, shipped_at, delivered_at, cancelled_at, version, idempotency_key, created_at, updated_at`

type itemRow struct {
	ID               string         `db:"id"`
	OrderID          string         `db:"order_id"`
	SKUID            string         `db:"sku_id"`
	ProductID        string         `db:"product_id"`
	Name             string         `db:"name"`
	SKUCode          string         `db:"sku_code"`
	Attributes       []byte         `db:"attributes"`
	UnitPrice        int64          `db:"unit_price"`
	Quantity         int            `db:"quantity"`
	Discount         int64          `db:"discount"`
	CouponShare      int64          `db:"coupon_share"`
	LineTotal        int64          `db:"line_total"`
	PromotionID      sql.NullString `db:"promotion_id"`
	RefundedQuantity int            `db:"refunded_quantity"`
}

type historyRow struct {
	ID        string         `db:"id"`
	OrderID   string         `db:"order_id"`
	From      sql.NullString `db:"from_status"`
	To        string         `db:"to_status"`
	Reason    string         `db:"reason"`
	ActorType string         `db:"actor_type"`
	ActorID   sql.NullString `db:"actor_id"`
	CreatedAt time.Time      `db:"created_at"`
}

type paymentRow struct {
	ID            string         `db:"id"`
	OrderID       string         `db:"order_id"`
	Method        string         `db:"method"`
	Status        string         `db:"status"`
	Amount        int64          `db:"amount"`
	CardBrand     sql.NullString `db:"card_brand"`
	CardLast4     sql.NullString `db:"card_last4"`
	GatewayRef    sql.NullString `db:"gateway_ref"`
	FailureCode   sql.NullString `db:"failure_code"`
	CardToken     sql.NullString `db:"card_token"`
	Attempts      int            `db:"attempts"`
	NextAttemptAt sql.NullTime   `db:"next_attempt_at"`
	ApprovedAt    sql.NullTime   `db:"approved_at"`
}

// createOrder is Orders.Create's one statement: the order row, and from arrays its lines, its
// timeline and its payments (the foreign keys to the new row are checked at the statement's end).
const createOrder = `
WITH o AS (
    INSERT INTO orders (id, number, user_id, market, currency, status, subtotal, item_discount, coupon_discount, shipping_fee,
                        tax, tax_included, total, wallet_paid, card_paid, wallet_debit_krw, user_coupon_id, shipping_address,
                        payment_deadline, paid_at, version, idempotency_key, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23)
), lines AS (
    INSERT INTO order_items (id, order_id, sku_id, product_id, name, sku_code, attributes, unit_price, quantity, discount,
                             coupon_share, line_total, promotion_id)
    SELECT l.id, $1, l.sku_id, l.product_id, l.name, l.sku_code, l.attributes::jsonb, l.unit_price, l.quantity, l.discount,
           l.coupon_share, l.line_total, l.promotion_id
      FROM unnest($24::uuid[], $25::uuid[], $26::uuid[], $27::text[], $28::text[], $29::text[], $30::bigint[], $31::int[],
                  $32::bigint[], $33::bigint[], $34::bigint[], $35::uuid[])
           AS l (id, sku_id, product_id, name, sku_code, attributes, unit_price, quantity, discount, coupon_share, line_total, promotion_id)
), timeline AS (
    INSERT INTO order_status_history (id, order_id, from_status, to_status, reason, actor_type, actor_id, created_at)
    SELECT e.id, $1, e.from_status, e.to_status, e.reason, e.actor_type, e.actor_id, e.at
      FROM unnest($36::uuid[], $37::text[], $38::text[], $39::text[], $40::text[], $41::uuid[], $42::timestamptz[])
           AS e (id, from_status, to_status, reason, actor_type, actor_id, at)
)
INSERT INTO payments (id, order_id, method, status, amount, currency, card_token, attempts, next_attempt_at, approved_at,
                      created_at, updated_at)
SELECT p.id, $1, p.method, p.status, p.amount, $5, p.card_token, p.attempts, p.next_attempt_at, p.approved_at, $23, $23
  FROM unnest($43::uuid[], $44::text[], $45::text[], $46::bigint[], $47::text[], $48::int[], $49::timestamptz[], $50::timestamptz[])
       AS p (id, method, status, amount, card_token, attempts, next_attempt_at, approved_at)`

// optional is s, or nil (NULL in an array) when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Create implements order.Repository in one round trip (createOrder): the order, its lines, its
// timeline and its payments (the wallet part approved at once, the card part as it stands).
func (s *Orders) Create(ctx context.Context, o order.Order) error {
	a := o.ShippingAddress
	address, err := json.Marshal(addressJSON{Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2, City: a.City,
		Region: a.Region, PostalCode: a.PostalCode, Country: a.Country})
	if err != nil {
		return err
	}
	n := len(o.Lines)
	lineIDs, skus, products, names, codes, attrs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	prices, quantities, discounts, shares, totals := make([]int64, n), make([]int32, n), make([]int64, n), make([]int64, n), make([]int64, n)
	promotions := make([]*string, n)
	for i, l := range o.Lines {
		b, err := json.Marshal(orEmpty(l.Attributes))
		if err != nil {
			return err
		}
		lineIDs[i], skus[i], products[i], names[i], codes[i], attrs[i] = l.ID, l.SKUID, l.ProductID, l.Name, l.SKUCode, string(b)
		prices[i], quantities[i], discounts[i], shares[i], totals[i] = l.UnitPrice, int32(l.Quantity), l.Discount, l.CouponShare, l.LineTotal //nolint:gosec // 1..999, checked by the core
		promotions[i] = optional(l.PromotionID)
	}
	t := len(o.Timeline)
	entryIDs, froms, tos, reasons := make([]string, t), make([]*string, t), make([]string, t), make([]string, t)
	actorTypes, actorIDs, ats := make([]string, t), make([]*string, t), make([]time.Time, t)
	for i, e := range o.Timeline {
		entryIDs[i], froms[i], tos[i], reasons[i] = e.ID, optional(string(e.From)), string(e.To), e.Reason
		actorTypes[i], actorIDs[i], ats[i] = string(e.Actor.Type), optional(e.Actor.ID), e.At
	}
	payIDs, methods, statuses, amounts := make([]string, 0, 2), make([]string, 0, 2), make([]string, 0, 2), make([]int64, 0, 2)
	tokens, attempts, nextAt, approvedAt := make([]*string, 0, 2), make([]int32, 0, 2), make([]*time.Time, 0, 2), make([]*time.Time, 0, 2)
	if o.Amounts.WalletPaid > 0 {
		payIDs, methods, statuses, amounts = append(payIDs, kernel.NewID()), append(methods, "WALLET"), append(statuses, "APPROVED"), append(amounts, o.Amounts.WalletPaid)
		tokens, attempts, nextAt, approvedAt = append(tokens, nil), append(attempts, 0), append(nextAt, nil), append(approvedAt, &o.CreatedAt)
	}
	if c := o.Payment.Card; c != nil {
		payIDs, methods, statuses, amounts = append(payIDs, c.ID), append(methods, "CARD"), append(statuses, string(c.Status)), append(amounts, c.Amount)
		tokens, attempts = append(tokens, optional(c.Token)), append(attempts, int32(c.Attempts)) //nolint:gosec // a retry count
		nextAt, approvedAt = append(nextAt, c.NextAttemptAt), append(approvedAt, nil)
	}
	m := o.Amounts
	_, err = s.q.ExecContext(ctx, createOrder,
		o.ID, o.Number, o.UserID, string(o.Market), o.Currency.Code, string(o.Status), m.Subtotal, m.ItemDiscount, m.CouponDiscount,
		m.ShippingFee, m.Tax, m.TaxIncluded, m.Total, m.WalletPaid, m.CardPaid, m.WalletDebitKRW, nullString(o.UserCouponID), address,
		orderNullTime(o.PaymentDeadline), orderNullTime(o.PaidAt), o.Version, nullString(o.IdempotencyKey), o.CreatedAt,
		lineIDs, skus, products, names, codes, attrs, prices, quantities, discounts, shares, totals, promotions,
		entryIDs, froms, tos, reasons, actorTypes, actorIDs, ats,
		payIDs, methods, statuses, amounts, tokens, attempts, nextAt, approvedAt)
	if IsUniqueViolation(err, "orders_user_idempotency_key") {
		return order.ErrOrderKeyTaken
	}
	return err
}

// insertTimeline stores timeline entries; entries already stored are skipped.
func (s *Orders) insertTimeline(ctx context.Context, orderID string, entries []order.TimelineEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var b strings.Builder
	args := make([]any, 0, len(entries)*8)
	b.WriteString(`INSERT INTO order_status_history (id, order_id, from_status, to_status, reason, actor_type, actor_id, created_at) VALUES `)
	for i, e := range entries {
		if i > 0 {
			b.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8)
		args = append(args, e.ID, orderID, nullString(string(e.From)), string(e.To), e.Reason, string(e.Actor.Type), nullString(e.Actor.ID), e.At)
	}
	b.WriteString(" ON CONFLICT (id) DO NOTHING")
	_, err := s.q.ExecContext(ctx, b.String(), args...)
	return err
}

// ByID implements order.Repository.
func (s *Orders) ByID(ctx context.Context, id string) (order.Order, error) {
	return s.one(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = $1`, id)
}

// Lock implements order.Repository.
func (s *Orders) Lock(ctx context.Context, id string) (order.Order, error) {
	return s.one(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = $1 FOR UPDATE`, id)
}

// ByIdempotencyKey implements order.Repository.
func (s *Orders) ByIdempotencyKey(ctx context.Context, userID, key string) (order.Order, error) {
	return s.one(ctx, `SELECT `+orderColumns+` FROM orders WHERE user_id = $1 AND idempotency_key = $2`, userID, key)
}

func (s *Orders) one(ctx context.Context, query string, args ...any) (order.Order, error) {
	os, err := s.many(ctx, query, args...)
	if err != nil {
		return order.Order{}, err
	}
	if len(os) == 0 {
		return order.Order{}, order.ErrOrderNotFound
	}
	return os[0], nil
}

// many loads the orders query selects, with their lines, timelines and payments, in its order.
func (s *Orders) many(ctx context.Context, query string, args ...any) ([]order.Order, error) {
	var rows []orderRow
	if err := s.q.SelectContext(ctx, &rows, query, args...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var items []itemRow
	if err := s.q.SelectContext(ctx, &items, `SELECT id, order_id, sku_id, product_id, name, sku_code, attributes, unit_price,
		quantity, discount, coupon_share, line_total, promotion_id, refunded_quantity FROM order_items WHERE order_id = ANY($1)
		ORDER BY order_id, unit_price * quantity DESC, id`, ids); err != nil {
		return nil, err
	}
	var history []historyRow
	if err := s.q.SelectContext(ctx, &history, `SELECT id, order_id, from_status, to_status, reason, actor_type, actor_id, created_at
		FROM order_status_history WHERE order_id = ANY($1) ORDER BY order_id, created_at, id`, ids); err != nil {
		return nil, err
	}
	var payments []paymentRow
	if err := s.q.SelectContext(ctx, &payments, `SELECT id, order_id, method, status, amount, card_brand, card_last4, gateway_ref,
		failure_code, card_token, attempts, next_attempt_at, approved_at FROM payments WHERE order_id = ANY($1)`, ids); err != nil {
		return nil, err
	}
	out := make([]order.Order, len(rows))
	index := make(map[string]int, len(rows))
	for i, r := range rows {
		o, err := r.order()
		if err != nil {
			return nil, err
		}
		out[i], index[r.ID] = o, i
	}
	for _, it := range items {
		var attrs map[string]string
		if err := json.Unmarshal(it.Attributes, &attrs); err != nil {
			return nil, err
		}
		o := &out[index[it.OrderID]]
		o.Lines = append(o.Lines, order.Line{ID: it.ID, SKUID: it.SKUID, ProductID: it.ProductID, Name: it.Name, SKUCode: it.SKUCode,
			Attributes: attrs, UnitPrice: it.UnitPrice, Quantity: it.Quantity, Discount: it.Discount, CouponShare: it.CouponShare,
			LineTotal: it.LineTotal, PromotionID: it.PromotionID.String, RefundedQuantity: it.RefundedQuantity})
	}
	for _, h := range history {
		o := &out[index[h.OrderID]]
		o.Timeline = append(o.Timeline, order.TimelineEntry{ID: h.ID, From: order.Status(h.From.String), To: order.Status(h.To),
			Reason: h.Reason, Actor: order.Actor{Type: order.ActorType(h.ActorType), ID: h.ActorID.String}, At: h.CreatedAt.UTC()})
	}
	for _, p := range payments {
		if p.Method != string(order.MethodCard) {
			continue
		}
		out[index[p.OrderID]].Payment.Card = &order.CardPayment{ID: p.ID, Amount: p.Amount, Token: p.CardToken.String,
			Status: order.CardStatus(p.Status), Brand: p.CardBrand.String, Last4: p.CardLast4.String, GatewayRef: p.GatewayRef.String,
			FailureCode: p.FailureCode.String, Attempts: p.Attempts, NextAttemptAt: orderTime(p.NextAttemptAt), ApprovedAt: orderTime(p.ApprovedAt)}
	}
	return out, nil
}

func (r orderRow) order() (order.Order, error) {
	c, err := kernel.CurrencyOf(r.Currency)
	if err != nil {
		return order.Order{}, err
	}
	var a addressJSON
	if err := json.Unmarshal(r.ShippingAddress, &a); err != nil {
		return order.Order{}, err
	}
	o := order.Order{ID: r.ID, Number: r.Number, UserID: r.UserID, Market: kernel.Market(r.Market), Currency: c,
		Status: order.Status(r.Status), UserCouponID: r.UserCouponID.String, IdempotencyKey: r.IdempotencyKey.String,
		ShippingAddress: order.Address{Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2, City: a.City,
			Region: a.Region, PostalCode: a.PostalCode, Country: a.Country},
		PaymentDeadline: orderTime(r.PaymentDeadline), CancelReason: r.CancelReason.String, PaidAt: orderTime(r.PaidAt),
		ShippedAt: orderTime(r.ShippedAt), DeliveredAt: orderTime(r.DeliveredAt), CancelledAt: orderTime(r.CancelledAt),
		RefundedAmount: r.RefundedAmount, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	o.Amounts = order.Amounts{Subtotal: r.Subtotal, ItemDiscount: r.ItemDiscount, CouponDiscount: r.CouponDiscount,
		ShippingFee: r.ShippingFee, Tax: r.Tax, TaxIncluded: r.TaxIncluded, Total: r.Total, WalletPaid: r.WalletPaid,
		CardPaid: r.CardPaid, WalletDebitKRW: r.WalletDebitKRW}
	o.Payment = order.Payment{Method: order.MethodWallet, WalletAmount: r.WalletPaid}
	if r.CardPaid > 0 {
		o.Payment.Method = order.MethodCard
	}
	return o, nil
}

// Update implements order.Repository.
func (s *Orders) Update(ctx context.Context, o order.Order, version int) error {
	res, err := s.q.ExecContext(ctx, `
		UPDATE orders SET status = $3, payment_deadline = $4, cancel_reason = $5, paid_at = $6, shipped_at = $7, delivered_at = $8,
		       cancelled_at = $9, refunded_amount = $10, version = $11, updated_at = $12
		 WHERE id = $1 AND version = $2`,
		o.ID, version, string(o.Status), orderNullTime(o.PaymentDeadline), nullString(o.CancelReason), orderNullTime(o.PaidAt),
		orderNullTime(o.ShippedAt), orderNullTime(o.DeliveredAt), orderNullTime(o.CancelledAt), o.RefundedAmount, o.Version, o.UpdatedAt)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errs.ErrVersionConflict
	}
	if err := s.insertTimeline(ctx, o.ID, o.Timeline); err != nil {
		return err
	}
	if o.Status == order.Cancelled && o.Amounts.WalletPaid > 0 {
		if _, err := s.q.ExecContext(ctx, `UPDATE payments SET status = 'REFUNDED', refunded_amount = amount, updated_at = $2
			WHERE order_id = $1 AND method = 'WALLET' AND status <> 'REFUNDED'`, o.ID, o.UpdatedAt); err != nil {
			return err
		}
	}
	if c := o.Payment.Card; c != nil {
		_, err := s.q.ExecContext(ctx, `
			UPDATE payments SET status = $2, card_brand = $3, card_last4 = $4, gateway_ref = $5, failure_code = $6, card_token = $7,
			       attempts = $8, next_attempt_at = $9, approved_at = $10, updated_at = now(),
			       refunded_amount = CASE WHEN $2 = 'REFUNDED' THEN amount ELSE refunded_amount END
			 WHERE order_id = $1 AND method = 'CARD'`,
			o.ID, string(c.Status), nullString(c.Brand), nullString(c.Last4), nullString(c.GatewayRef), nullString(c.FailureCode),
			nullString(c.Token), c.Attempts, orderNullTime(c.NextAttemptAt), orderNullTime(c.ApprovedAt))
		return err
	}
	return nil
}

// List implements order.Repository on orders_user_created_idx / orders_user_status_created_idx.
func (s *Orders) List(ctx context.Context, q order.ListQuery) ([]order.Order, error) {
	where := []string{"user_id = $1"}
	args := []any{q.UserID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.Status != "" {
		add("status = $%d", string(q.Status))
	}
	if q.From != nil {
		add("created_at >= $%d", *q.From)
	}
	if q.To != nil {
		add("created_at < $%d", *q.To)
	}
	if q.AfterCreated != nil {
		args = append(args, *q.AfterCreated, q.AfterID)
		where = append(where, fmt.Sprintf("(created_at, id) < ($%d, $%d)", len(args)-1, len(args)))
	}
	args = append(args, q.Limit)
	return s.many(ctx, `SELECT `+orderColumns+` FROM orders WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d`, len(args)), args...)
}

// ExpiredPending implements order.Repository on orders_pending_deadline_idx.
func (s *Orders) ExpiredPending(ctx context.Context, now time.Time, limit int) ([]order.Order, error) {
	return s.many(ctx, `SELECT `+orderColumns+` FROM orders WHERE status = 'PENDING' AND payment_deadline < $1
		ORDER BY payment_deadline, id LIMIT $2 FOR UPDATE SKIP LOCKED`, now, limit)
}

// DueCardPayments implements order.Repository on payments_due_idx.
func (s *Orders) DueCardPayments(ctx context.Context, now time.Time, limit int) ([]order.Order, error) {
	var ids []string
	if err := s.q.SelectContext(ctx, &ids, `
		SELECT o.id FROM payments p JOIN orders o ON o.id = p.order_id
		 WHERE p.next_attempt_at IS NOT NULL AND p.next_attempt_at <= $1
		 ORDER BY p.next_attempt_at, p.order_id LIMIT $2 FOR UPDATE OF o, p SKIP LOCKED`, now, limit); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return s.many(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ANY($1) ORDER BY created_at, id`, ids)
}

// Purchases is order.PurchaseHistory on customer_product_purchases, and the cart.Purchases carts
// read the same counts through inside a unit of work (PurchaseReads outside one).
type Purchases struct{ q Querier }

// Add implements order.PurchaseHistory in one statement: every count is raised by an upsert that
// applies only within its limit (rows in product order, so two orders of one customer queue on
// the same rows instead of deadlocking); a purchase missing from what it returns was refused.
func (s *Purchases) Add(ctx context.Context, userID string, purchases []order.Purchase) (string, error) {
	n := len(purchases)
	products, quantities, limits := make([]string, n), make([]int32, n), make([]int32, n)
	for i, p := range purchases {
		if p.Limit > 0 && p.Quantity > p.Limit {
			return p.ProductID, nil
		}
		limit := p.Limit
		if limit == 0 {
			limit = math.MaxInt32 // no limit: the guard below always holds
		}
		products[i], quantities[i], limits[i] = p.ProductID, int32(p.Quantity), int32(limit) //nolint:gosec // bounded by the core (MaxQuantity, 100 lines)
	}
	var added []string
	err := s.q.SelectContext(ctx, &added, `
		INSERT INTO customer_product_purchases AS cp (user_id, product_id, quantity)
		SELECT $1, p.product_id, p.quantity FROM unnest($2::uuid[], $3::int[]) AS p (product_id, quantity) ORDER BY p.product_id
		ON CONFLICT (user_id, product_id) DO UPDATE
		   SET quantity = cp.quantity + EXCLUDED.quantity, updated_at = now()
		 WHERE cp.quantity::bigint + EXCLUDED.quantity <=
		       (SELECT l.lim FROM unnest($2::uuid[], $4::int[]) AS l (product_id, lim) WHERE l.product_id = cp.product_id)
		RETURNING product_id`, userID, products, quantities, limits)
	if err != nil {
		return "", err
	}
	for _, p := range purchases {
		if !slices.Contains(added, p.ProductID) {
			return p.ProductID, nil
		}
	}
	return "", nil
}

// Subtract implements order.PurchaseHistory.
func (s *Purchases) Subtract(ctx context.Context, userID, productID string, quantity int) error {
	_, err := s.q.ExecContext(ctx, `UPDATE customer_product_purchases SET quantity = GREATEST(0, quantity - $3), updated_at = now()
		WHERE user_id = $1 AND product_id = $2`, userID, productID, quantity)
	return err
}

// Bought implements order.PurchaseHistory.
func (s *Purchases) Bought(ctx context.Context, userID string, productIDs []string) (map[string]int, error) {
	var rows []struct {
		ProductID string `db:"product_id"`
		Quantity  int    `db:"quantity"`
	}
	if err := s.q.SelectContext(ctx, &rows, `SELECT product_id, quantity FROM customer_product_purchases
		WHERE user_id = $1 AND product_id = ANY($2) AND quantity > 0`, userID, productIDs); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.ProductID] = r.Quantity
	}
	return out, nil
}

// Purchased implements cart.Purchases.
func (s *Purchases) Purchased(ctx context.Context, userID string, productIDs []string) (map[string]int, error) {
	return s.Bought(ctx, userID, productIDs)
}

// PurchaseReads is cart.Purchases outside a unit of work, on the primary (a limit is checked right
// after the order that counted against it).
type PurchaseReads struct{ db *DB }

// NewPurchaseReads returns the reads on db.
func NewPurchaseReads(db *DB) PurchaseReads { return PurchaseReads{db: db} }

// Purchased implements cart.Purchases.
func (r PurchaseReads) Purchased(ctx context.Context, userID string, productIDs []string) (out map[string]int, err error) {
	err = r.db.read(ctx, func(ctx context.Context, q Querier) error {
		out, err = (&Purchases{q: q}).Bought(ctx, userID, productIDs)
		return err
	})
	return out, err
}

// Sales is catalog.SalesSource on orders and order_items: the ranking counts the lines of paid orders.
type Sales struct{ q Querier }

// PaidLines implements catalog.SalesSource.
func (r *Sales) PaidLines(ctx context.Context, from, to time.Time) ([]catalog.SaleLine, error) {
	var rows []struct {
		Market    string    `db:"market"`
		ProductID string    `db:"product_id"`
		PaidAt    time.Time `db:"paid_at"`
		Quantity  int64     `db:"quantity"`
		Refunded  int64     `db:"refunded_quantity"`
		LineTotal int64     `db:"line_total"`
	}
	err := r.q.SelectContext(ctx, &rows, `
		SELECT o.market, i.product_id, o.paid_at, i.quantity, i.refunded_quantity, i.line_total
		  FROM orders o JOIN order_items i ON i.order_id = o.id
		 WHERE o.paid_at >= $1 AND o.paid_at < $2 AND o.status = ANY($3::text[])`,
		from, to, catalog.PaidStatuses)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.SaleLine, len(rows))
	for i, row := range rows {
		out[i] = catalog.SaleLine{Market: kernel.Market(row.Market), ProductID: row.ProductID, PaidAt: row.PaidAt.UTC(),
			Quantity: row.Quantity, RefundedQuantity: row.Refunded, LineTotal: row.LineTotal}
	}
	return out, nil
}

// OrderNumbers is order.Numbers on order_number_days, on a small pool of its own. It takes the
// day's numbers in blocks (one statement moves the day's counter by orderNumberBlock) and hands
// them out from memory, so a checkout rarely pays a round trip for its number and the day's row,
// which every checkout of every process would otherwise update, is written once per block. A
// block left unused when the process stops is a gap, which the numbering allows; numbers from
// several processes interleave, each unique. The pool is its own because a checkout asks for its
// number while its unit of work (and the idempotency record's) holds a connection of the main pool:
// taken from that pool, a burst of more checkouts than connections left every connection held by a
// checkout waiting for a number (found by loadtest/order_create at 64 connections;
// TestOrderNumbersNeedNoConnectionOfTheMainPool).
type OrderNumbers struct {
	db   *sqlx.DB
	turn chan struct{} // a lock that gives up with the caller's context
	// The block being handed out: numbers next..last of day.
	day        string
	next, last int64
}

// orderNumberConns bounds the side pool: the statement is short and rare.
const orderNumberConns = 4

// orderNumberBlock is how many numbers one statement takes: at a few hundred checkouts a second a
// handful of statements, and a restart skips at most this many.
const orderNumberBlock = 100

// NewOrderNumbers opens the counters' pool on db's database; the cleanup closes it.
func NewOrderNumbers(db *DB) (*OrderNumbers, func(), error) {
	cfg := db.cfg
	cfg.MaxOpenConns, cfg.MaxIdleConns = orderNumberConns, orderNumberConns
	side, err := newPool(cfg)
	if err != nil {
		return nil, nil, err
	}
	return &OrderNumbers{db: side.DB, turn: make(chan struct{}, 1)}, func() { _ = side.Close() }, nil
}

// Next implements order.Numbers. Concurrent callers wait for the one taking a new block (a
// statement per orderNumberBlock numbers).
func (n *OrderNumbers) Next(ctx context.Context, day time.Time) (int64, error) {
	d := day.Format("2006-01-02")
	select {
	case n.turn <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	defer func() { <-n.turn }()
	if d != n.day || n.next > n.last {
		var last int64
		err := n.db.GetContext(ctx, &last, `
			INSERT INTO order_number_days (day, last_seq) VALUES ($1, $2)
			ON CONFLICT (day) DO UPDATE SET last_seq = order_number_days.last_seq + $2 RETURNING last_seq`, d, orderNumberBlock)
		if err != nil {
			return 0, err
		}
		n.day, n.next, n.last = d, last-orderNumberBlock+1, last
	}
	seq := n.next
	n.next++
	return seq, nil
}

// Customers reads default addresses from users (order.Customers).
type Customers struct{ db *DB }

// NewCustomers returns the reader on db.
func NewCustomers(db *DB) *Customers { return &Customers{db: db} }

// DefaultAddress implements order.Customers.
func (c *Customers) DefaultAddress(ctx context.Context, userID string) (*order.Address, error) {
	users := &Users{q: c.db.Q(ctx)}
	u, err := users.ByID(ctx, userID)
	if err != nil || u.DefaultAddress == nil {
		return nil, nil //nolint:nilerr // an unknown customer has no default address
	}
	a := *u.DefaultAddress
	return &a, nil
}
