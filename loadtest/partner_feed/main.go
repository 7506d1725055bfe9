// Command partner_feed measures how fast partners drain the pull feed on PostgreSQL: consumers
// pull batches of 100 over mutual TLS with signed requests (certificate check, HMAC, nonce,
// lease) and acknowledge each batch, through the real partner server stack. The baseline, in the
// same run on the same database and rows, is the feed's own statements run raw by the same number
// of consumers: claim 100 due rows (SELECT … FOR UPDATE SKIP LOCKED) and save their leases in one
// transaction, then lock and save them acknowledged in another, with no HTTP, TLS, signature or
// use case in between. The ratio says what everything above the SQL costs.
//
//	JUPANG_TEST_DATABASE_URL=postgres://… go run ./loadtest/partner_feed [-events 10000] [-consumers 4] [-rounds 3]
//
// It creates a scratch database from that server (dropped at the end), publishes -events events
// through the outbox (the fan-out gives the one partner a delivery each), and per round re-opens
// every delivery and drains it once raw and once through the stack. It prints events per second
// per round and the median ratio feed/raw; the target is >= 0.5 of the relay's rate, so both
// absolute rates are printed for that comparison.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jupang/jupang/adapters/auth"
	"github.com/jupang/jupang/adapters/devcerts"
	partnerhttp "github.com/jupang/jupang/adapters/http/partner"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/partner"
	"github.com/jupang/jupang/loadtest/internal/bench"
)

const (
	clientID = "partner-load"
	secret   = "partner-load-secret"
	hmacKey  = "partner-load-hmac-key"
	issuer   = "https://auth.jupang.test"
	batch    = 100
)

func main() {
	events := flag.Int("events", 10000, "events drained per round and path")
	consumers := flag.Int("consumers", 4, "concurrent consumers on each path")
	rounds := flag.Int("rounds", 3, "measured rounds, each raw then feed")
	flag.Parse()
	if err := run(*events, *consumers, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "partner_feed:", err)
		os.Exit(1)
	}
}

func run(events, consumers, rounds int) error {
	ctx := context.Background()
	scratch, err := bench.ScratchDatabase(ctx, "jupang_load_feed", 20)
	if err != nil {
		return err
	}
	defer scratch.Drop()
	db := scratch.DB
	clock := kernel.SystemClock{}
	hasher, err := auth.NewArgon2id(auth.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1})
	if err != nil {
		return err
	}
	keys, err := auth.GenerateKeySet()
	if err != nil {
		return err
	}
	ids, err := identity.NewService(postgres.NewUnitOfWork(db, postgres.IdentityStores), hasher, auth.NewSigner(keys, issuer), clock, identity.Options{})
	if err != nil {
		return err
	}
	c, err := ids.RegisterClient(ctx, identity.ClientInput{ClientID: clientID, Name: "Load partner", Secret: secret,
		HMACKey: []byte(hmacKey), CertSubject: clientID})
	if err != nil {
		return err
	}
	if err := publish(ctx, db, events); err != nil {
		return err
	}

	base, client, stop, err := partnerServer(ctx, db, ids, keys, clock)
	if err != nil {
		return err
	}
	defer stop()
	tokens, err := ids.ClientCredentialsGrant(ctx, kernel.AudiencePartner, clientID, secret)
	if err != nil {
		return err
	}

	fmt.Printf("partner feed drain: %d events per round, %d consumers, batches of %d, PostgreSQL\n", events, consumers, batch)
	var ratios []float64
	for r := 1; r <= rounds; r++ {
		if err := reopen(ctx, db); err != nil {
			return err
		}
		rawRate, err := drain(events, consumers, func() (int, error) { return rawBatch(ctx, db, c.ID) })
		if err != nil {
			return fmt.Errorf("raw: %w", err)
		}
		if err := reopen(ctx, db); err != nil {
			return err
		}
		feedRate, err := drain(events, consumers, func() (int, error) { return feedBatch(client, base, tokens.AccessToken) })
		if err != nil {
			return fmt.Errorf("feed: %w", err)
		}
		ratios = append(ratios, feedRate/rawRate)
		fmt.Printf("round %d: raw %8.0f events/s   feed %8.0f events/s   feed/raw %.2f\n", r, rawRate, feedRate, feedRate/rawRate)
	}
	slices.Sort(ratios)
	median := ratios[len(ratios)/2]
	fmt.Printf("median feed/raw %.2f\n", median)
	return nil
}

// publish appends events through the outbox, 500 per transaction, as business transactions would.
func publish(ctx context.Context, db *postgres.DB, n int) error {
	tx := postgres.NewUnitOfWork(db, postgres.IdentityStores)
	for done := 0; done < n; {
		k := min(500, n-done)
		err := tx.Do(ctx, func(ctx context.Context, st identity.Stores) error {
			evs := make([]integration.Event, k)
			for i := range evs {
				e, err := integration.NewEvent(ctx, kernel.SystemClock{}, "jupang.orders.v1", "order.paid", "order-"+strconv.Itoa(done+i),
					"orders/"+strconv.Itoa(done+i), map[string]any{"orderId": done + i, "total": 12900})
				if err != nil {
					return err
				}
				evs[i] = e
			}
			return st.Outbox.Append(ctx, evs...)
		})
		if err != nil {
			return err
		}
		done += k
	}
	return nil
}

// reopen makes every delivery pending and due again, and vacuums, so each drain starts alike.
func reopen(ctx context.Context, db *postgres.DB) error {
	if _, err := db.ExecContext(ctx, `UPDATE partner_deliveries SET status = 'PENDING', attempt = 0, visible_at = now() - interval '1 minute',
		leased_at = NULL, lease_until = NULL, acked_at = NULL`); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, `VACUUM ANALYZE partner_deliveries`)
	return err
}

// drain runs consumers until a batch comes back empty and returns events per second.
func drain(want, consumers int, next func() (int, error)) (float64, error) {
	var total atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range consumers {
		wg.Go(func() {
			for {
				n, err := next()
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				if n == 0 {
					return
				}
				total.Add(int64(n))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, firstErr
	}
	if int(total.Load()) != want {
		return 0, fmt.Errorf("drained %d events, want %d", total.Load(), want)
	}
	return float64(total.Load()) / elapsed.Seconds(), nil
}

// rawBatch is the feed's statements without anything above them: claim and lease 100 in one
// transaction, then lock and acknowledge them in another.
func rawBatch(ctx context.Context, db *postgres.DB, client string) (int, error) {
	tx := postgres.NewUnitOfWork(db, postgres.PartnerStores)
	var ids []string
	err := tx.Do(ctx, func(ctx context.Context, st partner.Stores) error {
		now := time.Now()
		claimed, err := st.Deliveries.ClaimDue(ctx, client, nil, now, batch)
		if err != nil {
			return err
		}
		ds := make([]partner.Delivery, len(claimed))
		ids = ids[:0]
		for i, c := range claimed {
			ds[i] = c.Delivery.Lease(now, now.Add(time.Minute), partner.DefaultAttempts)
			ids = append(ids, c.Delivery.EventID)
		}
		return st.Deliveries.Save(ctx, ds)
	})
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	err = tx.Do(ctx, func(ctx context.Context, st partner.Stores) error {
		ds, err := st.Deliveries.Lock(ctx, client, ids)
		if err != nil {
			return err
		}
		for i := range ds {
			ds[i] = ds[i].Ack(time.Now())
		}
		return st.Deliveries.Save(ctx, ds)
	})
	return len(ids), err
}

// partnerServer serves the partner feed routes over mutual TLS with dev certificates on loopback.
func partnerServer(ctx context.Context, db *postgres.DB, ids *identity.Service, keys *auth.KeySet, clock kernel.Clock) (string, *http.Client, func(), error) {
	dir, err := os.MkdirTemp("", "jupang-load-certs")
	if err != nil {
		return "", nil, nil, err
	}
	certs, err := devcerts.Ensure(dir, clientID, time.Now())
	if err != nil {
		return "", nil, nil, err
	}
	hub := partner.NewHub()
	tx := postgres.NewUnitOfWork(db, postgres.PartnerStores)
	feed := partner.NewFeed(tx, hub, ids, clock, partner.FeedOptions{})
	gate := partner.NewGatekeeper(ids, tx, clock)
	srv, err := server.New(server.Config{Name: "partner", Audience: kernel.AudiencePartner,
		Messages: i18n.New(identity.Codes(), partner.Codes()), Auth: auth.NewAuthenticator(keys, issuer, kernel.AudiencePartner, clock)},
		partnerhttp.Routes(feed, gate, partnerhttp.TLSPeer))
	if err != nil {
		return "", nil, nil, err
	}
	srvPair, err := tls.LoadX509KeyPair(certs.Server, certs.ServerKey)
	if err != nil {
		return "", nil, nil, err
	}
	caPEM, err := os.ReadFile(certs.CA)
	if err != nil {
		return "", nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	go func() {
		_ = srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{srvPair}, ClientAuth: tls.RequireAndVerifyClientCert,
			ClientCAs: pool, MinVersion: tls.VersionTLS12}))
	}()
	cliPair, err := tls.LoadX509KeyPair(certs.Client, certs.ClientKey)
	if err != nil {
		return "", nil, nil, err
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64,
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cliPair}, MinVersion: tls.VersionTLS12}}}
	stop := func() {
		_ = srv.Shutdown(ctx)
		_ = os.RemoveAll(dir)
	}
	return "https://" + ln.Addr().String(), client, stop, nil
}

var nonces atomic.Int64

// signed sends one signed request and decodes a 200 answer into out.
func signed(client *http.Client, method, base, target, token string, body []byte, out any) error {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequest(method, base+target, rd) //nolint:noctx // bounded by the client's timeout
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set(partner.HeaderTimestamp, ts)
	req.Header.Set(partner.HeaderNonce, "load-"+strconv.FormatInt(nonces.Add(1), 10)+"-"+ts)
	req.Header.Set(partner.HeaderSignature, partner.Sign([]byte(hmacKey), ts, method, target, body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", method, target, resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}

// feedBatch pulls 100 through the partner server and acknowledges them.
func feedBatch(client *http.Client, base, token string) (int, error) {
	var page struct {
		Items []struct {
			Event struct {
				ID string `json:"id"`
			} `json:"event"`
		} `json:"items"`
	}
	if err := signed(client, http.MethodGet, base, "/v1/integrations/events/pull?max="+strconv.Itoa(batch), token, nil, &page); err != nil {
		return 0, err
	}
	if len(page.Items) == 0 {
		return 0, nil
	}
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.Event.ID
	}
	body, err := json.Marshal(map[string][]string{"eventIds": ids})
	if err != nil {
		return 0, err
	}
	var ack struct{ Acked int }
	if err := signed(client, http.MethodPost, base, "/v1/integrations/events/ack", token, body, &ack); err != nil {
		return 0, err
	}
	if ack.Acked != len(ids) {
		return 0, errors.New("an ack did not acknowledge its whole batch")
	}
	return len(ids), nil
}
