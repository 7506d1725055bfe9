package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
)

// listOrder is each sort's ORDER BY, matching an index of product_listings.
var listOrder = map[string]string{
	"newest":     "created_at DESC, product_id DESC",
	"price_asc":  "price_amount, product_id",
	"price_desc": "price_amount DESC, product_id DESC",
	"popular":    "popularity_score DESC, product_id",
}

// serveBaseline is the baseline process: bare Fiber answering each URI with the bytes jupang
// answered (-bodies), and with -database-url the list and detail with one pgx query each.
func serveBaseline(args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	bodiesFile := fs.String("bodies", "", "JSON object: request URI → response body")
	databaseURL := fs.String("database-url", "", "PostgreSQL database of the catalog; empty: same bytes for every case")
	category := fs.String("category", "", "slug of the ?category= of the list cases")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := os.ReadFile(*bodiesFile)
	if err != nil {
		return err
	}
	var bodies map[string]string
	if err := json.Unmarshal(raw, &bodies); err != nil {
		return err
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/readyz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	sameBytes := func(c *fiber.Ctx) error {
		body, ok := bodies[string(c.Request().URI().RequestURI())]
		if !ok {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.SendString(body)
	}
	if *databaseURL == "" {
		app.Use(sameBytes)
	} else {
		ctx := context.Background()
		cfg, err := pgxpool.ParseConfig(*databaseURL)
		if err != nil {
			return err
		}
		cfg.MaxConns = 20 // as jupang's database.max_open_conns
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return err
		}
		defer pool.Close()
		var categoryID string
		if err := pool.QueryRow(ctx, `SELECT id::text FROM categories WHERE slug = $1`, *category).Scan(&categoryID); err != nil {
			return fmt.Errorf("category %q: %w", *category, err)
		}
		app.Get("/v1/products/top", sameBytes)
		app.Get("/v1/products/:id", func(c *fiber.Ctx) error {
			var p struct {
				ID        string    `json:"id"`
				Status    string    `json:"status"`
				BasePrice int64     `json:"basePrice"`
				CreatedAt time.Time `json:"createdAt"`
			}
			err := pool.QueryRow(c.UserContext(), `SELECT id::text AS id, status, base_price_krw, created_at FROM products WHERE id = $1`,
				c.Params("id")).Scan(&p.ID, &p.Status, &p.BasePrice, &p.CreatedAt)
			if err != nil {
				return err
			}
			return c.JSON(p)
		})
		app.Get("/v1/products", func(c *fiber.Ctx) error {
			order, ok := listOrder[c.Query("sort", "newest")]
			if !ok {
				return fiber.ErrBadRequest
			}
			where, params := `market = $1 AND status = 'ACTIVE'`, []any{"KR"}
			if c.Query("category") != "" {
				where, params = where+` AND category_id = $2`, append(params, categoryID)
			}
			rows, err := pool.Query(c.UserContext(), `SELECT product_id::text AS id, price_amount, created_at FROM product_listings WHERE `+
				where+` ORDER BY `+order+` LIMIT 20`, params...)
			if err != nil {
				return err
			}
			defer rows.Close()
			type item struct {
				ID        string    `json:"id"`
				Price     int64     `json:"price"`
				CreatedAt time.Time `json:"createdAt"`
			}
			items := make([]item, 0, 20)
			for rows.Next() {
				var it item
				if err := rows.Scan(&it.ID, &it.Price, &it.CreatedAt); err != nil {
					return err
				}
				items = append(items, it)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return c.JSON(fiber.Map{"items": items})
		})
	}
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt)
		<-stop
		_ = app.Shutdown()
	}()
	return app.Listen(*addr)
}
