// Command outbox_relay measures the outbox relay on PostgreSQL against its baseline in the same run:
// a bare kafka-go Writer with the same configuration (RequireAll acks, the same batch size)
// publishing the same messages, one batch at a time and -workers batches at once; the better of the
// two is the baseline. The relay claims each batch from the outbox (advisory-locked partitions,
// FOR UPDATE SKIP LOCKED), publishes it and marks it published in one statement, -workers batches
// in flight. The broker is kfake, in process. Target: relay >= 0.5 × the bare writer.
//
//	JUPANG_TEST_DATABASE_URL=postgres://… go run ./loadtest/outbox_relay [-events 20000] [-batch 1000] [-workers 4] [-rounds 3]
//
// It creates a scratch database from that server (dropped at the end); per round it commits
// -events events through the outbox (500 per transaction), times the bare writer, drains them with
// the relay, and times the bare writer again. It prints both rates and the ratio per round and the
// median ratio, and exits 1 when the median is under 0.5. Per round it also reads the events once
// without locking or writing anything and prints each phase's CPU per event (this process's and
// the database backends'): reading plus publishing is what any relay that reads its
// events from PostgreSQL must spend, so its rate on these cores is bounded by their sum.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/jupang/jupang/adapters/kafka"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/loadtest/internal/bench"
)

func main() {
	events := flag.Int("events", 20000, "events per round")
	batch := flag.Int("batch", 1000, "relay batch size (and the bare writer's)")
	workers := flag.Int("workers", 4, "relay batches in flight (and the bare writer's parallel batches)")
	rounds := flag.Int("rounds", 3, "rounds")
	flag.Parse()
	median, err := run(*events, *batch, *workers, *rounds)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if median < 0.5 {
		fmt.Printf("FAIL: relay at %.2f× the bare writer, target >= 0.5×\n", median)
		os.Exit(1)
	}
}

func run(n, batch, workers, rounds int) (float64, error) {
	ctx := context.Background()
	scratch, err := bench.ScratchDatabase(ctx, "jupang_load_relay", 20)
	if err != nil {
		return 0, err
	}
	defer scratch.Drop()
	db := scratch.DB
	b, err := kafka.StartDevBroker(0)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	cfg := kafka.WriterConfig{Brokers: b.Addrs(), BatchSize: batch, AutoCreateTopics: true}
	u := postgres.NewUnitOfWork(db, postgres.NewOutbox)
	var ratios []float64
	for round := 1; round <= rounds; round++ {
		evs, err := commit(ctx, u, n)
		if err != nil {
			return 0, err
		}
		msgs := make([]kafkago.Message, len(evs))
		for i, e := range evs {
			if msgs[i], err = kafka.Message(e); err != nil {
				return 0, err
			}
		}
		var bareRates []float64   // one batch at a time, workers at once; again after the relay
		var bareCPU time.Duration // the CPU per event of the fastest bare run
		timeBare := func() error {
			for _, parallel := range []int{1, workers} {
				rate, cpu, err := costed(ctx, db, n, func() (float64, error) { return bare(cfg, msgs, batch, parallel) })
				if err != nil {
					return err
				}
				if len(bareRates) == 0 || rate > slices.Max(bareRates) {
					bareCPU = cpu
				}
				bareRates = append(bareRates, rate)
			}
			return nil
		}
		if err := timeBare(); err != nil {
			return 0, err
		}
		readRate, readCPU, err := costed(ctx, db, n, func() (float64, error) { return readAll(ctx, db, batch, workers) })
		if err != nil {
			return 0, err
		}
		relayRate, relayCPU, err := costed(ctx, db, n, func() (float64, error) { return relay(ctx, db, cfg, batch, workers, n) })
		if err != nil {
			return 0, err
		}
		if err := timeBare(); err != nil {
			return 0, err
		}
		baseline := slices.Max(bareRates)
		ratio := relayRate / baseline
		ratios = append(ratios, ratio)
		fmt.Printf("round %d: relay %.0f events/s; bare writer %.0f/s one batch at a time, %.0f/s %d at once (best %.0f/s); relay/bare %.2f\n",
			round, relayRate, max(bareRates[0], bareRates[2]), max(bareRates[1], bareRates[3]), workers, baseline, ratio)
		// The floor of any relay that reads its events from PostgreSQL: reading them (no lock, no
		// write) plus publishing them costs at least the two phases' CPU per event together, and
		// the bare writer alone keeps the cores busy.
		ceiling := float64(runtime.NumCPU()) / (readCPU + bareCPU).Seconds()
		fmt.Printf("  CPU per event (this process + the database backends): bare writer %v, relay %v, reading the events alone %v (%.0f/s, no lock, no write); "+
			"a relay that wrote nothing would need %v: at most %.0f events/s on %d cores = %.2f× the bare writer (which kept %.1f cores busy)\n",
			bareCPU, relayCPU, readCPU, readRate, readCPU+bareCPU, ceiling, runtime.NumCPU(), ceiling/baseline, baseline*bareCPU.Seconds())
	}
	slices.Sort(ratios)
	median := ratios[len(ratios)/2]
	fmt.Printf("median relay/bare %.2f\n", median)
	return median, nil
}

// costed runs f, a phase handling n events, and returns its rate and the CPU per event it cost
// this process (writer, broker, decoding) and the database's backends of db together. PostgreSQL's
// background processes (WAL writer, checkpointer) are left out, so the figure is at most the
// phase's true cost; other processes on the machine do not count.
func costed(ctx context.Context, db *postgres.DB, n int, f func() (float64, error)) (float64, time.Duration, error) {
	before, err := backendsCPU(ctx, db)
	if err != nil {
		return 0, 0, err
	}
	self := bench.SelfCPU()
	rate, err := f()
	if err != nil {
		return 0, 0, err
	}
	spent := bench.SelfCPU() - self
	after, err := backendsCPU(ctx, db)
	if err != nil {
		return 0, 0, err
	}
	for pid, cpu := range after {
		spent += cpu - before[pid] // a backend started during the phase had none before it
	}
	return rate, spent / time.Duration(n), nil
}

// backendsCPU is the CPU time each backend connected to db's database has used so far.
func backendsCPU(ctx context.Context, db *postgres.DB) (map[int]time.Duration, error) {
	var pids []int
	if err := db.SelectContext(ctx, &pids, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`); err != nil {
		return nil, err
	}
	out := make(map[int]time.Duration, len(pids))
	for _, pid := range pids {
		if cpu, ok := bench.ProcessCPU(pid); ok {
			out[pid] = cpu
		}
	}
	return out, nil
}

// readAll reads every pending event once, as the relay's claim reads them (its columns, scanned
// into events), in seq ranges of batch, parallel ranges at once, without locking or writing
// anything.
func readAll(ctx context.Context, db *postgres.DB, batch, parallel int) (float64, error) {
	var lo, hi int64
	if err := db.QueryRowContext(ctx, `SELECT min(seq), max(seq) FROM outbox_events WHERE status = 'PENDING'`).Scan(&lo, &hi); err != nil {
		return 0, err
	}
	var read atomic.Int64
	elapsed, err := inParallel(parallel, int((hi-lo)/int64(batch))+1, func(i int) error {
		from := lo + int64(i)*int64(batch)
		return readRange(ctx, db, from, from+int64(batch), &read)
	})
	if err != nil {
		return 0, err
	}
	return float64(read.Load()) / elapsed.Seconds(), nil
}

func readRange(ctx context.Context, db *postgres.DB, from, to int64, read *atomic.Int64) error {
	rows, err := db.QueryContext(ctx, `
		SELECT id, type, source, subject, aggregate_id, topic, data, traceparent, occurred_at
		  FROM outbox_events WHERE status = 'PENDING' AND seq >= $1 AND seq < $2 ORDER BY seq`, from, to)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var e integration.Event
		var data []byte
		if err := rows.Scan(&e.ID, &e.Type, &e.Source, &e.Subject, &e.AggregateID, &e.Topic, &data, &e.TraceParent, &e.Time); err != nil {
			return err
		}
		e.Data = data
		read.Add(1)
	}
	return rows.Err()
}

// commit appends n events over 2000 order keys through the outbox, 500 per transaction.
func commit(ctx context.Context, u *postgres.UnitOfWork[*postgres.Outbox], n int) ([]integration.Event, error) {
	out := make([]integration.Event, 0, n)
	for i := 0; i < n; i += 500 {
		var evs []integration.Event
		err := u.Do(ctx, func(ctx context.Context, o *postgres.Outbox) error {
			evs = evs[:0]
			for j := i; j < min(n, i+500); j++ {
				key := fmt.Sprintf("order-%d", j%2000)
				ev, err := integration.NewEvent(ctx, kernel.SystemClock{}, "jupang.orders.v1", "order.placed", key, "orders/"+key, map[string]int{"n": j})
				if err != nil {
					return err
				}
				evs = append(evs, ev)
			}
			return o.Append(ctx, evs...)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// inParallel runs do(0) … do(n-1), parallel at a time, and returns how long that took and the
// first error; after an error the steps left are skipped (never left blocking the sender).
func inParallel(parallel, n int, do func(i int) error) (time.Duration, error) {
	steps := make(chan int)
	var (
		wg     sync.WaitGroup
		once   sync.Once
		first  error
		failed atomic.Bool
	)
	start := time.Now()
	for range parallel {
		wg.Go(func() {
			for i := range steps {
				if failed.Load() {
					continue
				}
				if err := do(i); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
				}
			}
		})
	}
	for i := range n {
		steps <- i
	}
	close(steps)
	wg.Wait()
	return time.Since(start), first
}

// bare publishes msgs with a fresh writer in chunks of batch, parallel chunks at once.
func bare(cfg kafka.WriterConfig, msgs []kafkago.Message, batch, parallel int) (float64, error) {
	w := kafka.NewWriter(cfg)
	defer func() { _ = w.Close() }()
	if err := w.WriteMessages(context.Background(), msgs[:min(10, len(msgs))]...); err != nil { // connections, metadata
		return 0, err
	}
	elapsed, err := inParallel(parallel, (len(msgs)+batch-1)/batch, func(i int) error {
		return w.WriteMessages(context.Background(), msgs[i*batch:min(len(msgs), (i+1)*batch)]...)
	})
	if err != nil {
		return 0, err
	}
	return float64(len(msgs)) / elapsed.Seconds(), nil
}

// relay drains the outbox with the relay and returns its rate.
func relay(ctx context.Context, db *postgres.DB, cfg kafka.WriterConfig, batch, workers, n int) (float64, error) {
	w := kafka.NewWriter(cfg)
	defer func() { _ = w.Close() }()
	ph := &phases{}
	defer func() { fmt.Println("  relay:", ph) }()
	r := integration.NewRelay(timedStore{postgres.NewRelayStore(db), ph}, timedPublisher{kafka.NewPublisher(w), ph}, kernel.SystemClock{}, nil,
		integration.RelayOptions{BatchSize: batch, Workers: workers, Idle: time.Millisecond})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	start := time.Now()
	go func() { r.Run(runCtx, nil); close(done) }()
	defer func() { stop(); <-done }()
	for {
		var left bool
		if err := db.GetContext(ctx, &left, `SELECT EXISTS (SELECT 1 FROM outbox_events WHERE status = 'PENDING')`); err != nil {
			return 0, err
		}
		if !left {
			return float64(n) / time.Since(start).Seconds(), nil
		}
		if time.Since(start) > 2*time.Minute {
			return 0, fmt.Errorf("the relay did not drain %d events in 2 minutes", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
