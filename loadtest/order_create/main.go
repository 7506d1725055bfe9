// Command order_create is the checkout load scenario: concurrent customers place 3-line WALLET
// orders with POST /v1/orders over HTTP against the real storefront binary, run as its own process
// on PostgreSQL with its default logging, tracing and database pool (rate limits off), and the
// same work in raw SQL as the baseline, by the same number of connections, in the same run.
//
//	go run ./loadtest/order_create [-conns 8,64] [-duration 10s] [-customers 128] [-skus 40] [-flow-conns 8]
//
// Setup, untimed: a scratch database on JUPANG_TEST_DATABASE_URL's server (dropped at the end)
// migrated and loaded with the dev seed (`jupang seed`); -skus of its SKUs get 1,000,000 more
// units through an inventory adjustment; -customers customers get a wallet of ₩100,000,000,000
// through a deposit; each gets an access token signed with a key the storefront is started with
// (auth.keys_dir). The database is then copied (CREATE DATABASE … TEMPLATE) for the baseline.
//
// Per connection count: a warm-up, then -duration of orders through the storefront, each by a
// random customer for 3 distinct random SKUs of the -skus (quantity 1) with a fresh
// Idempotency-Key; then -duration of the baseline on the copy: the idempotency-key insert in one
// transaction and, in a second (the real path commits two), 3 guarded stock updates in SKU order,
// the order and its lines, the guarded wallet debit and its ledger row, the outbox rows and the
// key's completion. It prints orders/s and p50/p99 of both, and the ratios against the targets
// (≥ 0.5× the baseline's rate, p99 ≤ 2× the baseline's), and what an order cost in CPU on each
// path (the storefront, the path's database backends and this process).
//
// Then the shopper flow, -flow-conns at once for -duration, each flow by its own signed-up
// customer: a guest cart (X-Session-Id), 2 items added, sign-in (password grant), the merge,
// and the order from the cart; it prints flows/s.
//
// Last, the invariant checker (`jupang check`) on the database, when the binary has it.
// -relay also runs the worker binary relaying the real path's outbox to a Kafka broker process
// (`jupang kafka PORT`) and samples the oldest PENDING event's age every 100 ms during each
// measured run of the real path: target p99 ≤ 2 s.
// -profile FILE writes a CPU profile of the storefront for the first measured -duration (built
// with -tags pprof, see apps/internal/launch/pprof.go).
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/loadtest/internal/bench"
)

type options struct {
	conns       []int
	duration    time.Duration
	warmup      time.Duration
	customers   int
	skus        int
	flowConns   int
	profile     string
	storefront  string // binary
	worker      string // binary (with -relay)
	relay       bool
	relaying    *relaying // with -relay, once started
	jupang      string    // binary (seed, check)
	dir         string    // temporary files
	databaseURL string    // the real path's database
	baselineURL string    // its copy, for the baseline
	keysDir     string
	pprofAddr   string  // the storefront's pprof listener (with -profile)
	adm         *sql.DB // the database server, for the CPU of the backends
}

func main() {
	var o options
	conns := flag.String("conns", "8,64", "connection counts, each measured on both paths")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per path and connection count, and of the shopper flow")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time before each measurement")
	flag.IntVar(&o.customers, "customers", 128, "customers placing orders (at least 64)")
	flag.IntVar(&o.skus, "skus", 40, "SKUs the orders choose from")
	flag.IntVar(&o.flowConns, "flow-conns", 8, "concurrent shopper flows")
	flag.StringVar(&o.profile, "profile", "", "write the storefront's CPU profile of the first measurement here")
	flag.BoolVar(&o.relay, "relay", false, "run the worker relaying the outbox to a broker process, and sample the oldest pending event's age")
	flag.Parse()
	for _, s := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "order_create: -conns: a list of positive numbers")
			os.Exit(2)
		}
		o.conns = append(o.conns, n)
	}
	if o.customers < 64 || o.skus < 3 {
		fmt.Fprintln(os.Stderr, "order_create: at least 64 customers and 3 SKUs")
		os.Exit(2)
	}
	ok, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "order_create:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(o options) (bool, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "order_create")
	if err != nil {
		return false, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	o.dir = dir
	if err := build(&o); err != nil {
		return false, err
	}
	scratch, err := bench.ScratchDatabase(ctx, "jupang_load_orders", 8)
	if err != nil {
		return false, err
	}
	defer scratch.Drop()
	o.databaseURL = scratch.URL
	started := time.Now()
	if out, err := jupangCmd(o, "seed").CombinedOutput(); err != nil {
		return false, fmt.Errorf("jupang seed: %v\n%s", err, out)
	}
	w, err := prepare(ctx, scratch.DB, o)
	if err != nil {
		return false, err
	}
	if o.keysDir, err = writeKey(dir, w.key); err != nil {
		return false, err
	}
	scratch.Close()
	baseURL, dropBase, err := scratch.Clone(ctx, "baseline")
	if err != nil {
		return false, err
	}
	defer dropBase()
	o.baselineURL = baseURL
	if o.adm, err = sql.Open("pgx", bench.AdminURL()); err != nil {
		return false, err
	}
	defer func() { _ = o.adm.Close() }()
	sf, err := startStorefront(&o)
	if err != nil {
		return false, err
	}
	stopped := false
	defer func() {
		if !stopped {
			sf.Stop()
		}
	}()
	fmt.Printf("order_create: %d customers, %d SKUs, 3-line WALLET orders; storefront binary on PostgreSQL (setup %v)\n",
		o.customers, o.skus, time.Since(started).Round(time.Second))
	fmt.Println("Absolute numbers move with whatever else runs on this machine; compare the ratios, measured back to back.")

	var rel *relaying
	if o.relay {
		if rel, err = startRelaying(o); err != nil {
			return false, err
		}
		defer rel.stop()
		o.relaying = rel
	}
	met := true
	for i, conns := range o.conns {
		real, base, err := measure(ctx, o, w, sf, conns, i == 0)
		if err != nil {
			return false, err
		}
		if rel != nil {
			met = reportOldest(conns, real.oldestPending) && met
		}
		ratio, p99x := real.rate()/base.rate(), float64(real.p(0.99))/float64(base.p(0.99))
		ok := ratio >= 0.5 && p99x <= 2 && real.failed == 0
		met = met && ok
		fmt.Printf("%3d connections  real %7.1f orders/s p50 %8v p99 %8v | raw SQL %7.1f orders/s p50 %8v p99 %8v | ratio %.2f p99× %.2f  %s\n",
			conns, real.rate(), real.p(0.5), real.p(0.99), base.rate(), base.p(0.5), base.p(0.99), ratio, p99x,
			verdict(ok, "ratio ≥ 0.50, p99× ≤ 2"))
		fmt.Printf("    CPU per order: real %v | raw SQL %v\n", real.cpu, base.cpu)
		if real.failed > 0 {
			fmt.Printf("    real path answers other than 201: %s\n", real.failures())
		}
	}

	flows, err := shopperFlows(o, w, sf.Addr)
	if err != nil {
		return false, err
	}
	fmt.Printf("shopper flow (guest cart, 2 items, sign-in, merge, order from cart) × %d at once: %.2f flows/s, p50 %v p99 %v\n",
		o.flowConns, flows.rate(), flows.p(0.5), flows.p(0.99))
	if flows.failed > 0 {
		met = false
		fmt.Printf("    failed flows: %s\n", flows.failures())
	}
	sf.Stop()
	stopped = true
	clean, err := check(o)
	if err != nil {
		return false, err
	}
	return met && clean, nil
}

func verdict(ok bool, target string) string {
	if ok {
		return "met (" + target + ")"
	}
	return "MISSED (" + target + ")"
}

// build compiles the storefront (with the pprof listener when profiling) and jupang.
func build(o *options) error {
	o.storefront, o.jupang = filepath.Join(o.dir, "storefront"), filepath.Join(o.dir, "jupang")
	sfArgs := []string{"build", "-o", o.storefront}
	if o.profile != "" {
		sfArgs = append(sfArgs, "-tags", "pprof")
	}
	o.worker = filepath.Join(o.dir, "worker")
	builds := [][]string{append(sfArgs, "./apps/storefront"), {"build", "-o", o.jupang, "./apps/jupang"}}
	if o.relay {
		builds = append(builds, []string{"build", "-o", o.worker, "./apps/worker"})
	}
	for _, args := range builds {
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil { //nolint:gosec // fixed arguments
			return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

func jupangCmd(o options, args ...string) *exec.Cmd {
	cmd := exec.Command(o.jupang, args...) //nolint:gosec // the scenario's own build
	cmd.Env = append(os.Environ(), "JUPANG_DATABASE_URL="+o.databaseURL)
	return cmd
}

// writeKey stores the signing key as auth.keys_dir wants it: <kid>.pem, PKCS #8.
func writeKey(dir string, key auth.Key) (string, error) {
	keys := filepath.Join(dir, "keys")
	if err := os.Mkdir(keys, 0o700); err != nil {
		return "", err
	}
	pem, err := key.PrivatePEM()
	if err != nil {
		return "", err
	}
	return keys, os.WriteFile(filepath.Join(keys, key.Kid+".pem"), pem, 0o600)
}

// startStorefront runs the storefront binary: default logging and tracing (its log to a file),
// rate limits off, no drain delay on shutdown.
func startStorefront(o *options) (*bench.Process, error) {
	addr, err := bench.FreeAddr()
	if err != nil {
		return nil, err
	}
	env := []string{"JUPANG_DATABASE_URL=" + o.databaseURL, "JUPANG_STOREFRONT_ADDR=" + addr, "JUPANG_AUTH_KEYS_DIR=" + o.keysDir,
		"JUPANG_RATELIMIT_ENABLED=false", "JUPANG_SHUTDOWN_DRAIN_DELAY=0s"}
	if o.profile != "" {
		if o.pprofAddr, err = bench.FreeAddr(); err != nil {
			return nil, err
		}
		env = append(env, "JUPANG_PPROF_ADDR="+o.pprofAddr)
	}
	return bench.Start(o.storefront, nil, env, addr, filepath.Join(o.dir, "storefront.log"), time.Minute)
}

// check runs the invariant checker on the real path's database: exit 0 is clean, 1 violations.
// A jupang without the command says so and counts as not checked.
func check(o options) (bool, error) {
	usage, _ := jupangCmd(o, "help").CombinedOutput()
	if !strings.Contains(string(usage), "check") {
		fmt.Println("invariants: NOT CHECKED — this jupang has no `check` command yet")
		return true, nil
	}
	out, err := jupangCmd(o, "check").CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		fmt.Printf("invariants (jupang check): clean\n%s", indent(out))
		return true, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		fmt.Printf("invariants (jupang check): VIOLATIONS\n%s", indent(out))
		return false, nil
	}
	return false, fmt.Errorf("jupang check: %v\n%s", err, out)
}

func indent(b []byte) string {
	s := strings.TrimRight(string(b), "\n")
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ") + "\n"
}
