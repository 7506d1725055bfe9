// Package pgtest gives each test package its own PostgreSQL database, cloned from a template that
// has every migration applied. Packages run in parallel, and reruns never see old data.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// then call pgtest.DB(t) in tests. A test that needs PostgreSQL and cannot reach it fails; it never skips.
package pgtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/migrations"
)

// AdminURLEnv names the variable holding a URL of a database this harness can create databases from.
const AdminURLEnv = "JUPANG_TEST_DATABASE_URL"

const defaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	once    sync.Once
	shared  *postgres.DB
	closeDB func()
	dbName  string
	initErr error
)

// AdminURL returns the URL used to create and drop test databases.
func AdminURL() string {
	if u := os.Getenv(AdminURLEnv); u != "" {
		return u
	}
	return defaultAdminURL
}

// DB returns this package's migrated database, creating it on first use.
func DB(t testing.TB) *postgres.DB {
	t.Helper()
	once.Do(func() { shared, closeDB, dbName, initErr = create(context.Background()) })
	if initErr != nil {
		t.Fatalf("pgtest: PostgreSQL is required for this test (set %s): %v", AdminURLEnv, initErr)
	}
	return shared
}

// URL returns the connection URL of this package's database (after DB was called).
func URL(t testing.TB) string {
	t.Helper()
	DB(t)
	return withDatabase(AdminURL(), dbName)
}

// Main runs the package's tests, drops its database afterwards and exits with the tests' code.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main without the exit, for a TestMain with cleanup of its own; it returns the exit code.
func Run(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		closeDB()
		if err := drop(context.Background(), dbName); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: drop:", err)
		}
	}
	return code
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

// templateName changes whenever a migration file changes, so a stale template is never reused.
func templateName() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.FS.ReadFile(path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	return "jupang_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16], err
}

// testPoolConns bounds each test database's pool.
const testPoolConns = 24

func create(ctx context.Context) (*postgres.DB, func(), string, error) {
	admin, err := sql.Open("pgx", AdminURL())
	if err != nil {
		return nil, nil, "", err
	}
	defer func() { _ = admin.Close() }()
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := admin.PingContext(pingCtx); err != nil {
		return nil, nil, "", err
	}
	tmpl, err := templateName()
	if err != nil {
		return nil, nil, "", err
	}
	conn, err := admin.Conn(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	defer func() { _ = conn.Close() }()
	// One package at a time builds the template and clones it.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		return nil, nil, "", err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(727274)") //nolint:errcheck // released with the connection anyway

	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tmpl).Scan(&exists); err != nil {
		return nil, nil, "", err
	}
	if !exists {
		if err := buildTemplate(ctx, conn, tmpl); err != nil {
			return nil, nil, "", fmt.Errorf("build template: %w", err)
		}
	}
	name := fmt.Sprintf("jupang_t_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000_000)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl)); err != nil {
		return nil, nil, "", fmt.Errorf("clone template: %w", err)
	}
	// Test packages run in parallel on one server (max_connections 100): a pool keeps few idle
	// connections, and 24 at once are enough to run any race for real.
	db, closePool, err := postgres.Open(ctx, postgres.Config{URL: withDatabase(AdminURL(), name), MaxOpenConns: testPoolConns, MaxIdleConns: 4})
	if err != nil {
		return nil, nil, "", err
	}
	return db, closePool, name, nil
}

func buildTemplate(ctx context.Context, conn *sql.Conn, tmpl string) error {
	building := tmpl + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return err
	}
	db, err := sql.Open("pgx", withDatabase(AdminURL(), building))
	if err != nil {
		return err
	}
	if err := postgres.MigrateUp(ctx, db); err != nil {
		_ = db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, tmpl))
	return err
}

func drop(ctx context.Context, name string) error {
	admin, err := sql.Open("pgx", AdminURL())
	if err != nil {
		return err
	}
	defer func() { _ = admin.Close() }()
	_, err = admin.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	return err
}
