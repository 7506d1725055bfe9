package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/partner"
)

// jupang sign prints headers the partner feed accepts: checked with partner.Sign's own inputs.
func TestSignPrintsVerifiableHeaders(t *testing.T) {
	body := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(body, []byte(`{"eventIds":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		key  string
		body string
	}{
		{[]string{"get", "/v1/integrations/events/pull?max=5"}, seed.PartnerHMACKey, ""},
		{[]string{"-key", "another-key-0123456789", "POST", "/v1/integrations/events/ack", "@" + body}, "another-key-0123456789", `{"eventIds":[]}`},
	} {
		var out bytes.Buffer
		if err := sign(c.args, &out); err != nil {
			t.Fatal(err)
		}
		h := map[string]string{}
		fields := strings.Fields(out.String())
		for i := 0; i+1 < len(fields); i += 2 {
			name, value, _ := strings.Cut(fields[i+1], ":")
			if fields[i] != "-H" {
				t.Fatalf("output %q", out.String())
			}
			h[name] = value
		}
		method, target := strings.ToUpper(c.args[len(c.args)-2]), c.args[len(c.args)-1]
		if c.body != "" {
			method, target = c.args[len(c.args)-3], c.args[len(c.args)-2]
		}
		want := partner.Sign([]byte(c.key), h[partner.HeaderTimestamp], method, target, []byte(c.body))
		if h[partner.HeaderSignature] != want || len(h[partner.HeaderNonce]) != 32 {
			t.Fatalf("%v: headers %v, want signature %s", c.args, h, want)
		}
	}
	if err := sign([]string{"GET"}, &bytes.Buffer{}); err == nil {
		t.Fatal("a missing target is an error")
	}
}
