// Package config loads the binaries' configuration with viper: embedded YAML defaults, an optional
// file named by JUPANG_CONFIG, then JUPANG_* environment variables. Invalid values stop the start
// with one line naming the key.
package config

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/jupang/jupang/configs"
)

// Config is every setting a binary reads at start. Runtime-changeable business settings live in the
// settings store instead.
type Config struct {
	Env         string      `mapstructure:"env"`
	Log         Log         `mapstructure:"log"`
	Database    Database    `mapstructure:"database"`
	Storefront  Listen      `mapstructure:"storefront"`
	Admin       Listen      `mapstructure:"admin"`
	Partner     Partner     `mapstructure:"partner"`
	Worker      Listen      `mapstructure:"worker"`
	HTTP        HTTP        `mapstructure:"http"`
	Kafka       Kafka       `mapstructure:"kafka"`
	Outbox      Outbox      `mapstructure:"outbox"`
	Inbox       Inbox       `mapstructure:"inbox"`
	RateLimit   RateLimit   `mapstructure:"ratelimit"`
	Tracing     Tracing     `mapstructure:"tracing"`
	Auth        Auth        `mapstructure:"auth"`
	Idempotency Idempotency `mapstructure:"idempotency"`
	Catalog     Catalog     `mapstructure:"catalog"`
	Orders      Orders      `mapstructure:"orders"`
	Cart        Cart        `mapstructure:"cart"`
	Coupons     Coupons     `mapstructure:"coupons"`
	Refunds     Refunds     `mapstructure:"refunds"`
	Shutdown    Shutdown    `mapstructure:"shutdown"`
}

// Log configures zap.
type Log struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"` // LogFormatAuto, LogFormatJSON or LogFormatConsole
}

// The values of log.format. Auto is console for env dev with a terminal on stdout, else JSON.
const (
	LogFormatAuto    = "auto"
	LogFormatJSON    = "json"
	LogFormatConsole = "console"
)

// Database says where PostgreSQL is.
type Database struct {
	URL                     string        `mapstructure:"url"`
	ReplicaURL              string        `mapstructure:"replica_url"`
	ReplicaTimeout          time.Duration `mapstructure:"replica_timeout"`
	ReplicaFailureThreshold int           `mapstructure:"replica_failure_threshold"`
	ReplicaOpenFor          time.Duration `mapstructure:"replica_open_for"`
	MaxOpenConns            int           `mapstructure:"max_open_conns"`
	AutoMigrate             bool          `mapstructure:"auto_migrate"`
	StatementTimeout        time.Duration `mapstructure:"statement_timeout"`
	LockTimeout             time.Duration `mapstructure:"lock_timeout"`
}

// HTTP configures what every HTTP server shares and applies to each request.
type HTTP struct {
	// RequestTimeout bounds each request; it must end before the request's idempotency claim does.
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
	// TrustedProxies are the addresses or networks (CIDR) of the load balancers in front of the
	// servers: only from them is X-Forwarded-For believed.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
}

// LongestLongPoll is the longest a request may wait on purpose (the partner feed's waitSeconds,
// SPEC §9): every request deadline must leave room for it.
const LongestLongPoll = 30 * time.Second

// Listen is a binary's listen address.
type Listen struct {
	Addr string `mapstructure:"addr"`
}

// Partner is the partner binary's address and mTLS material, and the partner feed's tuning.
type Partner struct {
	Addr     string `mapstructure:"addr"`
	TLSCert  string `mapstructure:"tls_cert"`
	TLSKey   string `mapstructure:"tls_key"`
	ClientCA string `mapstructure:"client_ca"`
	// DevCertsDir is where the all-in-one binary in dev, without tls_cert, keeps the dev CA and
	// certificates it serves mutual TLS with.
	DevCertsDir         string        `mapstructure:"dev_certs_dir"`
	Lease               time.Duration `mapstructure:"lease"`
	MaxAttempts         int           `mapstructure:"max_attempts"`
	AckedRetention      time.Duration `mapstructure:"acked_retention"`
	WebhookTimeout      time.Duration `mapstructure:"webhook_timeout"`
	WebhookDisableAfter int           `mapstructure:"webhook_disable_after"`
}

// Kafka lists the brokers of the outbox relay. Without brokers the all-in-one binary in dev starts
// a development broker on 127.0.0.1:DevPort; every other binary relays nothing.
type Kafka struct {
	Brokers []string `mapstructure:"brokers"`
	DevPort int      `mapstructure:"dev_port"`
}

// Inbox is how long internal consumers remember the events they acted on. A record purged while
// its broker still holds the message lets a redelivery of it act again, so Retention must exceed
// the brokers' retention (Kafka's default is 7 days).
type Inbox struct {
	Retention time.Duration `mapstructure:"retention"`
}

// Outbox tunes the relay from the outbox to Kafka.
type Outbox struct {
	MaxAttempts int           `mapstructure:"max_attempts"`
	BatchSize   int           `mapstructure:"batch_size"`
	Workers     int           `mapstructure:"workers"`
	BackoffBase time.Duration `mapstructure:"backoff_base"`
	BackoffMax  time.Duration `mapstructure:"backoff_max"`
}

// RateLimit switches rate limits (off for load tests) and caps the buckets each process holds.
type RateLimit struct {
	Enabled    bool `mapstructure:"enabled"`
	MaxBuckets int  `mapstructure:"max_buckets"`
}

// Proxies returns TrustedProxies as networks (a bare address is a /32 or /128); Validate has
// checked that they parse.
func (h HTTP) Proxies() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(h.TrustedProxies))
	for _, p := range h.TrustedProxies {
		if prefix, err := parseProxy(p); err == nil {
			out = append(out, prefix)
		}
	}
	return out
}

// parseProxy reads an address or a network given by its first address (10.0.0.0/8, not 10.0.0.1/8).
func parseProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("%s has host bits set; the network is %s", s, p.Masked())
	}
	return p, nil
}

// Tracing configures OpenTelemetry export.
type Tracing struct {
	OTLPEndpoint string  `mapstructure:"otlp_endpoint"`
	SampleRatio  float64 `mapstructure:"sample_ratio"`
}

// Auth configures token issuing.
type Auth struct {
	Issuer     string `mapstructure:"issuer"`
	KeysDir    string `mapstructure:"keys_dir"`
	SigningKid string `mapstructure:"signing_kid"`
}

// Idempotency configures the replay window and the in-flight lock.
type Idempotency struct {
	TTL           time.Duration `mapstructure:"ttl"`
	Lease         time.Duration `mapstructure:"lease"`
	SweepInterval time.Duration `mapstructure:"sweep_interval"`
}

// Catalog configures catalog jobs.
type Catalog struct {
	RankingInterval time.Duration `mapstructure:"ranking_interval"`
	TopCacheTTL     time.Duration `mapstructure:"top_cache_ttl"`
	RepriceInterval time.Duration `mapstructure:"reprice_interval"`
	SeedProducts    int           `mapstructure:"seed_products"`
}

// Orders configures checkout, the card-payments and expiry jobs, and the mock payment gateway.
type Orders struct {
	PaymentTimeout       time.Duration `mapstructure:"payment_timeout"`
	CardPaymentsInterval time.Duration `mapstructure:"card_payments_interval"`
	ExpiryInterval       time.Duration `mapstructure:"expiry_interval"`
	GatewayLatency       time.Duration `mapstructure:"gateway_latency"`
}

// Refunds configures the refund policy: the largest KRW wallet credit approved without review
// (within 7 days of delivery).
type Refunds struct {
	AutoApproveMax int64 `mapstructure:"auto_approve_max"`
}

// Cart configures carts: how long a guest cart lives after its last change, and how often the
// sweeper deletes expired ones.
type Cart struct {
	SessionTTL    time.Duration `mapstructure:"session_ttl"`
	SweepInterval time.Duration `mapstructure:"sweep_interval"`
}

// Coupons configures the claim admission: at most ClaimMaxInFlight claims are admitted at once per
// instance (as many as the database pool holds run, the others wait in arrival order); when their
// mean latency is above ClaimLatencyTarget the bound shrinks in proportion, never below
// ClaimMinInFlight, and below it grows back; the excess is answered 503 OVERLOADED with Retry-After.
type Coupons struct {
	ClaimMaxInFlight   int           `mapstructure:"claim_max_in_flight"`
	ClaimMinInFlight   int           `mapstructure:"claim_min_in_flight"`
	ClaimLatencyTarget time.Duration `mapstructure:"claim_latency_target"`
}

// Shutdown bounds graceful shutdown: on SIGTERM /readyz fails at once, serving goes on for
// DrainDelay (so load balancers stop sending), then the servers drain; all within Timeout.
type Shutdown struct {
	Timeout    time.Duration `mapstructure:"timeout"`
	DrainDelay time.Duration `mapstructure:"drain_delay"`
}

// Error names the key that is wrong; its message is the one line printed at start-up.
type Error struct {
	Key    string
	Reason string
}

func (e *Error) Error() string { return "config: " + e.Key + ": " + e.Reason }

// Load reads defaults, the optional JUPANG_CONFIG file and the environment.
func Load() (Config, error) { return load(os.Getenv("JUPANG_CONFIG")) }

func load(file string) (Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(configs.Default)); err != nil {
		return Config{}, &Error{Key: "configs/default.yaml", Reason: err.Error()}
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.MergeInConfig(); err != nil {
			return Config{}, &Error{Key: "JUPANG_CONFIG", Reason: err.Error()}
		}
	}
	v.SetEnvPrefix("JUPANG")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	var cfg Config
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.WeaklyTypedInput = true
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(), mapstructure.StringToSliceHookFunc(","))
	})
	if err != nil {
		return Config{}, decodeError(err)
	}
	return cfg, cfg.Validate()
}

// decodeError turns a mapstructure error into one naming the first bad key. mapstructure says
// "'<key>' expected type ..." for a bad value and "'<parent>' has invalid keys: <key>" for an unknown one.
func decodeError(err error) error {
	msg := err.Error()
	i := strings.Index(msg, "'")
	if i < 0 {
		return &Error{Key: "config", Reason: msg}
	}
	j := strings.Index(msg[i+1:], "'")
	if j < 0 {
		return &Error{Key: "config", Reason: msg}
	}
	key, rest := strings.ToLower(msg[i+1:i+1+j]), strings.TrimSpace(msg[i+2+j:])
	if _, unknown, ok := strings.Cut(rest, "has invalid keys: "); ok {
		child := strings.TrimSpace(strings.Split(unknown, ",")[0])
		if key != "" {
			child = key + "." + child
		}
		return &Error{Key: child, Reason: "unknown key"}
	}
	return &Error{Key: key, Reason: rest}
}

// Validate checks every value a binary relies on.
func (c Config) Validate() error {
	checks := []struct {
		key string
		ok  bool
		why string
	}{
		{"env", c.Env == "dev" || c.Env == "prod", "must be dev or prod"},
		{"log.level", oneOf(c.Log.Level, "debug", "info", "warn", "error"), "must be debug, info, warn or error"},
		{"log.format", oneOf(c.Log.Format, LogFormatAuto, LogFormatJSON, LogFormatConsole), "must be auto, json or console"},
		{"database.url", c.Database.URL == "" || hasScheme(c.Database.URL), "must be a postgres:// URL"},
		{"database.replica_url", c.Database.ReplicaURL == "" || hasScheme(c.Database.ReplicaURL), "must be a postgres:// URL"},
		{"database.max_open_conns", c.Database.MaxOpenConns > 0, "must be a positive number"},
		{"storefront.addr", validAddr(c.Storefront.Addr), "must be host:port"},
		{"admin.addr", validAddr(c.Admin.Addr), "must be host:port"},
		{"partner.addr", validAddr(c.Partner.Addr), "must be host:port"},
		{"worker.addr", validAddr(c.Worker.Addr), "must be host:port"},
		{"partner.tls_cert", (c.Partner.TLSCert == "") == (c.Partner.TLSKey == ""), "tls_cert and tls_key go together"},
		{"partner.client_ca", (c.Partner.TLSCert == "") == (c.Partner.ClientCA == ""),
			"client_ca goes with tls_cert: partners authenticate with client certificates"},
		{"partner.lease", c.Partner.Lease >= time.Second && c.Partner.Lease <= 12*time.Hour, "must be between 1s and 12h"},
		{"partner.max_attempts", c.Partner.MaxAttempts >= 1 && c.Partner.MaxAttempts <= 100, "must be between 1 and 100"},
		{"partner.acked_retention", c.Partner.AckedRetention >= 24*time.Hour, "must be at least 24h (the dashboard counts a day of acks)"},
		{"partner.webhook_timeout", c.Partner.WebhookTimeout >= time.Second && c.Partner.WebhookTimeout <= time.Minute,
			"must be between 1s and 1m"},
		{"partner.webhook_disable_after", c.Partner.WebhookDisableAfter >= 1, "must be a positive number"},
		{"partner.dev_certs_dir", c.Partner.DevCertsDir != "", "must not be empty"},
		{"tracing.sample_ratio", c.Tracing.SampleRatio >= 0 && c.Tracing.SampleRatio <= 1, "must be between 0 and 1"},
		{"auth.issuer", c.Auth.Issuer != "", "must not be empty"},
		{"auth.keys_dir", c.Env != "prod" || c.Auth.KeysDir != "", "is required in prod (generated keys would differ per instance)"},
		{"idempotency.ttl", c.Idempotency.TTL > 0, "must be a positive duration"},
		{"idempotency.lease", c.Idempotency.Lease > 0, "must be a positive duration"},
		{"idempotency.sweep_interval", c.Idempotency.SweepInterval > 0, "must be a positive duration"},
		{"http.request_timeout", c.HTTP.RequestTimeout > LongestLongPoll && c.HTTP.RequestTimeout < c.Idempotency.Lease,
			"must be longer than the 30s long poll and shorter than idempotency.lease (a request must not outlive its claim)"},
		{"database.statement_timeout", c.Database.StatementTimeout > 0 && c.Database.StatementTimeout < c.HTTP.RequestTimeout,
			"must be positive and shorter than http.request_timeout"},
		{"database.lock_timeout", c.Database.LockTimeout > 0 && c.Database.LockTimeout <= c.Database.StatementTimeout,
			"must be positive and at most database.statement_timeout"},
		{"database.replica_timeout", c.Database.ReplicaTimeout > 0, "must be a positive duration"},
		{"database.replica_failure_threshold", c.Database.ReplicaFailureThreshold > 0, "must be a positive number"},
		{"database.replica_open_for", c.Database.ReplicaOpenFor > 0, "must be a positive duration"},
		{"catalog.ranking_interval", c.Catalog.RankingInterval > 0, "must be a positive duration"},
		{"catalog.top_cache_ttl", c.Catalog.TopCacheTTL > 0 && c.Catalog.TopCacheTTL <= c.Catalog.RankingInterval,
			"must be positive and at most catalog.ranking_interval"},
		{"catalog.reprice_interval", c.Catalog.RepriceInterval > 0, "must be a positive duration"},
		{"catalog.seed_products", c.Catalog.SeedProducts >= 0, "must be 0 or more"},
		{"coupons.claim_max_in_flight", c.Coupons.ClaimMaxInFlight > 0, "must be a positive number"},
		{"coupons.claim_min_in_flight", c.Coupons.ClaimMinInFlight > 0 && c.Coupons.ClaimMinInFlight <= c.Coupons.ClaimMaxInFlight,
			"must be positive and at most coupons.claim_max_in_flight"},
		{"coupons.claim_latency_target", c.Coupons.ClaimLatencyTarget > 0, "must be a positive duration"},
		{"orders.payment_timeout", c.Orders.PaymentTimeout > 0, "must be a positive duration"},
		{"orders.card_payments_interval", c.Orders.CardPaymentsInterval > 0, "must be a positive duration"},
		{"orders.expiry_interval", c.Orders.ExpiryInterval > 0, "must be a positive duration"},
		{"orders.gateway_latency", c.Orders.GatewayLatency >= 0, "must not be negative"},
		{"refunds.auto_approve_max", c.Refunds.AutoApproveMax >= 0, "must not be negative"},
		{"cart.session_ttl", c.Cart.SessionTTL > 0, "must be a positive duration"},
		{"cart.sweep_interval", c.Cart.SweepInterval > 0, "must be a positive duration"},
		{"shutdown.timeout", c.Shutdown.Timeout > 0, "must be a positive duration"},
		{"shutdown.drain_delay", c.Shutdown.DrainDelay >= 0 && c.Shutdown.DrainDelay < c.Shutdown.Timeout,
			"must be at least 0 and less than shutdown.timeout, which bounds the whole shutdown"},
		{"ratelimit.max_buckets", c.RateLimit.MaxBuckets > 0, "must be a positive number"},
		{"kafka.dev_port", c.Kafka.DevPort >= 0 && c.Kafka.DevPort <= 65535, "must be a port (0: any free one)"},
		{"inbox.retention", c.Inbox.Retention >= 24*time.Hour, "must be at least 24h (and longer than the brokers keep messages)"},
		{"outbox.max_attempts", c.Outbox.MaxAttempts >= 1 && c.Outbox.MaxAttempts <= 1000, "must be between 1 and 1000"},
		{"outbox.batch_size", c.Outbox.BatchSize >= 1 && c.Outbox.BatchSize <= 10000, "must be between 1 and 10000"},
		{"outbox.workers", c.Outbox.Workers >= 1 && c.Outbox.Workers <= 64, "must be between 1 and 64 (the ordering partitions)"},
		{"outbox.backoff_base", c.Outbox.BackoffBase > 0 && c.Outbox.BackoffBase <= c.Outbox.BackoffMax,
			"must be positive and at most outbox.backoff_max"},
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, err := parseProxy(p); err != nil {
			return &Error{Key: "http.trusted_proxies", Reason: fmt.Sprintf("%q: %v", p, err)}
		}
	}
	for _, k := range c.Kafka.Brokers {
		if !validAddr(k) {
			return &Error{Key: "kafka.brokers", Reason: fmt.Sprintf("%q must be host:port", k)}
		}
	}
	for _, ch := range checks {
		if !ch.ok {
			return &Error{Key: ch.key, Reason: ch.why}
		}
	}
	return nil
}

// RequireDatabase is for the standalone binaries, which only run on PostgreSQL.
func (c Config) RequireDatabase() error {
	if c.Database.URL == "" {
		return &Error{Key: "database.url", Reason: "is required (set JUPANG_DATABASE_URL); only the jupang binary runs in memory"}
	}
	return nil
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

func hasScheme(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func validAddr(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port != ""
}
