//go:build pprof

package launch

import (
	"net/http"
	_ "net/http/pprof" //nolint:gosec // a profiling build only (-tags pprof), on the address JUPANG_PPROF_ADDR names
	"os"
	"time"
)

// A binary built with -tags pprof (the storefront by loadtest/order_create -profile, jupang by
// loadtest/catalog_read -profile) serves net/http/pprof on JUPANG_PPROF_ADDR, so the load scenario
// can profile the real binary under load. Release builds have no such listener.
func init() {
	addr := os.Getenv("JUPANG_PPROF_ADDR")
	if addr == "" {
		return
	}
	srv := &http.Server{Addr: addr, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ListenAndServe() }()
}
