package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func runUntilHealthy(t *testing.T, start func(*testing.T, string, []string, ...string) *Process, env ...string) string {
	t.Helper()
	sf, ad, pa, wk := FreeAddr(t), FreeAddr(t), FreeAddr(t), FreeAddr(t)
	p := start(t, Binary(t, "jupang"), append(env,
		"JUPANG_STOREFRONT_ADDR="+sf, "JUPANG_ADMIN_ADDR="+ad, "JUPANG_PARTNER_ADDR="+pa, "JUPANG_WORKER_ADDR="+wk))
	if status := WaitHTTP(t, "http://"+sf+"/healthz", 20*time.Second); status != http.StatusOK {
		t.Fatalf("/healthz = %d", status)
	}
	p.Terminate()
	if code := p.Wait(25 * time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d", code)
	}
	return p.Output()
}

// `make run` in a developer's terminal (env dev, the default) logs zap's readable console lines,
// coloured; the same binary with its stdout piped, as under any supervisor or in CI, logs JSON.
func TestAllInOneLogsConsoleOnATerminalAndJSONOtherwise(t *testing.T) {
	onTerminal := runUntilHealthy(t, StartOnTerminal)
	if !strings.Contains(onTerminal, "\tshutting down\t") || !strings.Contains(onTerminal, "\x1b[34mINFO\x1b[0m") ||
		strings.Contains(onTerminal, `{"level":`) {
		t.Fatalf("on a terminal, want console lines, got:\n%s", onTerminal)
	}

	piped := runUntilHealthy(t, Start)
	var entries int
	for _, line := range strings.Split(piped, "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) == nil && entry["msg"] != nil {
			entries++
		}
	}
	if entries == 0 || strings.Contains(piped, "\tshutting down\t") {
		t.Fatalf("piped, want JSON lines, got:\n%s", piped)
	}

	forced := runUntilHealthy(t, StartOnTerminal, "JUPANG_LOG_FORMAT=json")
	if !strings.Contains(forced, `"msg":"shutting down"`) {
		t.Fatalf("log.format=json on a terminal, want JSON, got:\n%s", forced)
	}
}
