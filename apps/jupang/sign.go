package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/partner"
)

// sign prints the signature headers of one partner request as curl flags without spaces, so
// `curl $(jupang sign GET /v1/integrations/events/pull) …` works unquoted. The key defaults to
// JUPANG_PARTNER_HMAC_KEY, else the dev seed's partner-demo key. The body is the third argument,
// or the contents of a file after @; it must be sent byte for byte as signed.
func sign(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	key := fs.String("key", "", "HMAC key (default: $JUPANG_PARTNER_HMAC_KEY, else the dev seed's partner-demo key)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 2 || len(rest) > 3 || !strings.HasPrefix(rest[1], "/") {
		return errors.New(usage)
	}
	method, target, body := strings.ToUpper(rest[0]), rest[1], []byte(nil)
	if len(rest) == 3 {
		body = []byte(rest[2])
		if file, ok := strings.CutPrefix(rest[2], "@"); ok {
			var err error
			if body, err = os.ReadFile(file); err != nil { //nolint:gosec // the developer names the file
				return err
			}
		}
	}
	k := *key
	if k == "" {
		k = os.Getenv("JUPANG_PARTNER_HMAC_KEY")
	}
	if k == "" {
		k = seed.PartnerHMACKey
	}
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return err
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), hex.EncodeToString(n[:])
	_, err := fmt.Fprintf(out, "-H %s:%s -H %s:%s -H %s:%s\n", partner.HeaderTimestamp, ts, partner.HeaderNonce, nonce,
		partner.HeaderSignature, partner.Sign([]byte(k), ts, method, target, body))
	return err
}
