package main

import (
	"context"
	"errors"
	"io"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/core/invariant"
)

// errViolations makes "jupang check" exit 1 once the report is printed.
var errViolations = errors.New("jupang check: invariants violated")

// check reads one snapshot of the database, prints the invariant report to out, and fails when
// it lists any violation.
func check(ctx context.Context, cfg config.Config, out io.Writer) error {
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	db, cleanup, err := postgres.Open(ctx, postgres.Config{URL: cfg.Database.URL})
	if err != nil {
		return err
	}
	defer cleanup()
	r, err := invariant.NewChecker(postgres.NewInvariants(db)).Check(ctx)
	if err != nil {
		return err
	}
	if _, err := r.WriteTo(out); err != nil {
		return err
	}
	if !r.Clean() {
		return errViolations
	}
	return nil
}
