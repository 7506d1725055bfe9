// Command coupon_claim is the flash-sale load scenario: POST /v1/coupons/{code}/claim over HTTP
// against the real storefront binary (./apps/storefront, built here) running as its own process on
// PostgreSQL with its default logging and tracing, rate limits off; this program is the separate
// load generator and runs a raw-SQL baseline in the same run (docs/coupon-flash-sale.md).
//
//	go run ./loadtest/coupon_claim [-conns 64] [-duration 20s] [-overload 512] [-users 2000] [-profile cpu.pprof [-profile-phase rate]]
//
// Phases, each on a fresh coupon:
//
//  1. exactness: every customer (-users, 2,000 by default) claims a coupon of 500 at once; a shed
//     claim (503) waits its Retry-After and tries again. Exactly 500 must get one.
//  2. rate: an unlimited coupon with perUserLimit 10,000, claimed for -duration by -conns
//     connections, each request by a random customer, half with an Idempotency-Key; a worker
//     answered 503 waits its Retry-After (a well-behaved client).
//  3. baseline: the naive hot-row claim in raw SQL (one counter row, UPDATE … WHERE issued < total,
//     plus the user-coupon insert, in one transaction) by -conns connections for -duration.
//  4. overload: -overload connections for -duration/2 on a coupon of -overload-total, honouring
//     Retry-After; then 5. the same ignoring it (every worker sends again at once), the server's
//     worst case. Each: every answer's p50/p99, the shed ones (503 + Retry-After), exactness.
//
// Per phase it prints claims/s, requests/s, p50/p99 of every answer and of the 201s, answers by
// code, the CPU the driver and the storefront used, and the load average; and the ratio of phase
// 2 to 3. Tokens are minted before timing (the driver signs with the key it gives the storefront).
// With -profile the storefront is built with -tags pprof and profiled during phase 5 (or 2, with
// -profile-phase rate). The
// database named by -database-url is dropped and recreated.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/loadtest/internal/bench"
)

const issuer = "https://auth.jupang.test"

type options struct {
	dbURL              string
	conns, overload    int
	duration           time.Duration
	users, pool, total int
	profile, profiled  string
}

func main() {
	var o options
	flag.StringVar(&o.dbURL, "database-url", "postgres://postgres@127.0.0.1:5432/jupang_loadtest_coupons?sslmode=disable", "scratch database (dropped and recreated)")
	flag.IntVar(&o.conns, "conns", 64, "connections of the rate phase and the baseline")
	flag.IntVar(&o.overload, "overload", 512, "connections of the overload phases")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "rate and baseline phase length (overload phases: half)")
	flag.IntVar(&o.users, "users", 2000, "distinct customers")
	flag.IntVar(&o.pool, "pool", 20, "the storefront's database pool (database.max_open_conns; 20 by default)")
	flag.IntVar(&o.total, "overload-total", 30000, "total quantity of each overload phase's coupon")
	flag.StringVar(&o.profile, "profile", "", "build the storefront with -tags pprof and write its CPU profile of one phase here")
	flag.StringVar(&o.profiled, "profile-phase", "stampede", "the phase -profile profiles: rate or stampede")
	flag.Parse()
	if o.profiled != "rate" && o.profiled != "stampede" {
		fmt.Fprintln(os.Stderr, "coupon_claim: -profile-phase is rate or stampede")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "coupon_claim:", err)
		os.Exit(1)
	}
}

func recreate(ctx context.Context, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin := *u
	admin.Path = "/postgres"
	db, err := sql.Open("pgx", admin.String())
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `CREATE DATABASE "`+name+`"`)
	return err
}

func run(o options) error {
	ctx := context.Background()
	if err := recreate(ctx, o.dbURL); err != nil {
		return fmt.Errorf("recreate database: %w", err)
	}
	dir, err := os.MkdirTemp("", "coupon_claim")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	key, err := auth.GenerateKey("load-key")
	if err != nil {
		return err
	}
	pem, err := key.PrivatePEM()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "keys", key.Kid+".pem"), pem, 0o600); err != nil {
		return err
	}
	keys, err := auth.NewKeySet(key)
	if err != nil {
		return err
	}
	bin := filepath.Join(dir, "storefront")
	fmt.Println("building apps/storefront ...")
	build := []string{"build", "-o", bin}
	if o.profile != "" {
		build = append(build, "-tags", "pprof")
	}
	if out, err := exec.Command("go", append(build, "./apps/storefront")...).CombinedOutput(); err != nil { //nolint:gosec // fixed arguments
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	sf, pprofAddr, err := startStorefront(bin, dir, o)
	if err != nil {
		return err
	}
	defer sf.Stop()
	addr := sf.Addr

	db, closeDB, err := postgres.Open(ctx, postgres.Config{URL: o.dbURL, MaxOpenConns: 4, MaxIdleConns: 4})
	if err != nil {
		return err
	}
	defer closeDB()
	ids := make([]string, o.users)
	for i := range ids {
		ids[i] = kernel.NewID()
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, password_hash, name)
		SELECT id, id::text || '@load.test', 'x', 'Claimer' FROM unnest($1::uuid[]) AS id`, ids); err != nil {
		return err
	}
	signer := auth.NewSigner(keys, issuer)
	tokens := make([]string, o.users)
	now := time.Now()
	for i, id := range ids {
		if tokens[i], err = signer.Sign(ctx, identity.AccessClaims{ID: kernel.NewID(), Subject: id, Audience: kernel.AudienceStorefront,
			ClientID: "storefront", Roles: []kernel.Role{kernel.RoleCustomer}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			return err
		}
	}
	// The driver defines the coupons and reads them back through the coupon use cases on the same
	// database; every claim goes to the storefront process over HTTP.
	svc := coupon.NewService(postgres.NewUnitOfWork(db, postgres.CouponStores), nil, kernel.SystemClock{}, coupon.Options{})
	create := func(code string, total *int, perUser int) (coupon.Coupon, error) {
		return svc.Create(ctx, "", coupon.Coupon{Code: code, Name: map[kernel.Locale]string{kernel.LocaleKO: "부하", kernel.LocaleEN: "Load", kernel.LocaleJA: "負荷"},
			Type: coupon.TypeFixed, Value: 1000, ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(24 * time.Hour), TotalQuantity: total, PerUserLimit: perUser})
	}
	fmt.Printf("coupon_claim: %d customers, rate phase %d connections for %v, overload %d connections, storefront pool %d (log %s), load average %s\n",
		o.users, o.conns, o.duration, o.overload, o.pool, filepath.Join(dir, "storefront.log"), bench.LoadAverage())
	phase := measuring(sf)

	// 1. Exactness: everyone at once on 500.
	five := 500
	flash, err := create("FLASH500", &five, 1)
	if err != nil {
		return err
	}
	var res bench.Result
	usage := phase(func() { res = burst(addr, "FLASH500", tokens) })
	issued, err := issuedOf(ctx, svc, flash.ID)
	if err != nil {
		return err
	}
	fmt.Printf("exactness: %d customers at once on 500 → %s; issued %d (%s); %s\n", o.users, res.Codes(), issued,
		verdict(issued == 500 && res.Answers["201"] == 500), usage)

	// 2. Rate: unlimited, perUserLimit 10,000, a well-behaved client.
	unlimited, err := create("RATE", nil, coupon.MaxPerUserLimit)
	if err != nil {
		return err
	}
	var rate bench.Result
	wait := profiling(o, "rate", pprofAddr, o.duration)
	usage = phase(func() { rate = drive(addr, "RATE", tokens, o.conns, o.duration, true, true) })
	if err := wait(); err != nil {
		return err
	}
	if issued, err = issuedOf(ctx, svc, unlimited.ID); err != nil {
		return err
	}
	fmt.Printf("rate (ours, HTTP, %d connections): %s; issued %d = 201s %d (%s); %s\n", o.conns, describe(rate), issued,
		rate.Answers["201"], verdict(issued == rate.Answers["201"]), usage)

	// 3. Baseline: the naive hot row in raw SQL over the same number of connections.
	var base bench.Result
	usage = phase(func() { base, err = hotRow(ctx, o.dbURL, ids, o.conns, o.duration) })
	if err != nil {
		return err
	}
	fmt.Printf("baseline (hot row, raw SQL, %d connections): %s; %s\n", o.conns, describe(base), usage)
	fmt.Printf("ratio ours/hot-row at %d connections: %.2f× claims/s (target ≥ 1.5×)\n", o.conns, rate.Rate("201")/base.Rate("201"))

	// 4 and 5. Overload on a limited coupon, honouring Retry-After and then ignoring it.
	for _, polite := range []bool{true, false} {
		name, how := "OVERLOAD", "honouring Retry-After"
		if !polite {
			name, how = "STAMPEDE", "ignoring Retry-After"
		}
		made, err := create(name, &o.total, coupon.MaxPerUserLimit)
		if err != nil {
			return err
		}
		wait := func() error { return nil }
		if !polite {
			wait = profiling(o, "stampede", pprofAddr, o.duration/2)
		}
		var over bench.Result
		usage = phase(func() { over = drive(addr, name, tokens, o.overload, o.duration/2, false, polite) })
		if err := wait(); err != nil {
			return err
		}
		issued, err := issuedOf(ctx, svc, made.ID)
		if err != nil {
			return err
		}
		fmt.Printf("overload (%d connections, %s): %s; issued %d of %d = 201s %d (%s); %s\n", o.overload, how, describe(over),
			issued, o.total, over.Answers["201"], verdict(issued == over.Answers["201"] && issued <= o.total), usage)
		fmt.Printf("  p99 of every answer %v (target ≤ 100ms)\n", bench.Percentile(over.Lat, 0.99).Round(100*time.Microsecond))
	}
	return nil
}

// profiling starts the storefront's CPU profile for d when -profile asks for phase; the function it
// returns waits for the profile to be written.
func profiling(o options, phase, pprofAddr string, d time.Duration) func() error {
	if o.profile == "" || o.profiled != phase {
		return func() error { return nil }
	}
	wait := bench.CPUProfile(pprofAddr, d, o.profile)
	return func() error {
		if err := wait(); err != nil {
			return err
		}
		fmt.Printf("storefront CPU profile of the %s phase: %s\n", phase, o.profile)
		return nil
	}
}

// measuring returns a function that runs one phase and describes what it cost: the CPU the
// driver (this process) and the storefront used over the phase, in cores, and the load average
// at its end.
func measuring(sf *bench.Process) func(func()) string {
	return func(phase func()) string {
		self, server, began := bench.SelfCPU(), sf.CPU(), time.Now()
		phase()
		wall := time.Since(began).Seconds()
		return fmt.Sprintf("CPU driver %.2f cores, storefront %.2f cores; load average %s",
			(bench.SelfCPU()-self).Seconds()/wall, (sf.CPU()-server).Seconds()/wall, bench.LoadAverage())
	}
}

// describe is a phase's figures: claims/s, requests/s, p50/p99 of every answer and of the 201s,
// answers by code.
func describe(r bench.Result) string {
	ms := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	return fmt.Sprintf("%.0f claims/s (%d in %v), %.0f requests/s, p50 %v p99 %v (201s: p50 %v p99 %v), answers %s",
		r.Rate("201"), r.Answers["201"], r.Elapsed.Round(time.Millisecond), float64(r.Total())/r.Elapsed.Seconds(),
		ms(bench.Percentile(r.Lat, 0.5)), ms(bench.Percentile(r.Lat, 0.99)),
		ms(bench.Percentile(r.ByAnswer["201"], 0.5)), ms(bench.Percentile(r.ByAnswer["201"], 0.99)), r.Codes())
}

func verdict(ok bool) string {
	if ok {
		return "exact"
	}
	return "NOT EXACT"
}

func issuedOf(ctx context.Context, svc *coupon.Service, id string) (int, error) {
	if err := svc.CheckInvariant(ctx, id); err != nil {
		return 0, err
	}
	c, err := svc.Get(ctx, id)
	return c.Issued, err
}

// answerCode names an answer: "201", or the status and the problem's code.
func answerCode(resp *fasthttp.Response) string {
	if resp.StatusCode() == fasthttp.StatusCreated {
		return "201"
	}
	body := string(resp.Body())
	if i := strings.Index(body, `"code":"`); i >= 0 {
		rest := body[i+8:]
		if j := strings.IndexByte(rest, '"'); j >= 0 {
			return strconv.Itoa(resp.StatusCode()) + " " + rest[:j]
		}
	}
	return strconv.Itoa(resp.StatusCode())
}

// claim sends one claim; it returns the answer's name, its Retry-After (0: none), the latency.
func claim(client *fasthttp.Client, addr, code, token, key string) (string, time.Duration, time.Duration) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + addr + "/v1/coupons/" + code + "/claim")
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	start := time.Now()
	err := client.DoTimeout(req, resp, 30*time.Second)
	took := time.Since(start)
	if err != nil {
		return "transport", 0, took
	}
	answer := answerCode(resp)
	retry := time.Duration(0)
	if raw := resp.Header.Peek("Retry-After"); len(raw) > 0 {
		if secs, err := strconv.Atoi(string(raw)); err == nil && secs > 0 {
			retry = time.Duration(secs) * time.Second
		}
	}
	if answer == "503 OVERLOADED" && retry == 0 {
		answer += " without Retry-After"
	}
	return answer, retry, took
}

// backOff sleeps a Retry-After with up to half of it added at random, so the shed clients do not
// come back in step.
func backOff(retry time.Duration) {
	time.Sleep(retry + rand.N(retry/2+1)) //nolint:gosec // jitter
}

// burst: every token claims once at the same moment; a 503 waits its Retry-After and retries.
func burst(addr, code string, tokens []string) bench.Result {
	client := &fasthttp.Client{MaxConnsPerHost: len(tokens), ReadTimeout: 30 * time.Second}
	out := bench.Result{Answers: map[string]int{}, ByAnswer: map[string][]time.Duration{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	began := time.Now()
	for _, tok := range tokens {
		wg.Go(func() {
			<-start
			for {
				c, retry, took := claim(client, addr, code, tok, "")
				if strings.HasPrefix(c, "503") {
					backOff(max(retry, time.Second))
					continue
				}
				mu.Lock()
				out.Answers[c]++
				out.Lat = append(out.Lat, took)
				out.ByAnswer[c] = append(out.ByAnswer[c], took)
				mu.Unlock()
				return
			}
		})
	}
	close(start)
	wg.Wait()
	out.Elapsed = time.Since(began)
	return out
}

// drive keeps conns connections busy for d, each request by a random customer; with keys, half the
// requests carry a fresh Idempotency-Key. A polite worker answered with Retry-After waits it before
// its next request (a well-behaved client); an impolite one sends again at once.
func drive(addr, code string, tokens []string, conns int, d time.Duration, keys, polite bool) bench.Result {
	client := &fasthttp.Client{MaxConnsPerHost: conns, ReadTimeout: 30 * time.Second}
	var seq atomic.Int64
	return bench.Parallel(conns, d, func(int) (time.Duration, string) {
		key := ""
		if keys && rand.IntN(2) == 0 { //nolint:gosec // load mix
			key = "load-" + strconv.FormatInt(seq.Add(1), 10)
		}
		c, retry, took := claim(client, addr, code, tokens[rand.IntN(len(tokens))], key) //nolint:gosec // load mix
		if polite && retry > 0 {
			backOff(retry)
		}
		return took, c
	})
}

// hotRow is the naive claim: one counter row and the user-coupon insert, in one transaction. Its
// successes are named "201" like the HTTP claims', so the two compare by one name.
func hotRow(ctx context.Context, dbURL string, users []string, conns int, d time.Duration) (bench.Result, error) {
	db, closeDB, err := postgres.Open(ctx, postgres.Config{URL: dbURL, MaxOpenConns: conns, MaxIdleConns: conns})
	if err != nil {
		return bench.Result{}, err
	}
	defer closeDB()
	couponID := kernel.NewID()
	if _, err := db.ExecContext(ctx, `
		INSERT INTO coupons (id, code, type, value, valid_from, valid_until, total_quantity, per_user_limit)
		VALUES ($1, 'HOTROW', 'FIXED', 1000, now() - interval '1 hour', now() + interval '1 day', 100000000, 10000)`, couponID); err != nil {
		return bench.Result{}, err
	}
	var firstErr atomic.Value
	out := bench.Parallel(conns, d, func(int) (time.Duration, string) {
		start := time.Now()
		err := hotClaim(ctx, db, couponID, users[rand.IntN(len(users))]) //nolint:gosec // load mix
		if err != nil {
			firstErr.CompareAndSwap(nil, err)
			return time.Since(start), "error"
		}
		return time.Since(start), "201"
	})
	if e, ok := firstErr.Load().(error); ok {
		return out, fmt.Errorf("baseline: %w", e)
	}
	return out, nil
}

func hotClaim(ctx context.Context, db *postgres.DB, couponID, userID string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	err = tx.QueryRowContext(ctx, `UPDATE coupons SET issued_count = issued_count + 1
		WHERE id = $1 AND (total_quantity IS NULL OR issued_count < total_quantity) RETURNING issued_count`, couponID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("sold out")
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO user_coupons (id, coupon_id, user_id, claim_no, claimed_at, expires_at)
		VALUES ($1, $2, $3, $4, now(), now() + interval '1 day')`, kernel.NewID(), couponID, userID, n); err != nil {
		return err
	}
	return tx.Commit()
}

// startStorefront runs the storefront binary on the scratch database with its default logging and
// tracing (JSON request logs to a file of dir), migrations applied at start, the driver's signing
// key, rate limits off (2,000 customers claiming for 20 s would otherwise meet the per-customer
// claim limit instead of the database), a pool of o.pool connections and, with -profile, the pprof
// listener (whose address it returns).
func startStorefront(bin, dir string, o options) (*bench.Process, string, error) {
	addr, err := bench.FreeAddr()
	if err != nil {
		return nil, "", err
	}
	env := []string{"JUPANG_DATABASE_URL=" + o.dbURL, "JUPANG_DATABASE_AUTO_MIGRATE=true",
		"JUPANG_DATABASE_MAX_OPEN_CONNS=" + strconv.Itoa(o.pool), "JUPANG_STOREFRONT_ADDR=" + addr,
		"JUPANG_AUTH_KEYS_DIR=" + filepath.Join(dir, "keys"), "JUPANG_AUTH_ISSUER=" + issuer,
		"JUPANG_RATELIMIT_ENABLED=false", "JUPANG_SHUTDOWN_DRAIN_DELAY=0s"}
	pprofAddr := ""
	if o.profile != "" {
		if pprofAddr, err = bench.FreeAddr(); err != nil {
			return nil, "", err
		}
		env = append(env, "JUPANG_PPROF_ADDR="+pprofAddr)
	}
	p, err := bench.Start(bin, nil, env, addr, filepath.Join(dir, "storefront.log"), 2*time.Minute)
	return p, pprofAddr, err
}
