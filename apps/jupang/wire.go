//go:build wireinject

package main

import (
	"context"

	"github.com/google/wire"

	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/wiring"
)

var allInOne = wire.NewSet(wiring.PlatformSet, wiring.IdentitySet, wiring.ServersSet, wiring.Storefront, wiring.Admin,
	wiring.Partner, wiring.PartnerComponent, wiring.Worker, wiring.Runner, wiring.Seed, wire.Value(wiring.ServiceName("jupang")))

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
