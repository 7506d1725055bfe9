// Package e2e starts real Jupang binaries as processes for end-to-end tests.
package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// Binary builds (once per test process) and returns the path of apps/<name>.
func Binary(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "jupang-e2e-bin")
		if buildErr != nil {
			return
		}
		// One go build for all five: the toolchain compiles and links them in parallel, and
		// without debug information (-s -w) linking, the slow part, takes a fraction of the time.
		args := []string{"build", "-ldflags=-s -w", "-o", binDir + string(os.PathSeparator)}
		for _, b := range []string{"jupang", "storefront", "admin", "partner", "worker"} {
			args = append(args, "./apps/"+b)
		}
		cmd := exec.Command("go", args...) //nolint:gosec // fixed list of our own binaries
		cmd.Dir = moduleRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build the binaries: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}

// RemoveBinaries deletes what Binary built; call it once all tests are done.
func RemoveBinaries() {
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
}

func moduleRoot() string {
	dir, _ := os.Getwd()
	for dir != "/" {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		dir = filepath.Dir(dir)
	}
	return "."
}

// FreeAddr returns a loopback address with a free port.
func FreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// Process is a running binary.
type Process struct {
	cmd     *exec.Cmd
	output  *safeBuffer
	done    chan struct{} // closed once the process has exited and its output is all in
	drained chan struct{} // closed when a terminal's output has been read to the end; nil for pipes
	err     error
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start runs bin with env (KEY=VALUE) added to a clean JUPANG_-free environment in which the
// shutdown drain delay is 0 and jupang's development broker takes any free port (env may set others).
func Start(t *testing.T, bin string, env []string, args ...string) *Process {
	t.Helper()
	p := newProcess(bin, withDevCertsDir(t, env), args...)
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	p.start(t)
	return p
}

// StartOnTerminal is Start with stdout on a pseudo-terminal, as when a developer runs the binary
// in a shell; Output collects what the terminal showed.
func StartOnTerminal(t *testing.T, bin string, env []string, args ...string) *Process {
	t.Helper()
	terminal, screen := openPTY(t)
	p := newProcess(bin, withDevCertsDir(t, env), args...)
	p.cmd.Stdout, p.cmd.Stderr = terminal, p.output
	p.drained = make(chan struct{})
	p.start(t)
	_ = terminal.Close() // the child holds its own copy; reading ends once it has exited
	go func() {
		_, _ = io.Copy(p.output, screen)
		close(p.drained)
	}()
	return p
}

// withDevCertsDir keeps the dev certificates the jupang binary makes in a directory of the test's
// own, unless env names one: never in the source tree.
func withDevCertsDir(t *testing.T, env []string) []string {
	return append([]string{"JUPANG_PARTNER_DEV_CERTS_DIR=" + t.TempDir()}, env...)
}

// openPTY opens a pseudo-terminal pair: the terminal side a process writes to and the screen
// side that reads what it wrote.
func openPTY(t *testing.T) (terminal, screen *os.File) {
	t.Helper()
	screen, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = screen.Close() })
	if err := unix.IoctlSetPointerInt(int(screen.Fd()), unix.TIOCSPTLCK, 0); err != nil { // unlockpt
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(screen.Fd()), unix.TIOCGPTN) // ptsname
	if err != nil {
		t.Fatal(err)
	}
	terminal, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return terminal, screen
}

func newProcess(bin string, env []string, args ...string) *Process {
	cmd := exec.Command(bin, args...) //nolint:gosec // a binary this package just built
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JUPANG_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	// Drain delay 0; jupang's development Kafka broker on any free port, so binaries run side by side.
	cmd.Env = append(append(cmd.Env, "JUPANG_SHUTDOWN_DRAIN_DELAY=0", "JUPANG_KAFKA_DEV_PORT=0"), env...) // the last value of a key wins
	return &Process{cmd: cmd, output: &safeBuffer{}, done: make(chan struct{})}
}

func (p *Process) start(t *testing.T) {
	t.Helper()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		if p.drained != nil {
			<-p.drained
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(p.cmd.Path), p.output.String())
		}
	})
}

// Output is what the process printed so far.
func (p *Process) Output() string { return p.output.String() }

// Wait waits up to d for the process to exit and returns its exit code (-1 on timeout).
func (p *Process) Wait(d time.Duration) int {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		return -1
	}
}

// Terminate sends SIGTERM.
func (p *Process) Terminate() { _ = p.cmd.Process.Signal(syscall.SIGTERM) }

// Signal sends sig (SIGSTOP and SIGCONT pause and resume the process).
func (p *Process) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// WaitHTTP polls url until it answers (any status) or d passes; it returns the last status.
func WaitHTTP(t *testing.T, url string, d time.Duration) int {
	t.Helper()
	return WaitHTTPWith(t, http.DefaultClient, url, d)
}

// WaitHTTPWith is WaitHTTP through client (a TLS client, say).
func WaitHTTPWith(t *testing.T, client *http.Client, url string, d time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		resp, err := client.Get(url) //nolint:noctx // test helper polling a local URL
		if err == nil {
			_ = resp.Body.Close()
			return resp.StatusCode
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer within %s: %v", url, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
