// Command coupon_claim is the flash-sale load scenario: POST /v1/coupons/{code}/claim over HTTP
// against the real storefront binary (./apps/storefront, built here) running as its own process on
// PostgreSQL with its default logging and tracing, rate limits off; this program is the separate
// load generator and runs a raw-SQL baseline in the same run (docs/coupon-flash-sale.md).
//
//	go run ./loadtest/coupon_claim [-conns 64] [-duration 20s] [-overload 512] [-users 2000]
//
// Phases, each on a fresh coupon:
//
//  1. exactness: every customer (-users, 2,000 by default) claims a coupon of 500 at once; a shed
//     claim (503) waits its Retry-After and tries again. Exactly 500 must get one.
//  2. rate: an unlimited coupon with perUserLimit 10,000, claimed for -duration by -conns
//     connections, each request by a random customer, half with an Idempotency-Key.
//  3. baseline: the naive hot-row claim in raw SQL (one counter row, UPDATE … WHERE issued < total,
//     plus the user-coupon insert, in one transaction) by -conns connections for -duration.
//  4. overload: -overload connections for -duration/2 on a coupon of -overload-total: every answer's p99,
//     the shed ones (503 + Retry-After), and exactness again.
//
// It prints claims/s, p50/p99 and answers by code per phase, and the ratio of phase 2 to 3.
// Tokens are minted before timing (the driver signs with the key it gives the storefront). The
// database named by -database-url is dropped and recreated.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
)

const issuer = "https://auth.jupang.test"

func main() {
	dbURL := flag.String("database-url", "postgres://postgres@127.0.0.1:5432/jupang_loadtest_coupons?sslmode=disable", "scratch database (dropped and recreated)")
	conns := flag.Int("conns", 64, "connections of the rate phase and the baseline")
	overload := flag.Int("overload", 512, "connections of the overload phase")
	duration := flag.Duration("duration", 20*time.Second, "rate and baseline phase length (overload: half)")
	users := flag.Int("users", 2000, "distinct customers")
	pool := flag.Int("pool", 20, "the storefront's database pool (database.max_open_conns; 20 by default)")
	overTotal := flag.Int("overload-total", 30000, "total quantity of the overload phase's coupon")
	flag.Parse()
	if err := run(*dbURL, *conns, *overload, *duration, *users, *pool, *overTotal); err != nil {
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

func run(dbURL string, conns, overload int, duration time.Duration, nUsers, pool, overTotal int) error {
	ctx := context.Background()
	if err := recreate(ctx, dbURL); err != nil {
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
	if out, err := exec.Command("go", "build", "-o", bin, "./apps/storefront").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	sf, err := startStorefront(bin, dir, dbURL, pool)
	if err != nil {
		return err
	}
	defer sf.stop()
	addr := sf.addr

	db, closeDB, err := postgres.Open(ctx, postgres.Config{URL: dbURL, MaxOpenConns: 4, MaxIdleConns: 4})
	if err != nil {
		return err
	}
	defer closeDB()
	ids := make([]string, nUsers)
	for i := range ids {
		ids[i] = kernel.NewID()
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, password_hash, name)
		SELECT id, id::text || '@load.test', 'x', 'Claimer' FROM unnest($1::uuid[]) AS id`, ids); err != nil {
		return err
	}
	signer := auth.NewSigner(keys, issuer)
	tokens := make([]string, nUsers)
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
	fmt.Printf("coupon_claim: %d customers, rate phase %d connections for %v, overload %d connections, storefront pool %d (log %s)\n",
		nUsers, conns, duration, overload, pool, filepath.Join(dir, "storefront.log"))

	// 1. Exactness: everyone at once on 500.
	five := 500
	flash, err := create("FLASH500", &five, 1)
	if err != nil {
		return err
	}
	res := burst(addr, "FLASH500", tokens)
	issued, err := issuedOf(ctx, svc, flash.ID)
	if err != nil {
		return err
	}
	fmt.Printf("exactness: %d customers at once on 500 → %s; issued %d (%s)\n", nUsers, res.codes(), issued, verdict(issued == 500 && res.count["201"] == 500))

	// 2. Rate: unlimited, perUserLimit 10,000.
	if _, err := create("RATE", nil, coupon.MaxPerUserLimit); err != nil {
		return err
	}
	rate := drive(addr, "RATE", tokens, conns, duration, true)
	fmt.Printf("rate (ours, HTTP): %s\n", rate)

	// 3. Baseline: the naive hot row in raw SQL over the same number of connections.
	base, err := hotRow(ctx, dbURL, ids, conns, duration)
	if err != nil {
		return err
	}
	fmt.Printf("baseline (hot row, raw SQL): %s\n", base)
	ratio := float64(rate.count["201"]) / rate.elapsed.Seconds() / (float64(base.count["ok"]) / base.elapsed.Seconds())
	fmt.Printf("ratio ours/hot-row at %d connections: %.2f× (target ≥ 1.5×)\n", conns, ratio)

	// 4. Overload on a limited coupon.
	big, err := create("OVERLOAD", &overTotal, coupon.MaxPerUserLimit)
	if err != nil {
		return err
	}
	over := drive(addr, "OVERLOAD", tokens, overload, duration/2, false)
	issued, err = issuedOf(ctx, svc, big.ID)
	if err != nil {
		return err
	}
	fmt.Printf("overload (%d connections): %s; shed without Retry-After: %d; issued %d of %d, 201s %d (%s)\n", overload, over,
		over.noRetryAfter, issued, overTotal, over.count["201"], verdict(issued == over.count["201"] && issued <= overTotal))
	fmt.Printf("overload p99 of every answer: %v (target ≤ 100ms)\n", over.pct(0.99))
	return nil
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

type result struct {
	count        map[string]int
	lat          []time.Duration
	elapsed      time.Duration
	noRetryAfter int
}

func (r *result) merge(o result) {
	for k, v := range o.count {
		r.count[k] += v
	}
	r.lat = append(r.lat, o.lat...)
	r.noRetryAfter += o.noRetryAfter
}

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func (r result) codes() string {
	keys := make([]string, 0, len(r.count))
	for k := range r.count {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + strconv.Itoa(r.count[k])
	}
	return strings.Join(parts, " ")
}

func (r result) String() string {
	ok := r.count["201"] + r.count["ok"]
	return fmt.Sprintf("%.0f claims/s (%d in %v), p50 %v p99 %v, answers %s", float64(ok)/r.elapsed.Seconds(), ok,
		r.elapsed.Round(time.Millisecond), r.pct(0.5), r.pct(0.99), r.codes())
}

// answerCode names an answer: "201", or the problem's code.
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

func claim(client *fasthttp.Client, addr, code, token, key string) (string, bool, time.Duration, error) {
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
		return "", false, took, err
	}
	return answerCode(resp), len(resp.Header.Peek("Retry-After")) > 0, took, nil
}

// burst: every token claims once at the same moment; a 503 waits its Retry-After and retries.
func burst(addr, code string, tokens []string) result {
	client := &fasthttp.Client{MaxConnsPerHost: len(tokens), ReadTimeout: 30 * time.Second}
	out := result{count: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	began := time.Now()
	for _, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				c, _, took, err := claim(client, addr, code, tok, "")
				if err != nil {
					c = "transport"
				}
				if strings.HasPrefix(c, "503") {
					time.Sleep(time.Second + time.Duration(rand.IntN(500))*time.Millisecond) //nolint:gosec // jitter
					continue
				}
				mu.Lock()
				out.count[c]++
				out.lat = append(out.lat, took)
				mu.Unlock()
				return
			}
		}()
	}
	close(start)
	wg.Wait()
	out.elapsed = time.Since(began)
	return out
}

// drive keeps conns connections busy for d, each request by a random customer; with keys, half the
// requests carry a fresh Idempotency-Key.
func drive(addr, code string, tokens []string, conns int, d time.Duration, keys bool) result {
	client := &fasthttp.Client{MaxConnsPerHost: conns, ReadTimeout: 30 * time.Second}
	parts := make([]result, conns)
	var wg sync.WaitGroup
	var stop atomic.Bool
	var seq atomic.Int64
	began := time.Now()
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := result{count: map[string]int{}}
			for !stop.Load() {
				key := ""
				if keys && rand.IntN(2) == 0 { //nolint:gosec // load mix
					key = "load-" + strconv.FormatInt(seq.Add(1), 10)
				}
				c, retry, took, err := claim(client, addr, code, tokens[rand.IntN(len(tokens))], key) //nolint:gosec // load mix
				if err != nil {
					c = "transport"
				}
				if strings.HasPrefix(c, "503") && !retry {
					r.noRetryAfter++
				}
				r.count[c]++
				r.lat = append(r.lat, took)
			}
			parts[i] = r
		}()
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	out := result{count: map[string]int{}, elapsed: time.Since(began)}
	for _, p := range parts {
		out.merge(p)
	}
	return out
}

// hotRow is the naive claim: one counter row and the user-coupon insert, in one transaction.
func hotRow(ctx context.Context, dbURL string, users []string, conns int, d time.Duration) (result, error) {
	db, closeDB, err := postgres.Open(ctx, postgres.Config{URL: dbURL, MaxOpenConns: conns, MaxIdleConns: conns})
	if err != nil {
		return result{}, err
	}
	defer closeDB()
	couponID := kernel.NewID()
	if _, err := db.ExecContext(ctx, `
		INSERT INTO coupons (id, code, type, value, valid_from, valid_until, total_quantity, per_user_limit)
		VALUES ($1, 'HOTROW', 'FIXED', 1000, now() - interval '1 hour', now() + interval '1 day', 100000000, 10000)`, couponID); err != nil {
		return result{}, err
	}
	parts := make([]result, conns)
	var wg sync.WaitGroup
	var stop atomic.Bool
	began := time.Now()
	var firstErr atomic.Value
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := result{count: map[string]int{}}
			for !stop.Load() {
				start := time.Now()
				err := hotClaim(ctx, db, couponID, users[rand.IntN(len(users))]) //nolint:gosec // load mix
				r.lat = append(r.lat, time.Since(start))
				if err != nil {
					r.count["error"]++
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				r.count["ok"]++
			}
			parts[i] = r
		}()
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	out := result{count: map[string]int{}, elapsed: time.Since(began)}
	for _, p := range parts {
		out.merge(p)
	}
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

// process is the storefront binary, run on its own.
type process struct {
	cmd  *exec.Cmd
	addr string
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

// startStorefront runs the storefront binary on dbURL with its default logging and tracing (JSON
// request logs to a file of dir), migrations applied at start, the driver's signing key, rate
// limits off (2,000 customers claiming for 20 s would otherwise meet the per-customer claim limit
// instead of the database) and a pool of pool connections.
func startStorefront(bin, dir, dbURL string, pool int) (*process, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	logFile, err := os.Create(filepath.Join(dir, "storefront.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin) //nolint:gosec // the binary this program just built
	cmd.Env = append(os.Environ(), "JUPANG_DATABASE_URL="+dbURL, "JUPANG_DATABASE_AUTO_MIGRATE=true",
		"JUPANG_DATABASE_MAX_OPEN_CONNS="+strconv.Itoa(pool), "JUPANG_STOREFRONT_ADDR="+addr,
		"JUPANG_AUTH_KEYS_DIR="+filepath.Join(dir, "keys"), "JUPANG_AUTH_ISSUER="+issuer,
		"JUPANG_RATELIMIT_ENABLED=false", "JUPANG_SHUTDOWN_DRAIN_DELAY=0s")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, addr: addr}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get("http://" + addr + "/readyz") //nolint:noctx // a local readiness poll
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			log, _ := os.ReadFile(logFile.Name()) //nolint:gosec // our own log file
			return nil, fmt.Errorf("storefront not ready after 2m: %v\n%s", err, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
