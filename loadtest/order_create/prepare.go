package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/wallet"
)

const (
	issuer       = "https://auth.jupang.test" // auth.issuer's default
	extraStock   = 1_000_000
	walletAmount = 100_000_000_000
	flowPassword = "order-load-1234"
)

// world is what setup made: the SKUs orders choose from, the customers with their tokens, and the
// shopper-flow customers with their passwords.
type world struct {
	key        auth.Key
	skus       []sku
	customers  []string // user ids
	tokens     []string // access tokens, by customer
	flowEmails []string
}

type sku struct{ id, productID string }

// prepare gives -skus SKUs sold in KR 1,000,000 more units (a RECEIVED adjustment by the seeded
// admin), opens -customers wallets with a deposit, signs their tokens, and signs up the shopper
// flow's customers (with the storefront's password hashing) with wallets of their own.
func prepare(ctx context.Context, db *postgres.DB, o options) (world, error) {
	var w world
	clock := kernel.SystemClock{}
	var b [6]byte
	copy(b[:], kernel.NewID())
	var err error
	if w.key, err = auth.GenerateKey("load-" + hex.EncodeToString(b[:])); err != nil {
		return w, err
	}
	// SKUs of products on sale in KR without purchase limits, so any 3 of them make an order.
	var rows []struct {
		ID        string `db:"id"`
		ProductID string `db:"product_id"`
	}
	if err := db.SelectContext(ctx, &rows, `
		SELECT s.id, s.product_id FROM skus s
		  JOIN products p ON p.id = s.product_id
		  JOIN product_listings l ON l.product_id = p.id AND l.market = 'KR' AND l.status = 'ACTIVE'
		  JOIN inventory i ON i.sku_id = s.id
		 WHERE s.status = 'ACTIVE' AND p.per_order_limit IS NULL AND p.per_customer_limit IS NULL
		 ORDER BY s.id LIMIT $1`, o.skus); err != nil {
		return w, err
	}
	if len(rows) < o.skus {
		return w, fmt.Errorf("the seed has %d SKUs sold in KR without limits, want %d", len(rows), o.skus)
	}
	var adminID string
	if err := db.GetContext(ctx, &adminID, `SELECT id FROM users WHERE email = 'admin@jupang.test'`); err != nil {
		return w, fmt.Errorf("the seeded admin: %w", err)
	}
	delta := extraStock
	lines := make([]inventory.AdjustmentLine, len(rows))
	for i, r := range rows {
		w.skus = append(w.skus, sku{id: r.ID, productID: r.ProductID})
		lines[i] = inventory.AdjustmentLine{SKUID: r.ID, Delta: &delta, Reason: inventory.AdjustReceived, Note: "order load test"}
	}
	stock := inventory.NewService(postgres.NewUnitOfWork(db, postgres.InventoryStores), postgres.NewInventoryReader(db), clock)
	if _, err := stock.Adjust(ctx, adminID, lines); err != nil {
		return w, fmt.Errorf("stock: %w", err)
	}

	w.customers = make([]string, o.customers)
	for i := range w.customers {
		w.customers[i] = kernel.NewID()
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, password_hash, name)
		SELECT id, id::text || '@load.test', 'x', 'Order load' FROM unnest($1::uuid[]) AS id`, w.customers); err != nil {
		return w, err
	}
	wallets := wallet.NewService(postgres.NewUnitOfWork(db, postgres.WalletStores), postgres.NewWalletReader(db), clock)
	ks, err := auth.NewKeySet(w.key)
	if err != nil {
		return w, err
	}
	signer := auth.NewSigner(ks, issuer)
	now := time.Now()
	for _, id := range w.customers {
		if _, err := wallets.Deposit(ctx, id, walletAmount, "order load test"); err != nil {
			return w, err
		}
		tok, err := signer.Sign(ctx, identity.AccessClaims{ID: kernel.NewID(), Subject: id, Audience: kernel.AudienceStorefront,
			ClientID: "storefront", Roles: []kernel.Role{kernel.RoleCustomer}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
		if err != nil {
			return w, err
		}
		w.tokens = append(w.tokens, tok)
	}

	hasher, err := auth.NewArgon2id(auth.DefaultArgon2Params)
	if err != nil {
		return w, err
	}
	ids, err := identity.NewService(postgres.NewUnitOfWork(db, postgres.IdentityStores), hasher, signer, clock, identity.Options{})
	if err != nil {
		return w, err
	}
	for i := range o.flowConns {
		email := fmt.Sprintf("flow-%d-%s@load.test", i, hex.EncodeToString(b[:]))
		u, err := ids.SignUp(ctx, identity.SignUpInput{Email: email, Password: flowPassword, Name: "Flow shopper",
			Phone: fmt.Sprintf("+82 10-1000-%04d", i)})
		if err != nil {
			return w, fmt.Errorf("sign up %s: %w", email, err)
		}
		if _, err := wallets.Deposit(ctx, u.ID, walletAmount, "order load test"); err != nil {
			return w, err
		}
		w.flowEmails = append(w.flowEmails, email)
	}
	return w, nil
}
