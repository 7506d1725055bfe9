package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// Cluster is a PostgreSQL server of a test's own, for fault tests that restart or stop it: the
// shared test server is never touched. It is made with the Debian cluster tools as the machines and
// CI run them (as root), on a free port, with trust authentication, and dropped when the test ends.
type Cluster struct {
	version, name string
	// URL reaches the cluster's postgres database as user postgres.
	URL string
}

// NewCluster creates and starts a cluster. A machine that cannot create one fails the test: a
// fault test that did not run must not pass.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	version, err := newestServerVersion()
	if err != nil {
		t.Fatalf("pgtest: a cluster of its own needs the PostgreSQL server and its cluster tools: %v", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{version: version, name: fmt.Sprintf("jupang_fault_%d_%d", os.Getpid(), port),
		URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=2", port)}
	c.run(t, "pg_createcluster", version, c.name, "-p", strconv.Itoa(port), "--start-conf=manual",
		"-o", "fsync=off", "-o", "max_connections=60", "--", "--auth=trust")
	t.Cleanup(func() {
		if out, err := exec.Command("pg_dropcluster", "--stop", c.version, c.name).CombinedOutput(); err != nil { //nolint:gosec // our own cluster name
			t.Errorf("pgtest: drop cluster %s: %v\n%s", c.name, err, out)
		}
	})
	c.ctl(t, "start")
	c.WaitReady(t, 20*time.Second)
	return c
}

// Restart restarts the server in mode (immediate: a crash, with recovery on start).
func (c *Cluster) Restart(t testing.TB, mode string) { c.ctl(t, "restart", "-m", mode) }

// Stop stops the server in mode; every connection to it is refused afterwards.
func (c *Cluster) Stop(t testing.TB, mode string) { c.ctl(t, "stop", "-m", mode) }

// WaitReady waits until the server accepts connections.
func (c *Cluster) WaitReady(t testing.TB, d time.Duration) {
	t.Helper()
	db, err := sql.Open("pgx", c.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgtest: cluster %s did not accept connections within %s: %v", c.name, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *Cluster) ctl(t testing.TB, args ...string) {
	t.Helper()
	c.run(t, "pg_ctlcluster", append([]string{"--skip-systemctl-redirect", c.version, c.name}, args...)...)
}

func (c *Cluster) run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil { //nolint:gosec // fixed tools, our own arguments
		t.Fatalf("pgtest: %s %v: %v\n%s", name, args, err, out)
	}
}

// newestServerVersion is the newest PostgreSQL server the Debian packages installed.
func newestServerVersion() (string, error) {
	dirs, err := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if err != nil || len(dirs) == 0 {
		return "", fmt.Errorf("no /usr/lib/postgresql/*/bin/postgres (%v)", err)
	}
	versions := make([]int, 0, len(dirs))
	for _, d := range dirs {
		if v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(d)))); err == nil {
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		return "", fmt.Errorf("no numbered server version among %v", dirs)
	}
	sort.Ints(versions)
	if _, err := exec.LookPath("pg_createcluster"); err != nil {
		return "", err
	}
	return strconv.Itoa(versions[len(versions)-1]), nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
