package memory_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// BenchmarkWriteUnitOfWork measures one write unit of work — a refresh token (a table with a
// unique and two ordered secondary indexes) plus an outbox event — on a store that already holds
// rows existing tokens and as many outbox rows. A write must cost what it changes, so the
// rows=1000000 figure stays within a small factor of rows=1000, the baseline of the same run.
func BenchmarkWriteUnitOfWork(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, rows := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint("rows=", rows), func(b *testing.B) {
			store := memory.NewStore()
			tx := memory.NewUnitOfWork(store, memory.IdentityStores)
			if err := tx.Do(ctx, func(ctx context.Context, s identity.Stores) error {
				for i := range rows {
					if err := writeTokenAndEvent(ctx, s, i, now); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			runtime.GC() // collect the setup's garbage outside the measurement
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := tx.Do(ctx, func(ctx context.Context, s identity.Stores) error {
					return writeTokenAndEvent(ctx, s, rows+i, now)
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var benchPayload = json.RawMessage(`{"userId":"0190d1f2-0000-7000-8000-000000000000"}`)

func writeTokenAndEvent(ctx context.Context, s identity.Stores, i int, now time.Time) error {
	id := kernel.NewID()
	rt := identity.RefreshToken{ID: id, Hash: sha256.Sum256([]byte(id)), FamilyID: kernel.NewID(), UserID: kernel.NewID(),
		Audience: kernel.AudienceStorefront, CreatedAt: now, ExpiresAt: now.Add(time.Duration(i%720) * time.Hour)}
	if err := s.RefreshTokens.Create(ctx, rt); err != nil {
		return err
	}
	return s.Outbox.Append(ctx, integration.Event{ID: kernel.NewID(), Type: "identity.signed_in", Source: integration.Source,
		Subject: "users/" + rt.UserID, AggregateID: rt.UserID, Topic: "jupang.identity.v1", Time: now, Data: benchPayload})
}

// BenchmarkListingsPage measures one keyset page of a product list (20 listings of a market after a
// cursor, market-wide and in a three-category subtree) on 1k and 100k listings: reads use the
// per-sort indexes, so the page costs the same whatever the catalog's size.
func BenchmarkListingsPage(b *testing.B) {
	ctx := context.Background()
	epoch := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	categories := make([]string, 50)
	for i := range categories {
		categories[i] = kernel.NewID()
	}
	for _, rows := range []int{1_000, 100_000} {
		store := memory.NewStore()
		tx := memory.NewUnitOfWork(store, memory.CatalogStores)
		if err := tx.Do(ctx, func(ctx context.Context, s catalog.Stores) error {
			for i := range rows {
				id := kernel.NewID()
				l := catalog.Listing{Market: kernel.MarketKR, ProductID: id, CategoryID: categories[i%len(categories)], Status: catalog.StatusActive,
					CreatedAt: epoch.Add(time.Duration(i) * time.Second), Price: int64(1000 + i%5000)}
				if _, err := s.Catalog.SaveListings(ctx, id, []catalog.Listing{l}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		reader := memory.NewCatalogReader(store)
		middle := catalog.Position{CreatedAt: epoch.Add(time.Duration(rows/2) * time.Second), ProductID: kernel.NewID()}
		runtime.GC()
		for name, q := range map[string]catalog.ListingQuery{
			"market":   {Market: kernel.MarketKR, Sort: catalog.SortNewest, After: &middle, Limit: 20},
			"category": {Market: kernel.MarketKR, Sort: catalog.SortNewest, After: &middle, Limit: 20, CategoryIDs: categories[:3]},
		} {
			b.Run(fmt.Sprint(name, "/rows=", rows), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					page, err := reader.Listings(ctx, q)
					if err != nil || len(page) != 20 {
						b.Fatalf("page of %d, %v", len(page), err)
					}
				}
			})
		}
	}
}
