package launch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/jupang/jupang/apps/internal/config"
)

// auto is console only for a developer's terminal in dev; an explicit format always wins.
func TestLogFormatAutoIsConsoleOnlyForDevOnATerminal(t *testing.T) {
	cases := []struct {
		format, env string
		terminal    bool
		want        string
	}{
		{"auto", "dev", true, "console"},
		{"auto", "dev", false, "json"}, // piped, redirected, under a supervisor
		{"auto", "prod", true, "json"},
		{"auto", "prod", false, "json"},
		{"json", "dev", true, "json"},
		{"console", "prod", false, "console"},
	}
	for _, tc := range cases {
		if got := LogFormat(tc.format, tc.env, tc.terminal); got != tc.want {
			t.Errorf("LogFormat(%q, %q, terminal=%v) = %q, want %q", tc.format, tc.env, tc.terminal, got, tc.want)
		}
	}
}

func logLine(t *testing.T, format string, terminal bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log")
	log, sync, err := newLogger(config.Log{Level: "info", Format: format}, format, terminal, path)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("request", zap.String("route", "/v1/products"), zap.Int("status", 200))
	sync()
	b, err := os.ReadFile(path) //nolint:gosec // the test's own temp file
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// JSON is one object per line with the time under "time"; console is zap's tab-separated line (time,
// level, caller, message, then the fields as JSON), with colours only on a terminal.
func TestLoggerWritesTheChosenFormat(t *testing.T) {
	var entry map[string]any
	if line := logLine(t, "json", false); json.Unmarshal([]byte(line), &entry) != nil || entry["msg"] != "request" ||
		entry["route"] != "/v1/products" || entry["time"] == nil || entry["level"] != "info" {
		t.Fatalf("json line %q", line)
	}
	line := logLine(t, "console", false)
	parts := strings.Split(line, "\t")
	if len(parts) != 5 || parts[1] != "INFO" || !strings.Contains(parts[2], "logger_test.go:") || parts[3] != "request" ||
		parts[4] != `{"route": "/v1/products", "status": 200}` {
		t.Fatalf("console line %q", line)
	}
	if colored := logLine(t, "console", true); !strings.Contains(colored, "\x1b[34mINFO\x1b[0m") {
		t.Fatalf("console line on a terminal has no colour: %q", colored)
	}
}
