package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/jupang/jupang/adapters/postgres/pgtest"
)

func TestMain(m *testing.M) {
	code := pgtest.Run(m)
	RemoveBinaries()
	os.Exit(code)
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	resp, err := http.Get(url) //nolint:noctx // local test server
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatal(err)
	}
}

// The README's `make run`: the all-in-one binary on memory serves /healthz on every port (the
// partner's over mutual TLS with the dev certificates it made) and says that nothing is
// persisted; SIGTERM stops it cleanly.
func TestAllInOneOnMemoryServesEveryPort(t *testing.T) {
	sf, ad, pa, wk, certs := FreeAddr(t), FreeAddr(t), FreeAddr(t), FreeAddr(t), t.TempDir()
	p := Start(t, Binary(t, "jupang"), []string{
		"JUPANG_STOREFRONT_ADDR=" + sf, "JUPANG_ADMIN_ADDR=" + ad, "JUPANG_PARTNER_ADDR=" + pa, "JUPANG_WORKER_ADDR=" + wk,
		"JUPANG_PARTNER_DEV_CERTS_DIR=" + certs,
	})
	for _, addr := range []string{sf, ad, wk} {
		if status := WaitHTTP(t, "http://"+addr+"/healthz", 20*time.Second); status != http.StatusOK {
			t.Fatalf("%s/healthz = %d", addr, status)
		}
		if status := WaitHTTP(t, "http://"+addr+"/readyz", time.Second); status != http.StatusOK {
			t.Fatalf("%s/readyz = %d", addr, status)
		}
	}
	if status := WaitHTTPWith(t, devClient(t, certs), "https://"+pa+"/healthz", 20*time.Second); status != http.StatusOK {
		t.Fatalf("partner /healthz over mutual TLS = %d", status)
	}
	if !strings.Contains(p.Output(), "nothing is persisted") {
		t.Fatalf("no in-memory banner in output:\n%s", p.Output())
	}
	p.Terminate()
	if code := p.Wait(25 * time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d", code)
	}
}

func TestStandaloneBinariesRequireDatabaseURL(t *testing.T) {
	for _, b := range []string{"storefront", "admin", "partner", "worker"} {
		t.Run(b, func(t *testing.T) {
			p := Start(t, Binary(t, b), nil)
			if code := p.Wait(10 * time.Second); code != 2 {
				t.Fatalf("exit code = %d, want 2", code)
			}
			out := strings.TrimSpace(p.Output())
			if strings.Count(out, "\n") != 0 || !strings.Contains(out, "database.url") {
				t.Fatalf("want one line naming database.url, got:\n%s", out)
			}
		})
	}
}

func TestInvalidConfigFailsWithOneLineNamingTheKey(t *testing.T) {
	p := Start(t, Binary(t, "jupang"), []string{"JUPANG_STOREFRONT_ADDR=not-an-address"})
	if code := p.Wait(10 * time.Second); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if out := strings.TrimSpace(p.Output()); out != "config: storefront.addr: must be host:port" {
		t.Fatalf("output = %q", out)
	}
}

// On PostgreSQL the storefront is ready while the database answers and 503 (with Retry-After)
// once it is gone; migrations run through `jupang migrate`.
func TestStorefrontOnPostgresReadiness(t *testing.T) {
	pgtest.DB(t)
	admin, err := sql.Open("pgx", pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close() }()
	name := "jupang_e2e_ready_" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	url := strings.Replace(pgtest.AdminURL(), "/postgres?", "/"+name+"?", 1)

	migrate := Start(t, Binary(t, "jupang"), []string{"JUPANG_DATABASE_URL=" + url}, "migrate", "up")
	if code := migrate.Wait(60 * time.Second); code != 0 {
		t.Fatalf("migrate up exit = %d:\n%s", code, migrate.Output())
	}
	status := Start(t, Binary(t, "jupang"), []string{"JUPANG_DATABASE_URL=" + url}, "migrate", "status")
	if code := status.Wait(30 * time.Second); code != 0 || strings.Contains(status.Output(), "pending") {
		t.Fatalf("migrate status exit = %d:\n%s", code, status.Output())
	}

	seed := Start(t, Binary(t, "jupang"), []string{"JUPANG_DATABASE_URL=" + url}, "seed")
	if code := seed.Wait(120 * time.Second); code != 0 {
		t.Fatalf("seed exit = %d:\n%s", code, seed.Output())
	}

	addr := FreeAddr(t)
	Start(t, Binary(t, "storefront"), []string{"JUPANG_DATABASE_URL=" + url, "JUPANG_STOREFRONT_ADDR=" + addr})
	if code := WaitHTTP(t, "http://"+addr+"/readyz", 20*time.Second); code != http.StatusOK {
		t.Fatalf("/readyz with the database up = %d", code)
	}
	var list struct {
		Items []struct{ ID string } `json:"items"`
	}
	getJSON(t, "http://"+addr+"/v1/products?limit=100", &list)
	if len(list.Items) < 60 {
		t.Fatalf("seeded catalog lists %d products, want at least 60", len(list.Items))
	}
	if _, err := admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("/readyz with the database gone = %d, Retry-After %q, %s", resp.StatusCode,
			resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
	}
}
