package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"

	cataloghttp "github.com/jupang/jupang/adapters/http/catalog"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/i18n"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

func main() {
	ctx := context.Background()
	store := memory.NewStore()
	clock := kernel.SystemClock{}
	reader := memory.NewCatalogReader(store)
	svc := catalog.NewService(reader, reader, memory.NewUnitOfWork(store, memory.CatalogStores), clock).
		WithReadModel(catalog.NewReadModel(memory.NewCatalogChangeFeed(store), catalog.ReadModelConfig{MaxStale: time.Second}))
	d := seed.CatalogDeps{Service: svc, Reader: reader, Clock: clock, Buyers: []string{kernel.NewID()}}
	if err := seed.Catalog(ctx, d); err != nil {
		panic(err)
	}
	t0 := time.Now()
	if err := seed.GeneratedProducts(ctx, d, 3000, 2); err != nil {
		panic(err)
	}
	fmt.Println("seed", time.Since(t0))
	top := cataloghttp.NewTopCache(svc, clock, 30*time.Second)
	srv, err := server.New(server.Config{Name: "storefront", Audience: kernel.AudienceStorefront, Logger: zap.NewNop(),
		Messages: i18n.New(catalog.Codes())}, cataloghttp.Routes(cataloghttp.NewHandlers(svc, top)))
	if err != nil {
		panic(err)
	}
	h := srv.App().Handler()
	path := os.Args[1]
	f, _ := os.Create("/tmp/readpath/list.prof")
	pprof.StartCPUProfile(f)
	t0 = time.Now()
	n := 0
	var rc fasthttp.RequestCtx
	for time.Since(t0) < 3*time.Second {
		rc.Request.Reset()
		rc.Response.Reset()
		rc.Request.SetRequestURI(path)
		rc.Request.Header.Set("X-Market", "KR")
		rc.Request.Header.Set("Accept-Language", "ko-KR,ko;q=0.9")
		h(&rc)
		if rc.Response.StatusCode() != 200 {
			panic(string(rc.Response.Body()))
		}
		n++
	}
	pprof.StopCPUProfile()
	fmt.Printf("%.0f req/s\n", float64(n)/time.Since(t0).Seconds())
}
