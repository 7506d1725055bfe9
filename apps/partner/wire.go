//go:build wireinject

package main

import (
	"context"

	"github.com/google/wire"

	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/wiring"
)

func initialize(ctx context.Context, cfg config.Config) (*wiring.App, func(), error) {
	wire.Build(wiring.PlatformSet, wiring.IdentitySet, wiring.PostgresSet, wiring.ServersSet, wiring.Partner, wiring.PartnerComponent, wiring.PartnerApp,
		wire.Value(wiring.ServiceName("partner")))
	return nil, nil, nil
}
