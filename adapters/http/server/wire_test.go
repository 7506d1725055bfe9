package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen serves f on a loopback port for the rest of the test and returns its address.
func (f *fixture) listen(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.srv.Serve(ln) }()
	t.Cleanup(func() { _ = f.srv.Shutdown(context.Background()) })
	return ln.Addr().String()
}

// rawAnswer is one response read off a raw connection, its body read and closed.
type rawAnswer struct {
	StatusCode int
	Header     http.Header
}

// rawExchange writes raw bytes on one new connection and reads every response the server sends
// on it until it closes the connection or stays silent for a moment.
func rawExchange(t *testing.T, addr, raw string) (responses []rawAnswer, bodies []string, closed bool) {
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
		responses = append(responses, rawAnswer{StatusCode: resp.StatusCode, Header: resp.Header})
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

// problemOn checks that resp is a problem+json answer of status and code carrying its trace id.
func problemOn(t *testing.T, resp rawAnswer, body string, status int, code string) {
	t.Helper()
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("answer = %d %s %s, want %d problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), truncate([]byte(body)), status)
	}
	p := problemOf(t, []byte(body))
	if p["code"] != code || p["status"] != float64(status) || p["detail"] == "" {
		t.Errorf("problem = %s, want code %s", truncate([]byte(body)), code)
	}
	if id := resp.Header.Get("X-Trace-Id"); !traceIDPattern.MatchString(id) || p["traceId"] != id {
		t.Errorf("traceId %v, X-Trace-Id %q", p["traceId"], id)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", resp.Header.Get("X-Content-Type-Options"))
	}
}

// TestUnknownMethodsAreProblems: a method no route can have is 501 problem+json, not fasthttp's or
// Fiber's plain text; an HTTP/2 connection preface sent to this HTTP/1.1 server is refused as a
// malformed request and the connection closed, so its remainder is never read as a request.
func TestUnknownMethodsAreProblems(t *testing.T) {
	f := newFixture(t, memoryBackend(t))
	addr := f.listen(t)

	responses, bodies, _ := rawExchange(t, addr, "FOO /healthz HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\n\r\n")
	if len(responses) != 1 {
		t.Fatalf("%d responses to FOO", len(responses))
	}
	problemOn(t, responses[0], bodies[0], http.StatusNotImplemented, "METHOD_NOT_IMPLEMENTED")
	if got := responses[0].Header.Get("Content-Language"); got != "en" {
		t.Errorf("Content-Language = %q", got)
	}

	responses, bodies, closed := rawExchange(t, addr, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	if len(responses) != 1 || !closed {
		t.Fatalf("%d responses to the HTTP/2 preface, closed %v; want one and a closed connection", len(responses), closed)
	}
	problemOn(t, responses[0], bodies[0], http.StatusBadRequest, "VALIDATION_FAILED")
	if got := fieldErrors(problemOf(t, []byte(bodies[0]))); !slices.Contains(got, "request:MALFORMED_REQUEST") {
		t.Errorf("field errors = %v, want request:MALFORMED_REQUEST", got)
	}
}

// TestOversizedRequestHeads: a request-target over 8 KiB is 414, a request head over 16 KiB is 431
// (414 when its request line alone does not fit), both as problems; a bearer token over the
// Authorization limit is 401; a head of ordinary size with a few large cookies is served.
func TestOversizedRequestHeads(t *testing.T) {
	f := newFixture(t, memoryBackend(t))
	addr := f.listen(t)
	get := func(target string, headers ...string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + strings.Join(headers, "") + "\r\n"
	}
	tests := []struct {
		name   string
		raw    string
		status int
		code   string
	}{
		{"request-target over 8 KiB", get("/healthz?q=" + strings.Repeat("a", 8300)), 414, "URI_TOO_LONG"},
		{"request line longer than the read buffer", get("/healthz?q=" + strings.Repeat("a", 40000)), 414, "URI_TOO_LONG"},
		{"one header over the head limit", get("/healthz", "X-Big: "+strings.Repeat("b", 20000)+"\r\n"), 431, "HEADERS_TOO_LARGE"},
		{"many headers over the head limit", get("/healthz", strings.Repeat("X-Many: "+strings.Repeat("m", 100)+"\r\n", 200)), 431, "HEADERS_TOO_LARGE"},
		{"bearer token over its limit", get("/healthz", "Authorization: Bearer "+strings.Repeat("t", 9000)+"\r\n"), 401, "UNAUTHENTICATED"},
		{"12 KiB of cookies", get("/healthz", strings.Repeat("Cookie: c="+strings.Repeat("c", 4000)+"\r\n", 3)), 200, ""},
		{"an 8 KiB request-target", get("/healthz?q=" + strings.Repeat("a", 8192-len("/healthz?q="))), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			responses, bodies, _ := rawExchange(t, addr, tt.raw)
			if len(responses) != 1 {
				t.Fatalf("%d responses", len(responses))
			}
			if tt.code == "" {
				if responses[0].StatusCode != tt.status {
					t.Fatalf("status = %d: %s", responses[0].StatusCode, truncate([]byte(bodies[0])))
				}
				return
			}
			problemOn(t, responses[0], bodies[0], tt.status, tt.code)
		})
	}
}
