package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jupang/jupang/loadtest/internal/bench"
)

// cpuMeter adds up the CPU time one path of the scenario costs: this process (the load
// generator), the storefront when it serves the path, and the database backends connected to the
// path's database. Divided by the orders placed it is what an order costs the machine, whatever
// share of the cores it got (on a machine shared with other work, the figure that a ratio of
// rates hides).
type cpuMeter struct {
	adm      *sql.DB
	database string
	server   *bench.Process // nil for the baseline
}

// cpuSample is one reading of a meter.
type cpuSample struct {
	self, server time.Duration
	backends     map[int]time.Duration
}

func databaseName(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

func (m cpuMeter) sample(ctx context.Context) (cpuSample, error) {
	s := cpuSample{self: bench.SelfCPU(), backends: map[int]time.Duration{}}
	if m.server != nil {
		s.server, _ = m.server.CPUTime()
	}
	rows, err := m.adm.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1`, m.database)
	if err != nil {
		return s, err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return s, err
		}
		if cpu, ok := bench.ProcessCPU(pid); ok {
			s.backends[pid] = cpu
		}
	}
	return s, rows.Err()
}

// cpuCost is what a measured run cost per order, by process.
type cpuCost struct {
	client, server, database time.Duration
}

func (c cpuCost) total() time.Duration { return c.client + c.server + c.database }

// since is the CPU spent between before and after per order (a backend that started in between
// had none before; one that ended in between is missed, which the scenario's fixed pools avoid).
func since(before, after cpuSample, orders int) cpuCost {
	if orders == 0 {
		return cpuCost{}
	}
	var db time.Duration
	for pid, cpu := range after.backends {
		db += cpu - before.backends[pid]
	}
	n := time.Duration(orders)
	return cpuCost{client: (after.self - before.self) / n, server: (after.server - before.server) / n, database: db / n}
}

func (c cpuCost) String() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
	if c.server == 0 {
		return fmt.Sprintf("%s (database %s, load generator %s)", ms(c.total()), ms(c.database), ms(c.client))
	}
	return fmt.Sprintf("%s (storefront %s, database %s, load generator %s)", ms(c.total()), ms(c.server), ms(c.database), ms(c.client))
}
