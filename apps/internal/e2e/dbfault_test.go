package e2e

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/postgres/pgtest"
	"github.com/jupang/jupang/core/kernel"
)

// faultTally counts the answers of a request loop; a 500, or a 503 without Retry-After, is a failure.
type faultTally struct {
	mu       sync.Mutex
	statuses map[int]int
	failures []string
}

func (f *faultTally) record(method, path string, resp *http.Response, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses[resp.StatusCode]++
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "":
		f.failures = append(f.failures, fmt.Sprintf("%s %s: 503 without Retry-After", method, path))
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable:
		f.failures = append(f.failures, fmt.Sprintf("%s %s: %d %s", method, path, resp.StatusCode, body))
	}
}

func (f *faultTally) snapshot() (map[int]int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	statuses := make(map[int]int, len(f.statuses))
	for k, v := range f.statuses {
		statuses[k] = v
	}
	return statuses, append([]string(nil), f.failures...)
}

// The storefront binary on a PostgreSQL cluster of the test's own, under a loop of reads and keyed
// writes, while the cluster crashes (restart -m immediate) and then stays down: no request may get
// 500, and every 503 says when to retry (issue 8, item 5).
func TestADatabaseFaultIsA503NeverA500(t *testing.T) {
	bin, jupang := Binary(t, "storefront"), Binary(t, "jupang")
	began := time.Now()
	defer func() {
		t.Logf("the fault scenario took %s after the build", time.Since(began).Round(100*time.Millisecond))
	}()
	cluster := pgtest.NewCluster(t)
	admin, err := sql.Open("pgx", cluster.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE jupang"); err != nil {
		t.Fatal(err)
	}
	_ = admin.Close()
	url := strings.Replace(cluster.URL, "/postgres?", "/jupang?", 1)
	if code := Start(t, jupang, []string{"JUPANG_DATABASE_URL=" + url}, "migrate", "up").Wait(60 * time.Second); code != 0 {
		t.Fatalf("migrate up exit = %d", code)
	}
	addr := FreeAddr(t)
	Start(t, bin, []string{"JUPANG_DATABASE_URL=" + url, "JUPANG_STOREFRONT_ADDR=" + addr, "JUPANG_RATELIMIT_ENABLED=false"})
	if code := WaitHTTP(t, "http://"+addr+"/readyz", 20*time.Second); code != http.StatusOK {
		t.Fatalf("/readyz = %d", code)
	}

	tally := &faultTally{statuses: map[int]int{}}
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(method, path, key, body string) {
		req, err := http.NewRequest(method, "http://"+addr+path, bytes.NewBufferString(body)) //nolint:noctx // bounded by the client timeout
		if err != nil {
			t.Error(err)
			return
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err) // the server itself must stay up
			return
		}
		raw, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		tally.record(method, path, resp, raw)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for worker := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				switch {
				case worker == 0 && i%4 == 0: // a keyed write through the idempotency layer and a unit of work
					email := "fault-" + kernel.NewID() + "@jupang.test"
					send(http.MethodPost, "/v1/users", kernel.NewID(),
						`{"email":"`+email+`","password":"fault-test-1234","name":"Fault","phone":"+82 10-1234-5678"}`)
				case i%2 == 0:
					send(http.MethodGet, "/v1/products?limit=5", "", "")
				default:
					send(http.MethodGet, "/v1/products/"+kernel.NewID(), "", "") // 404 from the database
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}

	time.Sleep(time.Second)
	cluster.Restart(t, "immediate")
	cluster.WaitReady(t, 20*time.Second)
	time.Sleep(1500 * time.Millisecond) // the pool recovers and requests succeed again
	afterRestart, _ := tally.snapshot()

	cluster.Stop(t, "immediate")
	time.Sleep(1500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	statuses, failures := tally.snapshot()
	t.Logf("answers: %v (before the stop: %v)", statuses, afterRestart)
	for _, f := range failures {
		t.Error(f)
	}
	if afterRestart[http.StatusOK] == 0 || statuses[http.StatusServiceUnavailable] == 0 {
		t.Errorf("the loop did not see both the working and the stopped database: %v", statuses)
	}

	// With the database down, every business request says 503 and when to retry.
	tally = &faultTally{statuses: map[int]int{}}
	send(http.MethodGet, "/v1/products?limit=5", "", "")
	send(http.MethodPost, "/v1/users", kernel.NewID(), `{"email":"down@jupang.test","password":"fault-test-1234","name":"Down","phone":"+82 10-1234-5678"}`)
	if statuses, failures := tally.snapshot(); statuses[http.StatusServiceUnavailable] != 2 || len(failures) > 0 {
		t.Errorf("with the database stopped: %v %v", statuses, failures)
	}
}
