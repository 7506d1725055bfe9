package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// CouponBuckets is how many rows a coupon's issue counter is spread over (00055_coupon_buckets.sql).
// Measured on this schema: one hot row collapses as connections grow, 16 rows keep claims from
// queueing on each other.
const CouponBuckets = 16

// CouponChannel is the NOTIFY channel that tells every instance a coupon may have reopened; the
// payload is the coupon's code.
const CouponChannel = "coupon_reopened"

// CouponStores builds coupon.Stores on q (tables of 00006_coupons.sql and 00055_coupon_buckets.sql).
func CouponStores(q Querier) coupon.Stores {
	return coupon.Stores{Coupons: &Coupons{q}, UserCoupons: &UserCoupons{q}, Issuer: &CouponIssuer{q}, Signals: couponSignals{q},
		Outbox: NewOutbox(q)}
}

// couponSignals NOTIFY in the unit of work's transaction, so listeners hear it once it commits.
type couponSignals struct{ q Querier }

func (s couponSignals) Reopened(ctx context.Context, code string) error {
	_, err := s.q.ExecContext(ctx, `SELECT pg_notify($1, $2)`, CouponChannel, coupon.NormalizeCode(code))
	return err
}

// Coupons is coupon.Coupons on coupons, coupon_translations, coupon_targets and coupon_buckets.
type Coupons struct{ q Querier }

type couponRow struct {
	ID             string         `db:"id"`
	Code           string         `db:"code"`
	Type           string         `db:"type"`
	Value          int64          `db:"value"`
	MaxDiscount    sql.NullInt64  `db:"max_discount_krw"`
	MinOrderAmount int64          `db:"min_order_amount_krw"`
	ValidFrom      time.Time      `db:"valid_from"`
	ValidUntil     time.Time      `db:"valid_until"`
	ValidDays      sql.NullInt32  `db:"valid_days"`
	TotalQuantity  sql.NullInt32  `db:"total_quantity"`
	PerUserLimit   int            `db:"per_user_limit"`
	Status         string         `db:"status"`
	Version        int            `db:"version"`
	CreatedBy      sql.NullString `db:"created_by"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
	Issued         int            `db:"issued"`
	Names          string         `db:"names"`
	Targets        string         `db:"targets"`
}

func (r couponRow) coupon() (coupon.Coupon, error) {
	c := coupon.Coupon{ID: r.ID, Code: r.Code, Type: coupon.Type(r.Type), Value: r.Value, MinOrderAmount: r.MinOrderAmount,
		ValidFrom: r.ValidFrom.UTC(), ValidUntil: r.ValidUntil.UTC(), PerUserLimit: r.PerUserLimit, Status: coupon.Status(r.Status),
		Version: r.Version, CreatedBy: r.CreatedBy.String, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Issued: r.Issued}
	if r.MaxDiscount.Valid {
		v := r.MaxDiscount.Int64
		c.MaxDiscount = &v
	}
	if r.ValidDays.Valid {
		v := int(r.ValidDays.Int32)
		c.ValidDays = &v
	}
	if r.TotalQuantity.Valid {
		v := int(r.TotalQuantity.Int32)
		c.TotalQuantity = &v
	}
	if r.Names != "" {
		var names map[string]string
		if err := json.Unmarshal([]byte(r.Names), &names); err != nil {
			return c, fmt.Errorf("coupon names: %w", err)
		}
		c.Name = catalog.Localized{}
		for l, n := range names {
			c.Name[kernel.Locale(l)] = n
		}
	}
	if r.Targets != "" {
		var targets [][3]*string
		if err := json.Unmarshal([]byte(r.Targets), &targets); err != nil {
			return c, fmt.Errorf("coupon targets: %w", err)
		}
		for _, t := range targets {
			switch {
			case t[0] != nil:
				c.Targets.Markets = append(c.Targets.Markets, kernel.Market(*t[0]))
			case t[1] != nil:
				c.Targets.CategoryIDs = append(c.Targets.CategoryIDs, *t[1])
			case t[2] != nil:
				c.Targets.ProductIDs = append(c.Targets.ProductIDs, *t[2])
			}
		}
	}
	return c, nil
}

const couponColumns = `c.id, c.code, c.type, c.value, c.max_discount_krw, c.min_order_amount_krw, c.valid_from, c.valid_until,
	c.valid_days, c.total_quantity, c.per_user_limit, c.status, c.version, c.created_by, c.created_at, c.updated_at`

const couponSelect = `
	SELECT ` + couponColumns + `,
	       COALESCE((SELECT sum(b.issued) FROM coupon_buckets b WHERE b.coupon_id = c.id), 0)::int AS issued,
	       COALESCE((SELECT json_object_agg(t.locale, t.name) FROM coupon_translations t WHERE t.coupon_id = c.id), '{}')::text AS names,
	       COALESCE((SELECT json_agg(json_build_array(t.market, t.category_id, t.product_id) ORDER BY t.id)
	                   FROM coupon_targets t WHERE t.coupon_id = c.id), '[]')::text AS targets
	  FROM coupons c`

func nullInt(p *int) sql.NullInt32 {
	if p == nil {
		return sql.NullInt32{}
	}
	return sql.NullInt32{Int32: int32(*p), Valid: true} //nolint:gosec // validated ranges fit
}

func nullInt64(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

func nullID(id string) sql.NullString { return sql.NullString{String: id, Valid: id != ""} }

// Create implements coupon.Coupons.
func (s *Coupons) Create(ctx context.Context, c coupon.Coupon) error {
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO coupons (id, code, type, value, max_discount_krw, min_order_amount_krw, valid_from, valid_until, valid_days,
		                     total_quantity, issued_count, per_user_limit, status, version, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $13, $14, $15, $16)`,
		c.ID, c.Code, string(c.Type), c.Value, nullInt64(c.MaxDiscount), c.MinOrderAmount, c.ValidFrom, c.ValidUntil, nullInt(c.ValidDays),
		nullInt(c.TotalQuantity), c.PerUserLimit, string(c.Status), c.Version, nullID(c.CreatedBy), c.CreatedAt, c.UpdatedAt)
	if IsUniqueViolation(err, "coupons_code_lower_key") {
		return coupon.ErrCodeTaken
	}
	if err != nil {
		return err
	}
	if err := s.saveTexts(ctx, c); err != nil {
		return err
	}
	buckets, caps := bucketShares(c.TotalQuantity, make([]int, CouponBuckets))
	_, err = s.q.ExecContext(ctx, `
		INSERT INTO coupon_buckets (coupon_id, bucket, open, capacity, issued)
		SELECT $1, v.bucket, $2, CASE WHEN $3 THEN NULL ELSE v.cap END, 0
		  FROM unnest($4::smallint[], $5::int[]) AS v(bucket, cap)`,
		c.ID, c.Status == coupon.StatusActive, c.TotalQuantity == nil, buckets, caps)
	return err
}

// bucketShares spreads what is left of total over the buckets on top of what each has issued: the
// buckets' numbers and capacities (meaningless when total is nil, unlimited).
func bucketShares(total *int, issued []int) ([]int16, []int32) {
	buckets, caps := make([]int16, len(issued)), make([]int32, len(issued))
	sum := 0
	for _, n := range issued {
		sum += n
	}
	left := 0
	if total != nil {
		left = max(0, *total-sum)
	}
	for i, n := range issued {
		share := left / len(issued)
		if i < left%len(issued) {
			share++
		}
		buckets[i], caps[i] = int16(i), int32(n+share) //nolint:gosec // bounded by validated totals
	}
	return buckets, caps
}

// saveTexts replaces a coupon's names and targets; targets keep the order given (ids are UUIDv7).
func (s *Coupons) saveTexts(ctx context.Context, c coupon.Coupon) error {
	if _, err := s.q.ExecContext(ctx, `DELETE FROM coupon_translations WHERE coupon_id = $1`, c.ID); err != nil {
		return err
	}
	if _, err := s.q.ExecContext(ctx, `DELETE FROM coupon_targets WHERE coupon_id = $1`, c.ID); err != nil {
		return err
	}
	for _, l := range kernel.Locales {
		if _, err := s.q.ExecContext(ctx, `INSERT INTO coupon_translations (coupon_id, locale, name) VALUES ($1, $2, $3)`,
			c.ID, string(l), c.Name[l]); err != nil {
			return err
		}
	}
	insert := func(market, category, product sql.NullString) error {
		_, err := s.q.ExecContext(ctx, `INSERT INTO coupon_targets (id, coupon_id, market, category_id, product_id) VALUES ($1, $2, $3, $4, $5)`,
			kernel.NewID(), c.ID, market, category, product)
		if IsForeignKeyViolation(err) {
			return errs.ErrValidation.WithField("targets", errs.FieldInvalidValue.Code, "a target category or product does not exist")
		}
		return err
	}
	none := sql.NullString{}
	for _, m := range c.Targets.Markets {
		if err := insert(nullID(string(m)), none, none); err != nil {
			return err
		}
	}
	for _, id := range c.Targets.CategoryIDs {
		if err := insert(none, nullID(id), none); err != nil {
			return err
		}
	}
	for _, id := range c.Targets.ProductIDs {
		if err := insert(none, none, nullID(id)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Coupons) one(ctx context.Context, where string, args ...any) (coupon.Coupon, error) {
	var r couponRow
	err := s.q.GetContext(ctx, &r, couponSelect+" "+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return coupon.Coupon{}, coupon.ErrNotFound
	}
	if err != nil {
		return coupon.Coupon{}, err
	}
	return r.coupon()
}

// ByID implements coupon.Coupons.
func (s *Coupons) ByID(ctx context.Context, id string) (coupon.Coupon, error) {
	if !kernel.IsID(id) {
		return coupon.Coupon{}, coupon.ErrNotFound
	}
	return s.one(ctx, `WHERE c.id = $1`, id)
}

// ByCode implements coupon.Coupons.
func (s *Coupons) ByCode(ctx context.Context, code string) (coupon.Coupon, error) {
	return s.one(ctx, `WHERE lower(c.code) = $1`, coupon.NormalizeCode(code))
}

// ForClaim implements coupon.Coupons: the coupon row alone, through coupons_code_lower_key, and the
// user's highest claim number of it, through user_coupons_claim_no_key.
func (s *Coupons) ForClaim(ctx context.Context, code, userID string) (coupon.Coupon, int, error) {
	var r struct {
		couponRow
		Held int `db:"held"`
	}
	err := s.q.GetContext(ctx, &r, `SELECT `+couponColumns+`, 0 AS issued, '' AS names, '' AS targets,
		       (SELECT COALESCE(max(u.claim_no), 0) FROM user_coupons u WHERE u.coupon_id = c.id AND u.user_id = $2) AS held
		  FROM coupons c WHERE lower(c.code) = $1`, coupon.NormalizeCode(code), userID)
	if errors.Is(err, sql.ErrNoRows) {
		return coupon.Coupon{}, 0, coupon.ErrNotFound
	}
	if err != nil {
		return coupon.Coupon{}, 0, err
	}
	c, err := r.coupon()
	return c, r.Held, err
}

// Lock implements coupon.Coupons: the coupon row, then every bucket in bucket order (claims hold at
// most one bucket and never lock the coupon row, so this order cannot deadlock with them). The
// coupon row is locked FOR NO KEY UPDATE: the key-share locks that claims' foreign-key checks take
// on it do not conflict with that, so an admin change never queues behind a flash sale.
func (s *Coupons) Lock(ctx context.Context, id string) (coupon.Coupon, error) {
	if !kernel.IsID(id) {
		return coupon.Coupon{}, coupon.ErrNotFound
	}
	c, err := s.one(ctx, `WHERE c.id = $1 FOR NO KEY UPDATE OF c`, id)
	if err != nil {
		return c, err
	}
	issued, err := s.lockBuckets(ctx, id)
	if err != nil {
		return c, err
	}
	c.Issued = 0
	for _, n := range issued {
		c.Issued += n
	}
	return c, nil
}

func (s *Coupons) lockBuckets(ctx context.Context, id string) ([]int, error) {
	var issued []int
	err := s.q.SelectContext(ctx, &issued, `SELECT issued FROM coupon_buckets WHERE coupon_id = $1 ORDER BY bucket FOR UPDATE`, id)
	return issued, err
}

// Update implements coupon.Coupons: the definition, then every bucket's open flag and capacity.
func (s *Coupons) Update(ctx context.Context, c coupon.Coupon) error {
	issued, err := s.lockBuckets(ctx, c.ID)
	if err != nil {
		return err
	}
	sum := 0
	for _, n := range issued {
		sum += n
	}
	if c.TotalQuantity != nil && *c.TotalQuantity < sum {
		return errs.ErrValidation.WithField("totalQuantity", coupon.FieldBelowIssued.Code, "below the coupons already issued")
	}
	res, err := s.q.ExecContext(ctx, `
		UPDATE coupons SET type = $2, value = $3, max_discount_krw = $4, min_order_amount_krw = $5, valid_from = $6,
		       valid_until = $7, valid_days = $8, total_quantity = $9, issued_count = $10, per_user_limit = $11,
		       status = $12, version = $13, updated_at = $14
		 WHERE id = $1`,
		c.ID, string(c.Type), c.Value, nullInt64(c.MaxDiscount), c.MinOrderAmount, c.ValidFrom, c.ValidUntil, nullInt(c.ValidDays),
		nullInt(c.TotalQuantity), sum, c.PerUserLimit, string(c.Status), c.Version, c.UpdatedAt)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(err, coupon.ErrNotFound)
	}
	if err := s.saveTexts(ctx, c); err != nil {
		return err
	}
	buckets, caps := bucketShares(c.TotalQuantity, issued)
	_, err = s.q.ExecContext(ctx, `
		UPDATE coupon_buckets b SET open = $2, capacity = CASE WHEN $3 THEN NULL ELSE v.cap END
		  FROM unnest($4::smallint[], $5::int[]) AS v(bucket, cap)
		 WHERE b.coupon_id = $1 AND b.bucket = v.bucket`,
		c.ID, c.Status == coupon.StatusActive, c.TotalQuantity == nil, buckets, caps)
	return err
}

// List implements coupon.Coupons (coupons_status_created_idx).
func (s *Coupons) List(ctx context.Context, status coupon.Status, after *coupon.Position, limit int) ([]coupon.Coupon, error) {
	var afterAt *time.Time
	afterID := ""
	if after != nil {
		afterAt, afterID = &after.CreatedAt, after.ID
	}
	var rows []couponRow
	err := s.q.SelectContext(ctx, &rows, couponSelect+`
		 WHERE ($1 = '' OR c.status = $1)
		   AND ($2::timestamptz IS NULL OR (c.created_at, c.id) < ($2, $3::uuid))
		 ORDER BY c.created_at DESC, c.id DESC LIMIT $4`, string(status), afterAt, nullID(afterID), limit)
	if err != nil {
		return nil, err
	}
	out := make([]coupon.Coupon, 0, len(rows))
	for _, r := range rows {
		c, err := r.coupon()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Take implements coupon.Coupons. It first takes one from a bucket that is open and has room,
// starting at a random bucket and skipping buckets other claims hold, so concurrent claims spread
// over the buckets instead of queueing. When every bucket with room is held, it waits for one; the
// UPDATE re-checks "open and room" on the row it locked, so a bucket that filled, or a pause that
// committed, while it waited is never overdrawn. Only when no bucket has room is the coupon sold
// out (or closed, when no bucket is open).
func (s *Coupons) Take(ctx context.Context, id string) (coupon.TakeResult, error) {
	start := rand.IntN(CouponBuckets) //nolint:gosec // spreading load, not a secret
	var bucket int
	err := s.q.GetContext(ctx, &bucket, `
		WITH pick AS (
			SELECT bucket FROM coupon_buckets
			 WHERE coupon_id = $1 AND open AND (capacity IS NULL OR issued < capacity)
			 ORDER BY (bucket + $2) % $3 LIMIT 1
			   FOR UPDATE SKIP LOCKED)
		UPDATE coupon_buckets b SET issued = b.issued + 1 FROM pick
		 WHERE b.coupon_id = $1 AND b.bucket = pick.bucket
		RETURNING b.bucket`, id, start, CouponBuckets)
	if err == nil {
		return coupon.Taken, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	for range 4 * CouponBuckets {
		err := s.q.GetContext(ctx, &bucket, `
			UPDATE coupon_buckets SET issued = issued + 1
			 WHERE coupon_id = $1 AND open AND (capacity IS NULL OR issued < capacity)
			   AND bucket = (SELECT bucket FROM coupon_buckets
			                  WHERE coupon_id = $1 AND open AND (capacity IS NULL OR issued < capacity)
			                  ORDER BY (bucket + $2) % $3 LIMIT 1)
			RETURNING bucket`, id, start, CouponBuckets)
		if err == nil {
			return coupon.Taken, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		var state struct {
			Open bool `db:"open"`
			Room bool `db:"room"`
		}
		if err := s.q.GetContext(ctx, &state, `
			SELECT COALESCE(bool_or(open), false) AS open,
			       COALESCE(bool_or(open AND (capacity IS NULL OR issued < capacity)), false) AS room
			  FROM coupon_buckets WHERE coupon_id = $1`, id); err != nil {
			return 0, err
		}
		switch {
		case !state.Open:
			return coupon.Closed, nil
		case !state.Room:
			return coupon.SoldOut, nil
		}
		// A bucket had room but filled while this claim waited for it: look again.
	}
	return 0, errs.ErrUnavailable.WithRetryAfter(time.Second).WithMessage("coupon %s: claims kept racing for the last buckets", id)
}

// CouponIssuer is coupon.Issuer: a claim's writes in one statement (issueClaim).
type CouponIssuer struct{ q Querier }

// issueClaim locks a bucket with room that no other claim holds (as Take's first statement does), and
// only then inserts the user coupon under its claim number if that is the next one (as
// UserCoupons.Claim does), and only if that inserted: its history row, its events (outboxEvents and
// outboxWrites, parameters $1–$9) and the bucket's one more. So it writes all of them or none.
const issueClaim = `
WITH pick AS (
    SELECT bucket FROM coupon_buckets
     WHERE coupon_id = $11 AND open AND (capacity IS NULL OR issued < capacity)
     ORDER BY (bucket + $26) % $27 LIMIT 1
       FOR UPDATE SKIP LOCKED
), claimed AS (
    INSERT INTO user_coupons (` + userCouponColumns + `)
    SELECT $10, $11, $12, $13, $14, $15, $16, $17 FROM pick
     WHERE $13 = (SELECT COALESCE(max(claim_no), 0) + 1 FROM user_coupons WHERE coupon_id = $11 AND user_id = $12)
    ON CONFLICT ON CONSTRAINT user_coupons_claim_no_key DO NOTHING
    RETURNING id
), taken AS (
    UPDATE coupon_buckets b SET issued = b.issued + 1 FROM pick
     WHERE b.coupon_id = $11 AND b.bucket = pick.bucket AND EXISTS (SELECT FROM claimed)
    RETURNING b.bucket
), history AS (
    INSERT INTO user_coupon_history (` + historyColumns + `)
    SELECT $18, $19, $20, $21, $22, $23, $24, $25 FROM claimed
), ev AS (` + outboxEvents + `
     WHERE EXISTS (SELECT FROM claimed)
), ` + outboxWrites + `, notified AS (` + outboxNotify + `)
SELECT EXISTS (SELECT FROM taken) AS taken, (SELECT count(*) FROM notified) AS notified`

// Issue implements coupon.Issuer.
func (s *CouponIssuer) Issue(ctx context.Context, uc coupon.UserCoupon, e coupon.HistoryEntry, events ...integration.Event) (bool, error) {
	args := append(outboxArgs(events),
		uc.ID, uc.CouponID, uc.UserID, uc.ClaimNo, string(uc.Status), uc.ClaimedAt, uc.ExpiresAt, uc.UpdatedAt,
		e.ID, e.UserCouponID, nullID(string(e.From)), string(e.To), e.Reason, nullID(e.OrderID), nullID(e.ActorID), e.At,
		rand.IntN(CouponBuckets), CouponBuckets) //nolint:gosec // spreading load, not a secret
	var r struct {
		Taken    bool `db:"taken"`
		Notified int  `db:"notified"`
	}
	err := s.q.GetContext(ctx, &r, issueClaim, args...)
	if IsForeignKeyViolation(err) {
		return false, errs.ErrUnauthenticated.Wrap(err) // no such user
	}
	return r.Taken, err
}

// userCouponColumns and historyColumns are what a claim inserts (UserCoupons.Claim and .AppendHistory,
// CouponIssuer).
const (
	userCouponColumns = `id, coupon_id, user_id, claim_no, status, claimed_at, expires_at, updated_at`
	historyColumns    = `id, user_coupon_id, from_status, to_status, reason, order_id, actor_id, created_at`
)

// UserCoupons is coupon.UserCoupons on user_coupons and user_coupon_history.
type UserCoupons struct{ q Querier }

type userCouponRow struct {
	ID           string         `db:"id"`
	CouponID     string         `db:"coupon_id"`
	UserID       string         `db:"user_id"`
	Code         string         `db:"code"`
	ClaimNo      int            `db:"claim_no"`
	Status       string         `db:"status"`
	ClaimedAt    time.Time      `db:"claimed_at"`
	ExpiresAt    time.Time      `db:"expires_at"`
	UsedAt       sql.NullTime   `db:"used_at"`
	UsedOrderID  sql.NullString `db:"used_order_id"`
	UsedDiscount sql.NullInt64  `db:"used_discount"`
	UsedCurrency sql.NullString `db:"used_currency"`
	UpdatedAt    time.Time      `db:"updated_at"`
}

func (r userCouponRow) userCoupon() coupon.UserCoupon {
	uc := coupon.UserCoupon{ID: r.ID, CouponID: r.CouponID, UserID: r.UserID, Code: r.Code, ClaimNo: r.ClaimNo,
		Status: coupon.UserStatus(r.Status), ClaimedAt: r.ClaimedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		UsedOrderID: r.UsedOrderID.String, UpdatedAt: r.UpdatedAt.UTC()}
	if r.UsedAt.Valid {
		at := r.UsedAt.Time.UTC()
		uc.UsedAt = &at
	}
	if r.UsedDiscount.Valid {
		if cur, err := kernel.CurrencyOf(r.UsedCurrency.String); err == nil {
			uc.UsedDiscount = kernel.NewMoney(r.UsedDiscount.Int64, cur)
		}
	}
	return uc
}

const userCouponSelect = `
	SELECT u.id, u.coupon_id, u.user_id, c.code, u.claim_no, u.status, u.claimed_at, u.expires_at, u.used_at,
	       u.used_order_id, u.used_discount, u.used_currency, u.updated_at
	  FROM user_coupons u JOIN coupons c ON c.id = u.coupon_id`

// maxClaimRounds bounds the claim-number loop: every lost round means another claim of the same
// user committed, so a user can lose at most perUserLimit rounds plus the ones rolled back.
const maxClaimRounds = 64

// Claim implements coupon.UserCoupons: INSERT the next claim number if it is within the limit; a
// concurrent claim of the same user that took the number first makes the insert do nothing (after
// waiting for that claim's transaction), and the next round reads the numbers again.
func (s *UserCoupons) Claim(ctx context.Context, uc coupon.UserCoupon, limit int) (coupon.UserCoupon, error) {
	for range maxClaimRounds {
		var claimNo int
		err := s.q.GetContext(ctx, &claimNo, `
			INSERT INTO user_coupons (`+userCouponColumns+`)
			SELECT $1, $2, $3, n.next, 'AVAILABLE', $4, $5, $4
			  FROM (SELECT COALESCE(max(claim_no), 0) + 1 AS next FROM user_coupons WHERE coupon_id = $2 AND user_id = $3) n
			 WHERE n.next <= $6
			ON CONFLICT ON CONSTRAINT user_coupons_claim_no_key DO NOTHING
			RETURNING claim_no`, uc.ID, uc.CouponID, uc.UserID, uc.ClaimedAt, uc.ExpiresAt, limit)
		if err == nil {
			uc.ClaimNo = claimNo
			return uc, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			if IsForeignKeyViolation(err) {
				return coupon.UserCoupon{}, errs.ErrUnauthenticated.Wrap(err) // no such user
			}
			return coupon.UserCoupon{}, err
		}
		var held int
		if err := s.q.GetContext(ctx, &held, `SELECT count(*) FROM user_coupons WHERE coupon_id = $1 AND user_id = $2`,
			uc.CouponID, uc.UserID); err != nil {
			return coupon.UserCoupon{}, err
		}
		if held >= limit {
			return coupon.UserCoupon{}, coupon.ErrAlreadyClaimed
		}
	}
	return coupon.UserCoupon{}, errs.ErrUnavailable.WithRetryAfter(time.Second).WithMessage("user %s kept racing own claims", uc.UserID)
}

func (s *UserCoupons) one(ctx context.Context, query string, args ...any) (coupon.UserCoupon, error) {
	var r userCouponRow
	err := s.q.GetContext(ctx, &r, query, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return coupon.UserCoupon{}, coupon.ErrUserCouponNotFound
	}
	if err != nil {
		return coupon.UserCoupon{}, err
	}
	return r.userCoupon(), nil
}

// ByID implements coupon.UserCoupons.
func (s *UserCoupons) ByID(ctx context.Context, id string) (coupon.UserCoupon, error) {
	if !kernel.IsID(id) {
		return coupon.UserCoupon{}, coupon.ErrUserCouponNotFound
	}
	return s.one(ctx, userCouponSelect+` WHERE u.id = $1`, id)
}

// Lock implements coupon.UserCoupons.
func (s *UserCoupons) Lock(ctx context.Context, id string) (coupon.UserCoupon, error) {
	if !kernel.IsID(id) {
		return coupon.UserCoupon{}, coupon.ErrUserCouponNotFound
	}
	return s.one(ctx, userCouponSelect+` WHERE u.id = $1 FOR UPDATE OF u`, id)
}

// Save implements coupon.UserCoupons.
func (s *UserCoupons) Save(ctx context.Context, uc coupon.UserCoupon) error {
	var discount sql.NullInt64
	var currency sql.NullString
	if uc.Status == coupon.UserUsed && uc.UsedDiscount.Currency.Code != "" {
		discount = sql.NullInt64{Int64: uc.UsedDiscount.Amount, Valid: true}
		currency = sql.NullString{String: uc.UsedDiscount.Currency.Code, Valid: true}
	}
	var usedAt sql.NullTime
	if uc.UsedAt != nil {
		usedAt = sql.NullTime{Time: *uc.UsedAt, Valid: true}
	}
	res, err := s.q.ExecContext(ctx, `
		UPDATE user_coupons SET status = $2, used_at = $3, used_order_id = $4, used_discount = $5, used_currency = $6, updated_at = $7
		 WHERE id = $1`, uc.ID, string(uc.Status), usedAt, nullID(uc.UsedOrderID), discount, currency, uc.UpdatedAt)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(err, coupon.ErrUserCouponNotFound)
	}
	return nil
}

// AppendHistory implements coupon.UserCoupons.
func (s *UserCoupons) AppendHistory(ctx context.Context, e coupon.HistoryEntry) error {
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO user_coupon_history (`+historyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.ID, e.UserCouponID, nullID(string(e.From)), string(e.To), e.Reason, nullID(e.OrderID), nullID(e.ActorID), e.At)
	if IsForeignKeyViolation(err) {
		return coupon.ErrUserCouponNotFound
	}
	return err
}

// History implements coupon.UserCoupons.
func (s *UserCoupons) History(ctx context.Context, id string) ([]coupon.HistoryEntry, error) {
	var rows []struct {
		ID      string         `db:"id"`
		From    sql.NullString `db:"from_status"`
		To      string         `db:"to_status"`
		Reason  string         `db:"reason"`
		OrderID sql.NullString `db:"order_id"`
		ActorID sql.NullString `db:"actor_id"`
		At      time.Time      `db:"created_at"`
	}
	if err := s.q.SelectContext(ctx, &rows, `
		SELECT id, from_status, to_status, reason, order_id, actor_id, created_at
		  FROM user_coupon_history WHERE user_coupon_id = $1 ORDER BY created_at, id`, id); err != nil {
		return nil, err
	}
	out := make([]coupon.HistoryEntry, len(rows))
	for i, r := range rows {
		out[i] = coupon.HistoryEntry{ID: r.ID, UserCouponID: id, From: coupon.UserStatus(r.From.String), To: coupon.UserStatus(r.To),
			Reason: r.Reason, OrderID: r.OrderID.String, ActorID: r.ActorID.String, At: r.At.UTC()}
	}
	return out, nil
}

func (s *UserCoupons) many(ctx context.Context, query string, args ...any) ([]coupon.UserCoupon, error) {
	var rows []userCouponRow
	if err := s.q.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]coupon.UserCoupon, len(rows))
	for i, r := range rows {
		out[i] = r.userCoupon()
	}
	return out, nil
}

// ListByUser implements coupon.UserCoupons (user_coupons_user_status_idx, user_coupons_user_claimed_idx).
func (s *UserCoupons) ListByUser(ctx context.Context, userID string, status coupon.UserStatus, after *coupon.UserPosition, limit int) ([]coupon.UserCoupon, error) {
	if !kernel.IsID(userID) {
		return []coupon.UserCoupon{}, nil
	}
	var afterAt *time.Time
	afterID := ""
	if after != nil {
		afterAt, afterID = &after.ClaimedAt, after.ID
	}
	return s.many(ctx, userCouponSelect+`
		 WHERE u.user_id = $1 AND ($2 = '' OR u.status = $2)
		   AND ($3::timestamptz IS NULL OR (u.claimed_at, u.id) < ($3, $4::uuid))
		 ORDER BY u.claimed_at DESC, u.id DESC LIMIT $5`, userID, string(status), afterAt, nullID(afterID), limit)
}

// Due implements coupon.UserCoupons (user_coupons_expiry_idx).
func (s *UserCoupons) Due(ctx context.Context, at time.Time, limit int) ([]coupon.UserCoupon, error) {
	return s.many(ctx, userCouponSelect+`
		 WHERE u.status = 'AVAILABLE' AND u.expires_at <= $1
		 ORDER BY u.expires_at LIMIT $2 FOR UPDATE OF u SKIP LOCKED`, at, limit)
}

// ByOrder implements coupon.UserCoupons (user_coupons_used_order_idx).
func (s *UserCoupons) ByOrder(ctx context.Context, orderID string) ([]coupon.UserCoupon, error) {
	if !kernel.IsID(orderID) {
		return []coupon.UserCoupon{}, nil
	}
	return s.many(ctx, userCouponSelect+` WHERE u.used_order_id = $1 ORDER BY u.id`, orderID)
}

// Stats implements coupon.UserCoupons (user_coupons_coupon_status_idx, user_coupons_coupon_claimed_idx).
func (s *UserCoupons) Stats(ctx context.Context, couponID string, since time.Time) (coupon.UsageStats, error) {
	out := coupon.UsageStats{ByStatus: map[coupon.UserStatus]int{}}
	var counts []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.q.SelectContext(ctx, &counts, `SELECT status, count(*) AS n FROM user_coupons WHERE coupon_id = $1 GROUP BY status`, couponID); err != nil {
		return out, err
	}
	for _, c := range counts {
		out.ByStatus[coupon.UserStatus(c.Status)] = c.N
	}
	var discounts []struct {
		Currency string `db:"used_currency"`
		Amount   int64  `db:"amount"`
	}
	if err := s.q.SelectContext(ctx, &discounts, `
		SELECT used_currency, sum(used_discount)::bigint AS amount FROM user_coupons
		 WHERE coupon_id = $1 AND status = 'USED' AND used_currency IS NOT NULL
		 GROUP BY used_currency ORDER BY used_currency`, couponID); err != nil {
		return out, err
	}
	for _, d := range discounts {
		cur, err := kernel.CurrencyOf(d.Currency)
		if err != nil {
			return out, err
		}
		out.Discounts = append(out.Discounts, kernel.NewMoney(d.Amount, cur))
	}
	var hours []struct {
		Hour time.Time `db:"hour"`
		N    int       `db:"n"`
	}
	if err := s.q.SelectContext(ctx, &hours, `
		SELECT date_trunc('hour', claimed_at AT TIME ZONE 'UTC') AS hour, count(*) AS n FROM user_coupons
		 WHERE coupon_id = $1 AND claimed_at >= $2 GROUP BY 1 ORDER BY 1`, couponID, since); err != nil {
		return out, err
	}
	for _, h := range hours {
		t := h.Hour
		out.Hourly = append(out.Hourly, coupon.HourCount{Hour: time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, time.UTC), Count: h.N})
	}
	slices.SortFunc(out.Hourly, func(a, b coupon.HourCount) int { return a.Hour.Compare(b.Hour) })
	return out, nil
}
