// Package bench is what the load scenarios share: a scratch database of their own on the test
// server, the real binaries run as their own processes, and latency figures.
package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for the scratch database

	"github.com/jupang/jupang/adapters/postgres"
)

// AdminURL is the PostgreSQL server the scenarios create their databases on:
// JUPANG_TEST_DATABASE_URL, else the local test server.
func AdminURL() string {
	if v := os.Getenv("JUPANG_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Scratch is a migrated database of a scenario's own, dropped by Drop.
type Scratch struct {
	DB   *postgres.DB
	URL  string // the database's URL (on AdminURL's server)
	Name string
	adm  *sql.DB
	quit func()
}

// ScratchDatabase creates a database named prefix_<nanoseconds> on AdminURL's server, migrates
// it, and opens it with a pool of conns.
func ScratchDatabase(ctx context.Context, prefix string, conns int) (*Scratch, error) {
	u, err := url.Parse(AdminURL())
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	adm, err := sql.Open("pgx", AdminURL())
	if err != nil {
		return nil, err
	}
	if _, err := adm.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = adm.Close()
		return nil, err
	}
	u.Path = "/" + name
	s := &Scratch{URL: u.String(), Name: name, adm: adm}
	db, closeDB, err := postgres.Open(ctx, postgres.Config{URL: s.URL, MaxOpenConns: conns, MaxIdleConns: conns})
	if err != nil {
		s.Drop()
		return nil, err
	}
	s.DB, s.quit = db, closeDB
	if err := postgres.MigrateUp(ctx, db.DB.DB); err != nil {
		s.Drop()
		return nil, err
	}
	return s, nil
}

// Close closes the scenario's pool on the database (a template must have no connections).
func (s *Scratch) Close() {
	if s.quit != nil {
		s.quit()
		s.quit = nil
	}
}

// Clone creates a copy of the database (CREATE DATABASE … TEMPLATE) named <name>_<suffix>; Close
// must have run. It returns the copy's URL and a function that drops it.
func (s *Scratch) Clone(ctx context.Context, suffix string) (string, func(), error) {
	name := s.Name + "_" + suffix
	if _, err := s.adm.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+s.Name); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		_, _ = s.adm.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}, nil
}

// Drop closes the pool and drops the database.
func (s *Scratch) Drop() {
	s.Close()
	_, _ = s.adm.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+s.Name+" WITH (FORCE)")
	_ = s.adm.Close()
}

// Median is the median of xs (0 for none).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// Percentile is the p-quantile (0..1) of lat (0 for none).
func Percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// FreeAddr is a free loopback address to listen on.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}

// Process is a binary the scenario started, serving HTTP on Addr.
type Process struct {
	cmd  *exec.Cmd
	Addr string
}

// Start runs bin with args and env (added to this process's), its output to logPath, and waits
// until http://addr/readyz answers 200.
func Start(bin string, args, env []string, addr, logPath string, ready time.Duration) (*Process, error) {
	return start(bin, args, env, addr, logPath, func() error { return WaitReady(addr, ready) })
}

// StartTCP is Start for a process with no /readyz (the development Kafka broker): ready once addr
// accepts a connection.
func StartTCP(bin string, args, env []string, addr, logPath string, ready time.Duration) (*Process, error) {
	return start(bin, args, env, addr, logPath, func() error {
		deadline := time.Now().Add(ready)
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				return c.Close()
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("not listening after %v: %w", ready, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func start(bin string, args, env []string, addr, logPath string, waitReady func() error) (*Process, error) {
	logFile, err := os.Create(logPath) //nolint:gosec // the scenario's own temporary directory
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...) //nolint:gosec // the scenario's own build
	cmd.Env, cmd.Stdout, cmd.Stderr = append(os.Environ(), env...), logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{cmd: cmd, Addr: addr}
	if err := waitReady(); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%s did not become ready (log %s): %w", bin, logPath, err)
	}
	return p, nil
}

// Stop interrupts the process and waits for it (killing it after 10 s).
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

// WaitReady polls http://addr/readyz until it answers 200 or limit passes.
func WaitReady(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get("http://" + addr + "/readyz") //nolint:noctx // bounded by the loop's deadline
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %v", limit, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// CPUProfile fetches a CPU profile of d from the net/http/pprof listener at pprofAddr (a binary
// built with -tags pprof, see apps/internal/launch/pprof.go) into path, in the background; wait
// returns its error.
func CPUProfile(pprofAddr string, d time.Duration, path string) (wait func() error) {
	done := make(chan error, 1)
	go func() { done <- fetchProfile(pprofAddr, d, path) }()
	return func() error { return <-done }
}

func fetchProfile(pprofAddr string, d time.Duration, path string) error {
	url := "http://" + pprofAddr + "/debug/pprof/profile?seconds=" + strconv.Itoa(max(1, int(d.Seconds())))
	resp, err := http.Get(url) //nolint:noctx,gosec // the scenario's own process
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	f, err := os.Create(path) //nolint:gosec // the scenario's -profile flag
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// WaitIdle waits until the process has used under a tenth of a core for a whole second (start-up
// work done: a seed's outbox drained, first job runs), or limit passes; it reports the time it
// waited. Where /proc cannot be read it returns at once.
func (p *Process) WaitIdle(limit time.Duration) time.Duration {
	start := time.Now()
	prev, ok := ProcessCPU(p.cmd.Process.Pid)
	for ok && time.Since(start) < limit {
		time.Sleep(time.Second)
		cur, ok2 := ProcessCPU(p.cmd.Process.Pid)
		if !ok2 || cur-prev < 100*time.Millisecond {
			break
		}
		prev = cur
	}
	return time.Since(start)
}

// CPUTime is the user and system CPU time the process has used so far; false where /proc cannot
// be read. Its difference over a measured run, divided by the requests served, is what a request
// costs the server, whatever share of the machine's cores it got.
func (p *Process) CPUTime() (time.Duration, bool) { return ProcessCPU(p.cmd.Process.Pid) }

// ProcessCPU is the user and system CPU time of process pid (Linux /proc/PID/stat, in clock ticks
// of 10 ms); false where it cannot be read.
func ProcessCPU(pid int) (time.Duration, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// Fields after the command name (which may hold spaces) start after its closing parenthesis.
	i := strings.LastIndexByte(string(raw), ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(raw[i+1:]))
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
}
