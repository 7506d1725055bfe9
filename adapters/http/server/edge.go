package server

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/jupang/jupang/core/errs"
)

// Limits of the request head, checked before Fiber routes a request.
const (
	// MaxRequestTarget bounds the request-target (path and query); a longer one is 414 URI_TOO_LONG.
	MaxRequestTarget = 8 << 10
	// MaxRequestHead bounds the request line and header fields together (fasthttp's read buffer); a
	// larger head is 431 HEADERS_TOO_LARGE, or 414 when the request line alone does not fit.
	MaxRequestHead = 16 << 10
)

// errMalformedRequest is what fasthttp could not parse as an HTTP/1.1 request: a bad request line
// (an HTTP/2 preface, say), a header without a colon, or an ambiguous body length (RFC 9112 §6.3),
// after which fasthttp closes the connection.
var errMalformedRequest = errs.ErrValidation.WithField("request", errs.FieldMalformedRequest.Code,
	"the request line or headers are not valid HTTP/1.1")

// edge runs on every request fasthttp has read, before Fiber: it refuses what no route can serve.
// Fiber would answer an unknown method with plain text and does not bound the request-target.
func (s *Server) edge(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(fctx *fasthttp.RequestCtx) {
		if client, forwarded := s.clientAddress(fctx); forwarded {
			fctx.SetRemoteAddr(&net.TCPAddr{IP: client.AsSlice()})
		}
		switch {
		case !knownMethod(fctx.Method()):
			s.refuse(fctx, errs.ErrNotImplemented)
		case len(fctx.Request.Header.RequestURI()) > MaxRequestTarget:
			s.refuse(fctx, errs.ErrURITooLong)
		default:
			next(fctx)
		}
		if s.draining.Load() {
			fctx.SetConnectionClose()
		}
	}
}

// clientAddress is the address of the caller: the peer, or, when the peer is a trusted proxy, the
// nearest address in X-Forwarded-For that no trusted proxy added. Proxies append the address they
// received from, so the list is read from the right, and what a client wrote to the left of
// that address is never believed. An entry that is not an address ends the walk at the hop before
// it. forwarded reports whether the answer differs from the peer.
func (s *Server) clientAddress(fctx *fasthttp.RequestCtx) (client netip.Addr, forwarded bool) {
	peer, _ := netip.AddrFromSlice(fctx.RemoteIP())
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer, false
	}
	client = peer
	lines := fctx.Request.Header.PeekAll(HeaderForwardedFor)
	for i := len(lines) - 1; i >= 0; i-- {
		entries := bytes.Split(lines[i], []byte{','})
		for j := len(entries) - 1; j >= 0; j-- {
			hop, ok := parseHop(string(bytes.TrimSpace(entries[j])))
			if !ok {
				return client, client != peer
			}
			client = hop
			if !s.trusted(hop) {
				return client, client != peer
			}
		}
	}
	return client, client != peer
}

// HeaderForwardedFor lists the addresses a request passed through (de facto standard).
const HeaderForwardedFor = "X-Forwarded-For"

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a port ("[v6]:port").
func parseHop(entry string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(entry); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(entry); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// clientGroup is the caller as per-client limits count it: an IPv4 address, or the /64 of an IPv6
// one, the block one subscriber gets, so a host cannot pick a fresh address per request.
func clientGroup(ip net.IP) string {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return ""
	}
	if a = a.Unmap(); a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

// knownMethod reports whether m is one of the methods HTTP defines (RFC 9110 §9, RFC 5789); any
// other is 501 (RFC 9110 §15.6.2).
func knownMethod(m []byte) bool {
	switch string(m) {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodTrace, http.MethodConnect:
		return true
	}
	return false
}

// methodLabel is the method as metrics and spans name it: unknown methods share one name, as
// OpenTelemetry's HTTP conventions ask, so hostile methods cannot create series.
func methodLabel(m string) string {
	if knownMethod([]byte(m)) {
		return m
	}
	return "_OTHER"
}

// refuse answers a request the router never sees, observed like every other request.
func (s *Server) refuse(fctx *fasthttp.RequestCtx, err error) {
	c := s.app.AcquireCtx(fctx)
	defer s.app.ReleaseCtx(c)
	_ = s.handleServerError(c, err)
}

// readFailure names what was wrong with a request fasthttp could not read; Fiber has already
// turned fasthttp's error into a fiber.Error with a status.
func readFailure(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if !errors.As(err, &fe) {
		return err
	}
	switch fe.Code {
	case http.StatusRequestHeaderFieldsTooLarge:
		if lc, ok := c.Context().Conn().(interface{ requestLineRead() bool }); ok && !lc.requestLineRead() {
			return errs.ErrURITooLong
		}
		return errs.ErrHeadersTooLarge
	case http.StatusBadRequest:
		return errMalformedRequest
	}
	return err
}

// lineListener wraps accepted connections in lineConns.
type lineListener struct{ net.Listener }

func (l lineListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	lc := &lineConn{Conn: conn}
	if tc, ok := conn.(*tls.Conn); ok {
		return tlsLineConn{lc, tc}, nil
	}
	return lc, nil
}

// lineConn remembers whether a line feed arrived since the server last wrote a response, which
// tells a request head too large for the read buffer apart: without one, its request line alone
// did not fit (414), else its header fields did not (431). A request pipelined behind another may
// be judged by the bytes of both; either answer refuses it.
type lineConn struct {
	net.Conn
	lineRead atomic.Bool
}

func (c *lineConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.lineRead.Load() && bytes.IndexByte(p[:n], '\n') >= 0 {
		c.lineRead.Store(true)
	}
	return n, err
}

func (c *lineConn) Write(p []byte) (int, error) {
	c.lineRead.Store(false)
	return c.Conn.Write(p)
}

func (c *lineConn) requestLineRead() bool { return c.lineRead.Load() }

// tlsLineConn keeps a TLS connection recognisable as one: fasthttp and Fiber look for these
// methods to report TLS and the client certificates (the partner binary's mTLS).
type tlsLineConn struct {
	*lineConn
	tls *tls.Conn
}

func (c tlsLineConn) Handshake() error                     { return c.tls.Handshake() }
func (c tlsLineConn) ConnectionState() tls.ConnectionState { return c.tls.ConnectionState() }
