//go:build soak

package e2e_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/jupang/jupang/adapters/kafka"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/apps/internal/e2e"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// brokerPause is how long the broker process is stopped (the 30 s).
const brokerPause = 30 * time.Second

// The broker runs as its own process (`jupang kafka PORT`) and is paused with SIGSTOP for 30 s
// while orders commit: they keep committing, and after SIGCONT the relay catches up so that the
// distinct events read back from Kafka are exactly the outbox rows.
func TestRelayCatchesUpAfterTheBrokerIsPaused(t *testing.T) {
	bin := e2e.Binary(t, "jupang")
	port := freePort(t)
	broker := e2e.Start(t, bin, nil, "kafka", strconv.Itoa(port))
	addr := "127.0.0.1:" + strconv.Itoa(port)
	waitTCP(t, addr, 20*time.Second)

	db, _ := pgtest.Another(t)
	orders := postgres.NewUnitOfWork(db, postgres.NewOutbox)
	w := kafka.NewWriter(kafka.WriterConfig{Brokers: []string{addr}, BatchSize: 500, WriteTimeout: 2 * time.Second, AutoCreateTopics: true})
	defer func() { _ = w.Close() }()
	relay := integration.NewRelay(postgres.NewRelayStore(db), kafka.NewPublisher(w), kernel.SystemClock{}, nil,
		integration.RelayOptions{BatchSize: 500, Workers: 4, MaxAttempts: 1000,
			Backoff: integration.Backoff{Base: 200 * time.Millisecond, Max: 2 * time.Second}})
	relayCtx, stopRelay := context.WithCancel(context.Background())
	relayDone := make(chan struct{})
	go func() { relay.Run(relayCtx, nil); close(relayDone) }()
	defer func() { stopRelay(); <-relayDone }()

	// Four writers place orders (two events each, one transaction) until told to stop.
	var committed atomic.Int64
	writeCtx, stopWriting := context.WithCancel(context.Background())
	var writers sync.WaitGroup
	for g := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; writeCtx.Err() == nil; i++ {
				key := fmt.Sprintf("order-%d-%d", g, i)
				err := orders.Do(context.Background(), func(ctx context.Context, o *postgres.Outbox) error {
					placed, err := integration.NewEvent(ctx, kernel.SystemClock{}, "jupang.orders.v1", "order.placed", key, "orders/"+key, map[string]int{"n": i})
					if err != nil {
						return err
					}
					paid, err := integration.NewEvent(ctx, kernel.SystemClock{}, "jupang.orders.v1", "order.paid", key, "orders/"+key, map[string]int{"n": i})
					if err != nil {
						return err
					}
					return o.Append(ctx, placed, paid)
				})
				if err != nil {
					t.Errorf("an order failed to commit: %v", err)
					return
				}
				committed.Add(1)
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	time.Sleep(3 * time.Second)
	if err := broker.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	before := committed.Load()
	time.Sleep(brokerPause)
	during := committed.Load() - before
	if err := broker.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	stopWriting()
	writers.Wait()
	if during < 100 {
		t.Fatalf("only %d orders committed while the broker was paused", during)
	}

	var rows int
	deadline := time.Now().Add(90 * time.Second)
	for {
		var left int
		if err := db.GetContext(context.Background(), &left, `SELECT count(*) FROM outbox_events WHERE status <> 'PUBLISHED'`); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d outbox rows still not published 90 s after the broker resumed", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := db.GetContext(context.Background(), &rows, `SELECT count(*) FROM outbox_events`); err != nil {
		t.Fatal(err)
	}

	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: []string{addr}, Topic: "jupang.orders.v1", GroupID: "pause-check",
		SessionTimeout: 6 * time.Second, StartOffset: kafkago.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer func() { _ = r.Close() }()
	distinct := map[string]bool{}
	read := 0
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for len(distinct) < rows {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %d distinct of %d events (%d messages): %v", len(distinct), rows, read, err)
		}
		read++
		for _, h := range m.Headers {
			if h.Key == kafka.HeaderID {
				distinct[string(h.Value)] = true
			}
		}
	}
	var unknown int
	ids := make([]string, 0, len(distinct))
	for id := range distinct {
		ids = append(ids, id)
	}
	if err := db.GetContext(context.Background(), &unknown, `SELECT cardinality($1::uuid[]) - count(*) FROM outbox_events WHERE id = ANY($1::uuid[])`, ids); err != nil {
		t.Fatal(err)
	}
	if len(distinct) != rows || unknown != 0 {
		t.Fatalf("distinct delivered %d (%d not in the outbox), outbox rows %d", len(distinct), unknown, rows)
	}
	t.Logf("%d orders committed while the broker was paused for %v; %d outbox rows, %d distinct delivered in %d messages",
		during, brokerPause, rows, len(distinct), read)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitTCP(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening after %v: %v", addr, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
