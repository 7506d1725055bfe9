package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/jupang/jupang/loadtest/internal/bench"
)

// address is every order's shipping address (a valid KR one).
const address = `{"recipient":"부하 테스트","phone":"+82 10-0000-0000","line1":"세종대로 110","city":"서울특별시","region":"중구","postalCode":"04524","country":"KR"}`

// result is one measurement: successes, failures by answer, latencies, and the wall time.
type result struct {
	ok      int
	failed  int
	answers map[string]int // failures by answer
	lat     []time.Duration
	elapsed time.Duration
	// oldestPending are the oldest PENDING event's ages sampled during the run (-relay)
	oldestPending []time.Duration
	cpu           cpuCost // per order
}

func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }
func (r result) p(q float64) time.Duration {
	return bench.Percentile(r.lat, q).Round(10 * time.Microsecond)
}

func (r result) failures() string {
	keys := make([]string, 0, len(r.answers))
	for k := range r.answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strconv.Itoa(r.answers[k]) + "× " + k
	}
	return strings.Join(parts, "; ")
}

// parallel runs one(worker) in conns goroutines for d and merges what they measured (the shared
// loop, bench.Parallel): each call returns its latency and "" on success, else a short
// description of the failure.
func parallel(conns int, d time.Duration, one func(worker int) (time.Duration, string)) result {
	r := bench.Parallel(conns, d, one)
	out := result{answers: map[string]int{}, lat: r.Lat, elapsed: r.Elapsed}
	for answer, n := range r.Answers {
		if answer == "" {
			out.ok += n
			continue
		}
		out.failed += n
		out.answers[answer[:min(len(answer), 300)]] += n
	}
	return out
}

var keySeq atomic.Int64

// pick3 is 3 distinct random SKU indexes.
func pick3(n int) [3]int {
	var out [3]int
	for i := range out {
	again:
		out[i] = rand.IntN(n) //nolint:gosec // load mix
		for j := range i {
			if out[j] == out[i] {
				goto again
			}
		}
	}
	return out
}

// measure runs the real path and the baseline with conns connections, each after a warm-up.
func measure(ctx context.Context, o options, w world, sf *bench.Process, conns int, profile bool) (real, base result, err error) {
	addr := sf.Addr
	client := &fasthttp.Client{MaxConnsPerHost: conns, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	place := func(int) (time.Duration, string) {
		c := rand.IntN(len(w.customers)) //nolint:gosec // load mix
		s := pick3(len(w.skus))
		body := `{"items":[{"skuId":"` + w.skus[s[0]].id + `","quantity":1},{"skuId":"` + w.skus[s[1]].id + `","quantity":1},{"skuId":"` +
			w.skus[s[2]].id + `","quantity":1}],"shippingAddress":` + address + `,"payment":{"method":"WALLET"}}`
		return post(client, addr, "/v1/orders", w.tokens[c], "load-"+strconv.FormatInt(keySeq.Add(1), 10), "", body)
	}
	parallel(conns, o.warmup, place)
	var wait func() error
	if profile && o.profile != "" {
		wait = bench.CPUProfile(o.pprofAddr, o.duration, o.profile)
	}
	var sampled func() []time.Duration
	if o.relaying != nil {
		sampled = o.relaying.sample()
	}
	meter := cpuMeter{adm: o.adm, database: databaseName(o.databaseURL), server: sf}
	before, err := meter.sample(ctx)
	if err != nil {
		return real, base, err
	}
	real = parallel(conns, o.duration, place)
	after, err := meter.sample(ctx)
	if err != nil {
		return real, base, err
	}
	real.cpu = since(before, after, real.ok)
	if sampled != nil {
		real.oldestPending = sampled()
	}
	if wait != nil {
		if err := wait(); err != nil {
			return real, base, err
		}
		fmt.Printf("storefront CPU profile of the %d-connection measurement: %s\n", conns, o.profile)
	}
	base, err = baseline(ctx, o, w, conns)
	return real, base, err
}

// post sends one request and describes anything but a 2xx answer.
func post(client *fasthttp.Client, addr, path, token, key, session, body string) (time.Duration, string) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + addr + path)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if session != "" {
		req.Header.Set("X-Session-Id", session)
	}
	req.SetBodyString(body)
	return do(client, req, resp)
}

func do(client *fasthttp.Client, req *fasthttp.Request, resp *fasthttp.Response) (time.Duration, string) {
	start := time.Now()
	err := client.DoTimeout(req, resp, time.Minute)
	took := time.Since(start)
	switch {
	case err != nil:
		return took, "transport: " + err.Error()
	case resp.StatusCode() < 200 || resp.StatusCode() > 299:
		return took, string(req.Header.Method()) + " " + string(req.URI().Path()) + ": " + strconv.Itoa(resp.StatusCode()) + " " + problemCode(resp.Body())
	}
	return took, ""
}

// shopperFlows runs the shopper flow -flow-conns at once for -duration, worker i as flow
// customer i: guest cart with 2 items, sign-in, merge, order from the cart.
func shopperFlows(o options, w world, addr string) (result, error) {
	client := &fasthttp.Client{MaxConnsPerHost: 4 * o.flowConns, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	var seq atomic.Int64
	flow := func(i int) (time.Duration, string) {
		start := time.Now()
		session := fmt.Sprintf("load-flow-session-%d-%d", i, seq.Add(1))
		s := pick3(len(w.skus))
		for _, k := range s[:2] {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			req.SetRequestURI("http://" + addr + "/v1/carts/current/items")
			req.Header.SetMethod(fasthttp.MethodPut)
			req.Header.SetContentType("application/json")
			req.Header.Set("X-Session-Id", session)
			req.SetBodyString(`{"skuId":"` + w.skus[k].id + `","quantity":1}`)
			_, failure := do(client, req, resp)
			fasthttp.ReleaseRequest(req)
			fasthttp.ReleaseResponse(resp)
			if failure != "" {
				return time.Since(start), failure
			}
		}
		token, failure := signIn(client, addr, w.flowEmails[i])
		if failure != "" {
			return time.Since(start), failure
		}
		if _, failure := post(client, addr, "/v1/carts/merge", token, "", session, `{"sessionId":"`+session+`"}`); failure != "" {
			return time.Since(start), failure
		}
		_, failure = post(client, addr, "/v1/orders", token, "flow-"+session, "",
			`{"fromCart":true,"shippingAddress":`+address+`,"payment":{"method":"WALLET"}}`)
		return time.Since(start), failure
	}
	parallel(o.flowConns, o.warmup, flow)
	return parallel(o.flowConns, o.duration, flow), nil
}

// signIn is the password grant; it returns the access token.
func signIn(client *fasthttp.Client, addr, email string) (string, string) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + addr + "/v1/oauth/token")
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/x-www-form-urlencoded")
	req.SetBodyString(url.Values{"grant_type": {"password"}, "username": {email}, "password": {flowPassword}}.Encode())
	if _, failure := do(client, req, resp); failure != "" {
		return "", failure
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(resp.Body(), &tok); err != nil || tok.AccessToken == "" {
		return "", "token answer without access_token: " + string(resp.Body())
	}
	return tok.AccessToken, ""
}

// problemCode is the code of a problem+json body, else the body.
func problemCode(body []byte) string {
	var p struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(body, &p) == nil && p.Code != "" {
		return p.Code
	}
	return string(body)
}
