//go:build wireinject

package main

import (
	"context"

	"github.com/google/wire"

	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/wiring"
)

func initialize(ctx context.Context, cfg config.Config) (*wiring.App, func(), error) {
	wire.Build(wiring.PlatformSet, wiring.PostgresSet, wiring.Areas, wiring.PartnerSet, wiring.PartnerApp,
		wire.Value(wiring.ServiceName("partner")))
	return nil, nil, nil
}
