// Package webhook delivers partner events to webhook endpoints over HTTP: a Sender that can only
// connect where the URL policy allows, and a Dispatcher that pushes every active webhook's
// deliveries in a goroutine of its own, so a slow or failing endpoint delays nobody else.
package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/jupang/jupang/core/partner"
)

// maxResponseBody is how much of an endpoint's answer is read (and discarded) so the connection
// can be reused; the rest is dropped with the connection.
const maxResponseBody = 64 << 10

// ErrAddressNotAllowed is what a delivery to an address the policy refuses fails with.
var ErrAddressNotAllowed = errors.New("webhook: the address is not allowed")

// Sender implements partner.Sender with net/http.
type Sender struct {
	client *http.Client
}

// NewSender returns a sender that checks every address it connects to against policy, at connect
// time (after DNS), so a name that resolved to a public address at registration cannot be
// rebound to an internal one. It uses no proxy and follows no redirects: a 3xx is the answer.
func NewSender(policy partner.URLPolicy) *Sender {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !policy.AllowsAddr(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrAddressNotAllowed, address)
			}
			return nil
		},
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &Sender{client: &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Send implements partner.Sender.
func (s *Sender) Send(ctx context.Context, url string, header map[string]string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "Jupang-Webhooks/1")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.CopyN(io.Discard, resp.Body, maxResponseBody)
	return resp.StatusCode, nil
}
