//go:build wireinject

package main

import (
	"context"

	"github.com/google/wire"

	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/wiring"
)

// allInOne is all four binaries, and the seed, on whichever storage an injector names.
var allInOne = wire.NewSet(wiring.PlatformSet, wiring.Areas, wiring.StorefrontSet, wiring.AdminSet, wiring.PartnerSet,
	wiring.WorkerSet, wiring.SeedSet, wire.Value(wiring.ServiceName("jupang")))

// initMemory assembles all four binaries on in-memory storage.
func initMemory(ctx context.Context, cfg config.Config) (*wiring.App, func(), error) {
	wire.Build(allInOne, wiring.MemorySet, wiring.SeededAllInOneApp)
	return nil, nil, nil
}

// initPostgres assembles all four binaries on PostgreSQL.
func initPostgres(ctx context.Context, cfg config.Config) (*wiring.App, func(), error) {
	wire.Build(allInOne, wiring.PostgresSet, wiring.AllInOneApp)
	return nil, nil, nil
}
