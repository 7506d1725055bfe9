package devcerts_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/devcerts"
)

func TestEnsureMakesAWorkingMutualTLSSetAndKeepsIt(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	f, err := devcerts.Ensure(dir, "partner-demo", now)
	if err != nil {
		t.Fatal(err)
	}
	if f.Client != dir+"/partner-demo.pem" || f.ClientKey != dir+"/partner-demo-key.pem" || f.CA != dir+"/ca.pem" {
		t.Fatalf("files = %+v", f)
	}
	ca, _ := os.ReadFile(f.CA)

	// A real handshake: the server requires a client certificate from the dev CA.
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	srvPair, err := tls.LoadX509KeyPair(f.Server, f.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{srvPair},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	peer := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			peer <- err.Error()
			return
		}
		defer func() { _ = c.Close() }()
		tc := c.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			peer <- err.Error()
			return
		}
		peer <- tc.ConnectionState().VerifiedChains[0][0].Subject.CommonName
		_, _ = io.WriteString(tc, "ok")
	}()
	cliPair, err := tls.LoadX509KeyPair(f.Client, f.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	conn, err := tls.Dial("tcp", "localhost:"+port, &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cliPair}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(conn)
	_ = conn.Close()
	if got := <-peer; got != "partner-demo" {
		t.Fatalf("the server saw %q", got)
	}

	if _, err := devcerts.Ensure(dir, "partner-demo", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(f.CA); !bytes.Equal(again, ca) {
		t.Fatal("valid certificates were replaced")
	}
	if _, err := devcerts.Ensure(dir, "partner-demo", now.Add(400*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if renewed, _ := os.ReadFile(f.CA); bytes.Equal(renewed, ca) {
		t.Fatal("expiring certificates were kept")
	}
}
