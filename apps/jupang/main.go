// Command jupang runs the whole of Jupang in one process (storefront, admin, partner and worker),
// on in-memory storage unless database.url is set, and manages the database schema and seed data.
//
//	jupang                     run everything (same as "jupang serve")
//	jupang migrate up|down|status
//	jupang seed                load the dev seed into the database
//	jupang check               print the invariant report of the database; exit 1 on violations
//	jupang sign [-key K] METHOD TARGET [BODY|@FILE]
//	                           print curl -H flags signing a partner request (SPEC §9)
//	jupang openapi DIR         write each binary's OpenAPI document to DIR/<binary>.json
//	jupang kafka PORT          run a development Kafka-protocol broker (kfake) on 127.0.0.1:PORT
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for migrations

	"github.com/jupang/jupang/adapters/http/openapi"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/apps/internal/config"
	"github.com/jupang/jupang/apps/internal/launch"
)

const usage = `usage: jupang [serve | migrate up|down|status | seed | check | openapi DIR | sign [-key K] METHOD TARGET [BODY|@FILE] | kafka PORT]`

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch {
	case cmd == "serve" && len(args) <= 1:
		if cfg.Database.URL == "" {
			fmt.Fprintln(os.Stderr, "jupang: in-memory mode — nothing is persisted; seed data is loaded at start. "+
				"Set JUPANG_DATABASE_URL to run on PostgreSQL.")
			return launch.Serve(ctx, cfg, initMemory)
		}
		return launch.Serve(ctx, cfg, initPostgres)
	case cmd == "migrate" && len(args) == 2:
		return exitCode(migrate(ctx, cfg, args[1]))
	case cmd == "seed" && len(args) == 1:
		return exitCode(seedDatabase(ctx, cfg))
	case cmd == "check" && len(args) == 1:
		return exitCode(check(ctx, cfg, os.Stdout))
	case cmd == "sign":
		return exitCode(sign(args[1:], os.Stdout))
	case cmd == "openapi" && len(args) == 2:
		return exitCode(writeDocuments(args[1]))
	case cmd == "kafka" && len(args) == 2:
		return exitCode(serveBroker(args[1]))
	}
	fmt.Fprintln(os.Stderr, usage)
	return 2
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, err)
	var cerr *config.Error
	if errors.As(err, &cerr) {
		return 2
	}
	return 1
}

func migrate(ctx context.Context, cfg config.Config, direction string) error {
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	db, err := sql.Open("pgx", cfg.Database.URL)
	if err != nil {
		return &config.Error{Key: "database.url", Reason: err.Error()}
	}
	defer func() { _ = db.Close() }()
	switch direction {
	case "up":
		return postgres.MigrateUp(ctx, db)
	case "down":
		return postgres.MigrateDown(ctx, db)
	case "status":
		return postgres.MigrateStatus(ctx, db, os.Stdout)
	}
	return errors.New(usage)
}

// writeDocuments writes the OpenAPI document of every HTTP binary into dir, for linters and
// client generators.
func writeDocuments(dir string) error {
	for _, binary := range openapi.Binaries {
		doc, err := openapi.Document(binary)
		if err != nil {
			return err
		}
		//nolint:gosec // the operator names the directory; the file names are the fixed binary names
		if err := os.WriteFile(filepath.Join(dir, binary+".json"), doc, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// seedDatabase loads the dev seed into PostgreSQL through the same use cases the API uses.
func seedDatabase(ctx context.Context, cfg config.Config) error {
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	app, cleanup, err := initPostgres(ctx, cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := app.Seed(ctx); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	_, err = fmt.Fprintln(os.Stdout, "jupang: seed loaded")
	return err
}
