package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen serves f on a loopback port for the rest of the test and returns its address.
func (f *fixture) listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.srv.Serve(ln) }()
	t.Cleanup(func() { _ = f.srv.Shutdown(context.Background()) })
	return ln.Addr().String()
}

// rawExchange writes raw bytes on one new connection and reads every response the server sends
// on it until it closes the connection or stays silent for a moment.
func rawExchange(t *testing.T, addr, raw string) (responses []*http.Response, bodies []string, closed bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			var ne net.Error
			timedOut := errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
			return responses, bodies, !timedOut
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatalf("reading a response body: %v", err)
		}
		responses = append(responses, resp)
		bodies = append(bodies, string(b))
	}
}

// smuggled is a second request hidden in the body of the first under one framing reading, and a
// request of its own under the other.
const smuggled = "GET /v1/test/echo/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"

// TestRequestSmugglingIsRefused sends requests whose body length is ambiguous (RFC 9112 §6.1, §6.3):
// both Content-Length and Transfer-Encoding, or two different Content-Length values. The server
// must answer 400 problem+json and close the connection, so whatever follows on it — a smuggled
// request — is never answered.
func TestRequestSmugglingIsRefused(t *testing.T) {
	f := newFixture(t, memoryBackend(t))
	addr := f.listen(t)
	chunked := "0\r\n\r\n"
	cases := map[string]string{
		"Content-Length and Transfer-Encoding": "POST /v1/test/widgets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Content-Length: " + strconv.Itoa(len(chunked)) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + smuggled,
		"Transfer-Encoding and Content-Length": "POST /v1/test/widgets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Transfer-Encoding: chunked\r\nContent-Length: " + strconv.Itoa(len(chunked)+len(smuggled)) + "\r\n\r\n" + chunked + smuggled,
		"two different Content-Length values": "POST /v1/test/widgets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Content-Length: 0\r\nContent-Length: " + strconv.Itoa(len(smuggled)) + "\r\n\r\n" + smuggled,
		"a Content-Length list of different values": "POST /v1/test/widgets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Content-Length: 0, " + strconv.Itoa(len(smuggled)) + "\r\n\r\n" + smuggled,
		"a Transfer-Encoding other than chunked": "POST /v1/test/widgets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Transfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n" + chunked + smuggled,
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			responses, bodies, closed := rawExchange(t, addr, raw)
			if len(responses) == 0 {
				t.Fatal("no response")
			}
			for i, resp := range responses {
				if strings.Contains(bodies[i], "smuggled") {
					t.Errorf("the smuggled request was answered: %d %s", resp.StatusCode, bodies[i])
				}
			}
			first := responses[0]
			if first.StatusCode != http.StatusBadRequest || first.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("first answer = %d %s %s, want 400 problem+json", first.StatusCode, first.Header.Get("Content-Type"), bodies[0])
			}
			if !strings.Contains(bodies[0], `"traceId":"`+first.Header.Get("X-Trace-Id")+`"`) || first.Header.Get("X-Trace-Id") == "" {
				t.Errorf("the problem carries no traceId: %s", bodies[0])
			}
			if len(responses) != 1 || !closed {
				t.Errorf("%d responses, connection closed: %v; want one answer and a closed connection", len(responses), closed)
			}
		})
	}
}
