package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jupang/jupang/loadtest/internal/bench"
)

// relaying is -relay: a Kafka broker as a process of its own (`jupang kafka PORT`, kfake) and the
// worker binary relaying the real path's outbox to it, with a sampler of the oldest PENDING
// event's age (what outbox_oldest_pending_age_seconds reports, sampled every 100 ms instead of the
// metric's 5 s) while the orders are placed.
type relaying struct {
	broker, worker *bench.Process
	db             *sql.DB
}

func startRelaying(o options) (*relaying, error) {
	brokerAddr, err := bench.FreeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(brokerAddr)
	broker, err := bench.StartTCP(o.jupang, []string{"kafka", port}, nil, brokerAddr, filepath.Join(o.dir, "broker.log"), 20*time.Second)
	if err != nil {
		return nil, err
	}
	workerAddr, err := bench.FreeAddr()
	if err != nil {
		broker.Stop()
		return nil, err
	}
	env := []string{"JUPANG_DATABASE_URL=" + o.databaseURL, "JUPANG_WORKER_ADDR=" + workerAddr, "JUPANG_KAFKA_BROKERS=" + brokerAddr,
		"JUPANG_AUTH_KEYS_DIR=" + o.keysDir, "JUPANG_SHUTDOWN_DRAIN_DELAY=0s"}
	worker, err := bench.Start(o.worker, nil, env, workerAddr, filepath.Join(o.dir, "worker.log"), time.Minute)
	if err != nil {
		broker.Stop()
		return nil, err
	}
	db, err := sql.Open("pgx", o.databaseURL)
	if err != nil {
		worker.Stop()
		broker.Stop()
		return nil, err
	}
	return &relaying{broker: broker, worker: worker, db: db}, nil
}

func (r *relaying) stop() {
	_ = r.db.Close()
	r.worker.Stop()
	r.broker.Stop()
}

// sample records the oldest pending age every 100 ms until the returned stop is called, which
// returns the samples.
func (r *relaying) sample() (stop func() []time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg      sync.WaitGroup
		samples []time.Duration
	)
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var age float64
			err := r.db.QueryRowContext(ctx, `SELECT COALESCE(EXTRACT(EPOCH FROM now() - (SELECT created_at FROM outbox_events
				 WHERE status = 'PENDING' ORDER BY seq LIMIT 1)), 0)`).Scan(&age)
			if err != nil {
				if ctx.Err() == nil {
					fmt.Fprintln(os.Stderr, "order_create: oldest pending age:", err)
				}
				continue
			}
			samples = append(samples, time.Duration(age*float64(time.Second)))
		}
	})
	return func() []time.Duration {
		cancel()
		wg.Wait()
		return samples
	}
}

// report prints the samples' p50/p99/max and whether p99 is within 2 s.
func reportOldest(conns int, samples []time.Duration) bool {
	if len(samples) == 0 {
		fmt.Printf("%3d connections  oldest pending event: no samples\n", conns)
		return false
	}
	p99 := bench.Percentile(samples, 0.99)
	ok := p99 <= 2*time.Second
	fmt.Printf("%3d connections  oldest pending event age over %d samples: p50 %v p99 %v max %v  %s\n", conns, len(samples),
		bench.Percentile(samples, 0.5).Round(time.Millisecond), p99.Round(time.Millisecond),
		bench.Percentile(samples, 1).Round(time.Millisecond), verdict(ok, "p99 ≤ 2 s"))
	return ok
}
