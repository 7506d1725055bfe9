// Command catalog_read measures the shopper catalog reads of the real jupang binary, run as its
// own process with request logging and tracing as configured by default (logs to a file, rate
// limits off), on a catalog of the dev seed plus -products generated products, each sold in the 3
// markets, on PostgreSQL and in memory mode. Each case is measured against a baseline served by a
// separate process in the same run, on the same data:
//
//   - list (every sort, with and without ?category=): on PostgreSQL a bare Fiber + pgx handler
//     running one indexed page query of product_listings; in memory mode a bare Fiber server
//     returning the same bytes;
//   - detail: on PostgreSQL a bare Fiber + pgx handler running one primary-key lookup; in memory
//     mode the same bytes;
//   - top: a bare Fiber server returning the same bytes.
//
// The load generator is wrk (apt-get install -y wrk), its own process: -threads threads, -conns
// connections, -rounds measurements of -duration per case and server (alternating which goes
// first), after a short warm-up. It prints the medians of req/s, p50 and p99
// of both, the ratio real/baseline and the p99 ratio, against the targets of issue 8.
//
//	go run ./loadtest/catalog_read [-duration 5s] [-rounds 3] [-conns 64] [-products 10000] [-modes memory,postgres]
//	                               [-cases REGEXP] [-profile PREFIX [-profile-case "list newest"]]
//
// On PostgreSQL it creates (once) and reuses the database jupang_catalog_read on -database-url's
// server; seeding 10,000 products through the use cases takes a minute or two the first time.
// On a shared machine the absolute numbers move with the neighbours' load: read the ratios.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jupang/jupang/loadtest/internal/bench"
)

type options struct {
	duration, warmup time.Duration
	conns, threads   int
	rounds           int
	products         int
	modes            []string
	databaseURL      string
	dir              string
	profile          string // path prefix of the CPU profiles; empty: none
	profileCase      string
	only             *regexp.Regexp // the cases measured
	pprofAddr        string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "baseline" {
		if err := serveBaseline(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "catalog_read baseline:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	var modes string
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per case and server")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured time per case and server before it")
	flag.IntVar(&o.conns, "conns", 64, "keep-alive connections")
	flag.IntVar(&o.threads, "threads", 2, "wrk threads")
	flag.IntVar(&o.rounds, "rounds", 3, "measurements per case and server, alternating which goes first; the median is reported")
	flag.IntVar(&o.products, "products", 10_000, "generated products on top of the dev seed")
	flag.StringVar(&modes, "modes", "postgres,memory", "storage modes to measure, in order")
	flag.StringVar(&o.profile, "profile", "", "build jupang with -tags pprof and write its CPU profile of -profile-case's measured run to PREFIX-<mode>.pprof")
	flag.StringVar(&o.profileCase, "profile-case", "list newest", "the case -profile profiles")
	only := flag.String("cases", "", "measure only the cases whose name matches this regular expression (e.g. 'top|list price'); empty: all")
	flag.StringVar(&o.databaseURL, "database-url", envOr("JUPANG_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server (any database on it) where jupang_catalog_read is created")
	flag.Parse()
	o.modes, o.rounds = strings.Split(modes, ","), max(1, o.rounds)
	var err error
	if o.only, err = regexp.Compile(*only); err != nil {
		fmt.Fprintln(os.Stderr, "catalog_read: -cases:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "catalog_read:", err)
		os.Exit(1)
	}
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

// leafCategory is the ?category= of the "with category" cases: one leaf, so the baseline's one
// indexed page query answers the same question.
const leafCategory = "laptops"

type testCase struct {
	name string
	path string // real request URI; detail cases rotate over ids
}

func cases() []testCase {
	var out []testCase
	for _, s := range []string{"newest", "price_asc", "price_desc", "popular"} {
		out = append(out, testCase{"list " + s, "/v1/products?sort=" + s + "&limit=20"})
		out = append(out, testCase{"list " + s + " +cat", "/v1/products?sort=" + s + "&limit=20&category=" + leafCategory})
	}
	return append(out, testCase{"detail", "/v1/products/{id}"}, testCase{"top", "/v1/products/top"})
}

func run(o options) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed: apt-get install -y wrk")
	}
	dir, err := os.MkdirTemp("", "catalog_read")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	o.dir = dir
	bin := filepath.Join(dir, "jupang")
	build := []string{"build", "-o", bin}
	if o.profile != "" {
		if o.pprofAddr, err = bench.FreeAddr(); err != nil {
			return err
		}
		build = append(build, "-tags", "pprof")
	}
	fmt.Println("building apps/jupang ...")
	if out, err := exec.Command("go", append(build, "./apps/jupang")...).CombinedOutput(); err != nil { //nolint:gosec // fixed arguments
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	fmt.Printf("wrk -t%d -c%d, %d rounds of %v per case and server (+%v warm-up; medians), %d generated products × 3 markets; request logs go to %s\n",
		o.threads, o.conns, o.rounds, o.duration, o.warmup, o.products, dir)
	fmt.Println("Absolute numbers move with whatever else runs on this machine; compare the ratios, measured back to back.")
	for _, mode := range o.modes {
		if err := measureMode(o, bin, mode); err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
	}
	return nil
}

// jupangEnv is what every jupang process gets on top of this process's environment: default
// logging and tracing, logs to a file, rate limits off, every listener on a free loopback port,
// and with -profile the pprof listener.
func jupangEnv(o options, databaseURL string) ([]string, string, error) {
	env := []string{"JUPANG_RATELIMIT_ENABLED=false", "JUPANG_SHUTDOWN_DRAIN_DELAY=0s",
		"JUPANG_CATALOG_SEED_PRODUCTS=" + strconv.Itoa(o.products), "JUPANG_DATABASE_URL=" + databaseURL}
	if o.pprofAddr != "" {
		env = append(env, "JUPANG_PPROF_ADDR="+o.pprofAddr)
	}
	var storefront string
	for _, key := range []string{"STOREFRONT", "ADMIN", "PARTNER", "WORKER"} {
		addr, err := bench.FreeAddr()
		if err != nil {
			return nil, "", err
		}
		if key == "STOREFRONT" {
			storefront = addr
		}
		env = append(env, "JUPANG_"+key+"_ADDR="+addr)
	}
	return env, storefront, nil
}

func startJupang(o options, bin, databaseURL, logName string) (*bench.Process, error) {
	env, addr, err := jupangEnv(o, databaseURL)
	if err != nil {
		return nil, err
	}
	return bench.Start(bin, nil, env, addr, filepath.Join(o.dir, logName), 5*time.Minute)
}

// preparePostgres creates jupang_catalog_read once, migrates it and loads the seed with the
// generated products (both idempotent), and returns its URL.
func preparePostgres(o options, bin string) (string, error) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, o.databaseURL)
	if err != nil {
		return "", err
	}
	defer func() { _ = admin.Close(ctx) }()
	const name = "jupang_catalog_read"
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
			return "", err
		}
	}
	u, err := url.Parse(o.databaseURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	dsn := u.String()
	env, _, err := jupangEnv(o, dsn)
	if err != nil {
		return "", err
	}
	for _, args := range [][]string{{"migrate", "up"}, {"seed"}} {
		start := time.Now()
		cmd := exec.Command(bin, args...) //nolint:gosec // the scenario's own build
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("jupang %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		fmt.Printf("  jupang %s: %v\n", strings.Join(args, " "), time.Since(start).Round(100*time.Millisecond))
	}
	// As autovacuum would after a bulk load: plans for 30,000 listing rows, not for an empty table.
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer func() { _ = db.Close(ctx) }()
	if _, err := db.Exec(ctx, `ANALYZE`); err != nil {
		return "", err
	}
	return dsn, nil
}

func measureMode(o options, bin, mode string) error {
	fmt.Printf("\n== %s\n", mode)
	dsn := ""
	if mode == "postgres" {
		var err error
		if dsn, err = preparePostgres(o, bin); err != nil {
			return err
		}
	} else if mode != "memory" {
		return fmt.Errorf("unknown mode %q", mode)
	}
	start := time.Now()
	real, err := startJupang(o, bin, dsn, "jupang-"+mode+".log")
	if err != nil {
		return err
	}
	defer real.Stop()
	fmt.Printf("  jupang serving after %v\n", time.Since(start).Round(100*time.Millisecond))
	// Not while start-up work still runs (the seed's outbox drains, the jobs' first runs): it
	// took 30 % of the CPU during the first cases measured.
	fmt.Printf("  jupang idle after another %v\n", real.WaitIdle(2*time.Minute).Round(100*time.Millisecond))

	ids, err := productIDs(real.Addr, 200)
	if err != nil {
		return err
	}
	// The same-bytes server answers each URI with what jupang answered.
	bodies := map[string]string{}
	for _, c := range cases() {
		for _, uri := range uris(c, ids) {
			body, err := get(real.Addr, uri)
			if err != nil {
				return err
			}
			bodies[uri] = string(body)
		}
	}
	bodiesFile := filepath.Join(o.dir, "bodies-"+mode+".json")
	raw, err := json.Marshal(bodies)
	if err != nil {
		return err
	}
	if err := os.WriteFile(bodiesFile, raw, 0o600); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	baseAddr, err := bench.FreeAddr()
	if err != nil {
		return err
	}
	baseline, err := bench.Start(self, []string{"baseline", "-addr", baseAddr, "-bodies", bodiesFile, "-database-url", dsn, "-category", leafCategory},
		nil, baseAddr, filepath.Join(o.dir, "baseline-"+mode+".log"), 30*time.Second)
	if err != nil {
		return err
	}
	defer baseline.Stop()

	// cpu/req is the server process's CPU time per request served (median over the rounds); cpu× is
	// baseline ÷ real: the throughput ratio the two would reach alone on equal cores.
	fmt.Printf("  %-22s %10s %9s %9s %8s | %-10s %10s %9s %9s %8s | %6s %6s %6s  %s\n", "case", "real/s", "p50", "p99", "cpu/req",
		"baseline", "req/s", "p50", "p99", "cpu/req", "ratio", "p99×", "cpu×", "target")
	for _, c := range cases() {
		if !o.only.MatchString(c.name) {
			continue
		}
		kind := "same bytes"
		if mode == "postgres" && c.name != "top" {
			kind = map[bool]string{true: "PK lookup", false: "page query"}[c.name == "detail"]
		}
		script, err := writeScript(o.dir, c, ids)
		if err != nil {
			return err
		}
		// Rounds alternate which server goes first, so a neighbour's burst lands on both sides.
		var realRuns, baseRuns []wrkResult
		for round := range o.rounds {
			targets := []string{real.Addr, baseAddr}
			if round%2 == 1 {
				targets[0], targets[1] = targets[1], targets[0]
			}
			for _, addr := range targets {
				if round == 0 {
					if _, err := runWrk(o, addr, script, o.warmup); err != nil {
						return err
					}
				}
				wait := func() error { return nil }
				if o.profile != "" && c.name == o.profileCase && addr == real.Addr && round == 0 {
					wait = bench.CPUProfile(o.pprofAddr, o.duration, o.profile+"-"+mode+".pprof")
				}
				proc := map[bool]*bench.Process{true: real, false: baseline}[addr == real.Addr]
				cpuBefore, cpuOK := proc.CPUTime()
				res, err := runWrk(o, addr, script, o.duration)
				if err != nil {
					return err
				}
				if cpuAfter, ok := proc.CPUTime(); ok && cpuOK && res.requests > 0 {
					res.cpuPerRequest = (cpuAfter - cpuBefore) / time.Duration(res.requests)
				}
				if err := wait(); err != nil {
					return fmt.Errorf("profile: %w", err)
				}
				if addr == real.Addr {
					realRuns = append(realRuns, res)
				} else {
					baseRuns = append(baseRuns, res)
				}
			}
		}
		realRes, baseRes := medianRun(realRuns), medianRun(baseRuns)
		ratio, p99x := realRes.rps/baseRes.rps, float64(realRes.p99)/float64(baseRes.p99)
		cpuX := 0.0
		if realRes.cpuPerRequest > 0 {
			cpuX = float64(baseRes.cpuPerRequest) / float64(realRes.cpuPerRequest)
		}
		fmt.Printf("  %-22s %10.0f %9v %9v %8v | %-10s %10.0f %9v %9v %8v | %6.2f %6.2f %6.2f  %s\n", c.name,
			realRes.rps, realRes.p50, realRes.p99, realRes.cpuPerRequest.Round(100*time.Nanosecond),
			kind, baseRes.rps, baseRes.p50, baseRes.p99, baseRes.cpuPerRequest.Round(100*time.Nanosecond), ratio, p99x, cpuX, verdict(mode, c, ratio, p99x))
		if realRes.errors > 0 || baseRes.errors > 0 {
			return fmt.Errorf("%s: %d real and %d baseline requests failed or were not 200", c.name, realRes.errors, baseRes.errors)
		}
	}
	return nil
}

// verdict compares a case with issue 8's targets at 64 connections on the 2-core machine.
func verdict(mode string, c testCase, ratio, p99x float64) string {
	switch {
	case c.name == "top":
		return mark(ratio >= 0.75, "ratio >= 0.75")
	case mode == "memory" && strings.HasPrefix(c.name, "list"):
		return mark(ratio >= 0.5, "ratio >= 0.50")
	case mode == "memory":
		return "(no target)"
	}
	return mark(ratio >= 0.30 && p99x <= 2, "ratio >= 0.30, p99× <= 2")
}

func mark(ok bool, target string) string {
	if ok {
		return "met (" + target + ")"
	}
	return "MISSED (" + target + ")"
}

func uris(c testCase, ids []string) []string {
	if !strings.Contains(c.path, "{id}") {
		return []string{c.path}
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.Replace(c.path, "{id}", id, 1)
	}
	return out
}

// writeScript writes the wrk script of a case: the request's headers, and for detail a rotation
// over the ids.
func writeScript(dir string, c testCase, ids []string) (string, error) {
	var b strings.Builder
	b.WriteString("wrk.headers[\"X-Market\"] = \"KR\"\nwrk.headers[\"Accept-Language\"] = \"ko-KR,ko;q=0.9,en;q=0.8\"\n")
	b.WriteString("local uris = {")
	for i, u := range uris(c, ids) {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(strconv.Quote(u))
	}
	b.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", uris[(i % #uris) + 1])\nend\n")
	b.WriteString("local bad = 0\nresponse = function(status)\n  if status ~= 200 then bad = bad + 1 end\nend\n")
	b.WriteString("done = function()\n  io.write(\"non200 \", bad, \"\\n\")\nend\n")
	name := filepath.Join(dir, "case.lua")
	return name, os.WriteFile(name, []byte(b.String()), 0o600)
}

type wrkResult struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
	requests int
	// cpuPerRequest is the server process's CPU time (user + system) over the run ÷ requests: what
	// one request costs it, independent of the share of the shared cores it was given.
	cpuPerRequest time.Duration
}

// medianRun is the median of each figure over the rounds, and every error.
func medianRun(runs []wrkResult) wrkResult {
	var out wrkResult
	var rps []float64
	var p50, p99, cpu []time.Duration
	for _, r := range runs {
		rps, p50, p99, cpu = append(rps, r.rps), append(p50, r.p50), append(p99, r.p99), append(cpu, r.cpuPerRequest)
		out.errors += r.errors
	}
	out.rps, out.p50, out.p99 = bench.Median(rps), bench.Percentile(p50, 0.5), bench.Percentile(p99, 0.5)
	out.cpuPerRequest = bench.Percentile(cpu, 0.5)
	return out
}

var (
	rpsLine      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	requestsLine = regexp.MustCompile(`(\d+) requests in `)
	percentLine  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	errorsLine   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	non200Line   = regexp.MustCompile(`non200 (\d+)`)
)

func runWrk(o options, addr, script string, d time.Duration) (wrkResult, error) {
	//nolint:gosec // the arguments are this program's own flags and files
	out, err := exec.Command("wrk", "-t"+strconv.Itoa(o.threads), "-c"+strconv.Itoa(o.conns), "-d"+strconv.Itoa(max(1, int(d.Seconds())))+"s",
		"--latency", "-s", script, "http://"+addr).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	var r wrkResult
	m := rpsLine.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("wrk output without Requests/sec:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := requestsLine.FindSubmatch(out); m != nil {
		r.requests, _ = strconv.Atoi(string(m[1]))
	}
	for _, p := range percentLine.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(p[2]), 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(p[3])]
		lat := time.Duration(v * float64(unit)).Round(10 * time.Microsecond)
		if string(p[1]) == "50" {
			r.p50 = lat
		} else {
			r.p99 = lat
		}
	}
	if m := errorsLine.FindSubmatch(out); m != nil {
		for _, g := range m[1:] {
			n, _ := strconv.Atoi(string(g))
			r.errors += n
		}
	}
	if m := non200Line.FindSubmatch(out); m != nil {
		n, _ := strconv.Atoi(string(m[1]))
		r.errors += n
	}
	return r, nil
}

func get(addr, uri string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+uri, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Market", "KR")
	req.Header.Set("Accept-Language", "ko-KR,ko;q=0.9,en;q=0.8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", uri, resp.StatusCode, body)
	}
	return body, nil
}

// productIDs returns n product ids from the list, spread over the catalog.
func productIDs(addr string, n int) ([]string, error) {
	var ids []string
	for _, s := range []string{"newest", "price_asc", "price_desc", "popular"} {
		body, err := get(addr, "/v1/products?limit=50&sort="+s)
		if err != nil {
			return nil, err
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
	}
	if len(ids) > n {
		ids = ids[:n]
	}
	if len(ids) == 0 {
		return nil, errors.New("the product list is empty")
	}
	return ids, nil
}
