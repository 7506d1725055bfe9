package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain hides the caller's JUPANG_* variables: the README has developers export
// JUPANG_DATABASE_URL, which would override the defaults these tests check.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "JUPANG_") {
			_ = os.Unsetenv(name)
		}
	}
	os.Exit(m.Run())
}

func TestDefaultsLoadAndValidate(t *testing.T) {
	cfg, err := load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storefront.Addr != ":8080" || cfg.Admin.Addr != ":8081" || cfg.Partner.Addr != ":8443" || cfg.Worker.Addr != ":8090" {
		t.Fatalf("default addresses: %+v", cfg)
	}
	if cfg.Idempotency.TTL != 24*time.Hour || !cfg.RateLimit.Enabled || cfg.Database.URL != "" || cfg.Log.Format != LogFormatAuto {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	t.Setenv("JUPANG_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jupang")
	t.Setenv("JUPANG_STOREFRONT_ADDR", "127.0.0.1:9999")
	t.Setenv("JUPANG_RATELIMIT_ENABLED", "false")
	t.Setenv("JUPANG_KAFKA_BROKERS", "127.0.0.1:9092,127.0.0.1:9093")
	t.Setenv("JUPANG_IDEMPOTENCY_TTL", "1h")
	cfg, err := load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.URL != "postgres://postgres@127.0.0.1:5432/jupang" || cfg.Storefront.Addr != "127.0.0.1:9999" ||
		cfg.RateLimit.Enabled || len(cfg.Kafka.Brokers) != 2 || cfg.Idempotency.TTL != time.Hour {
		t.Fatalf("overrides not applied: %+v", cfg)
	}
}

func TestInvalidValuesNameTheirKey(t *testing.T) {
	cases := []struct {
		env, value, key string
	}{
		{"JUPANG_STOREFRONT_ADDR", "8080", "storefront.addr"},
		{"JUPANG_DATABASE_URL", "mysql://x", "database.url"},
		{"JUPANG_DATABASE_MAX_OPEN_CONNS", "lots", "database.max_open_conns"},
		{"JUPANG_IDEMPOTENCY_TTL", "forever", "idempotency.ttl"},
		{"JUPANG_LOG_LEVEL", "chatty", "log.level"},
		{"JUPANG_LOG_FORMAT", "pretty", "log.format"},
		{"JUPANG_KAFKA_BROKERS", "nohost", "kafka.brokers"},
		{"JUPANG_TRACING_SAMPLE_RATIO", "2", "tracing.sample_ratio"},
		{"JUPANG_HTTP_TRUSTED_PROXIES", "10.0.0.0/8,not-an-address", "http.trusted_proxies"},
		{"JUPANG_HTTP_TRUSTED_PROXIES", "10.0.0.1/8", "http.trusted_proxies"},
		{"JUPANG_RATELIMIT_MAX_BUCKETS", "0", "ratelimit.max_buckets"},
		{"JUPANG_SHUTDOWN_DRAIN_DELAY", "-1s", "shutdown.drain_delay"},
		{"JUPANG_SHUTDOWN_DRAIN_DELAY", "20s", "shutdown.drain_delay"},
	}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			_, err := load("")
			var cerr *Error
			if !errors.As(err, &cerr) || cerr.Key != tc.key {
				t.Fatalf("err = %v, want one naming %s", err, tc.key)
			}
		})
	}
}

// Trusted proxies are addresses or networks; a bare address is its own /32 or /128.
func TestTrustedProxies(t *testing.T) {
	t.Setenv("JUPANG_HTTP_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,2001:db8::/32")
	cfg, err := load("")
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(cfg.HTTP.Proxies())
	if want := "[10.0.0.0/8 192.0.2.7/32 2001:db8::/32]"; got != want {
		t.Fatalf("proxies = %s, want %s", got, want)
	}
	def, err := load("")
	if err != nil || def.Shutdown.DrainDelay != 5*time.Second || def.RateLimit.MaxBuckets != 100000 {
		t.Fatalf("defaults: %+v %v", def, err)
	}
}

func TestUnknownKeyInFileIsRejected(t *testing.T) {
	file := filepath.Join(t.TempDir(), "jupang.yaml")
	if err := os.WriteFile(file, []byte("storefront:\n  portt: \":1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := load(file)
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.Key != "storefront.portt" {
		t.Fatalf("err = %v, want one naming storefront.portt", err)
	}
}

func TestStandaloneBinariesRequireDatabase(t *testing.T) {
	cfg, err := load("")
	if err != nil {
		t.Fatal(err)
	}
	var cerr *Error
	if err := cfg.RequireDatabase(); !errors.As(err, &cerr) || cerr.Key != "database.url" {
		t.Fatalf("err = %v", err)
	}
}

func TestPartnerCertificateWithoutClientCAIsRejected(t *testing.T) {
	t.Setenv("JUPANG_PARTNER_TLS_CERT", "/etc/jupang/partner.pem")
	t.Setenv("JUPANG_PARTNER_TLS_KEY", "/etc/jupang/partner-key.pem")
	_, err := load("")
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.Key != "partner.client_ca" {
		t.Fatalf("err = %v, want one naming partner.client_ca", err)
	}
}

// A request must end before its idempotency claim lapses, yet leave room for the 30 s long poll;
// a statement must end before its request does.
func TestRequestAndDatabaseTimeoutsFitTheLease(t *testing.T) {
	cfg, err := load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.RequestTimeout <= 30*time.Second || cfg.HTTP.RequestTimeout >= cfg.Idempotency.Lease ||
		cfg.Database.StatementTimeout <= 0 || cfg.Database.StatementTimeout >= cfg.HTTP.RequestTimeout || cfg.Database.LockTimeout <= 0 {
		t.Fatalf("defaults: request %s, lease %s, statement %s, lock %s", cfg.HTTP.RequestTimeout, cfg.Idempotency.Lease,
			cfg.Database.StatementTimeout, cfg.Database.LockTimeout)
	}
	for _, tc := range []struct {
		env  map[string]string
		key  string
		name string
	}{
		{map[string]string{"JUPANG_HTTP_REQUEST_TIMEOUT": "60s"}, "http.request_timeout", "as long as the lease"},
		{map[string]string{"JUPANG_IDEMPOTENCY_LEASE": "30s"}, "http.request_timeout", "a lease shorter than the request"},
		{map[string]string{"JUPANG_HTTP_REQUEST_TIMEOUT": "10s"}, "http.request_timeout", "no room for the long poll"},
		{map[string]string{"JUPANG_DATABASE_STATEMENT_TIMEOUT": "45s"}, "database.statement_timeout", "a statement outliving its request"},
		{map[string]string{"JUPANG_DATABASE_LOCK_TIMEOUT": "0s"}, "database.lock_timeout", "lock waits without end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := load("")
			var cerr *Error
			if !errors.As(err, &cerr) || cerr.Key != tc.key {
				t.Fatalf("err = %v, want one naming %s", err, tc.key)
			}
		})
	}
}
