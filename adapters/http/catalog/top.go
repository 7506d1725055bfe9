package cataloghttp

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/singleflight"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// TopSource computes a market's top list (catalog.Service).
type TopSource interface {
	TopProducts(ctx context.Context, v catalog.View, by catalog.RankBy) (catalog.TopList, error)
}

// TopCache serves GET /v1/products/top from memory. It keeps, per market, the rendered answer for
// each measure and language, built together by one fill; concurrent misses of a market share that
// fill (single-flight). An entry lives for the TTL, which must not exceed the ranking job's interval:
// the ranking itself lives in the database, so every instance of the storefront converges on the
// job's latest result within one TTL, and instances that hold the same ranking answer with the same
// bytes and so the same ETag.
type TopCache struct {
	src   TopSource
	clock kernel.Clock
	ttl   time.Duration

	mu      sync.RWMutex
	entries map[kernel.Market]*topEntry
	flight  singleflight.Group
}

// fillTimeout bounds one fill; it runs detached from the request that triggered it, since other
// requests wait for it too.
const fillTimeout = 5 * time.Second

type topKey struct {
	by     catalog.RankBy
	locale kernel.Locale
}

type topEntry struct {
	expires time.Time
	bodies  map[topKey]*TopBody
}

// TopBody is one rendered answer.
type TopBody struct {
	JSON    []byte
	ETag    string // strong validator: a hash of JSON
	Expires time.Time
}

// NewTopCache returns a cache over src whose entries live for ttl.
func NewTopCache(src TopSource, clock kernel.Clock, ttl time.Duration) *TopCache {
	return &TopCache{src: src, clock: clock, ttl: ttl, entries: map[kernel.Market]*topEntry{}}
}

// Get returns the answer for a market, language and measure, filling the market's entry when it is
// missing or expired. When a refill fails, the expired answer is served rather than an error.
func (c *TopCache) Get(ctx context.Context, m kernel.Market, l kernel.Locale, by catalog.RankBy) (*TopBody, error) {
	now := c.clock.Now()
	c.mu.RLock()
	e := c.entries[m]
	c.mu.RUnlock()
	if e == nil || !now.Before(e.expires) {
		v, err, _ := c.flight.Do(string(m), func() (any, error) { return c.fill(ctx, m) })
		switch {
		case err == nil:
			e = v.(*topEntry)
		case e == nil:
			return nil, err
		}
	}
	body, ok := e.bodies[topKey{by, l}]
	if !ok {
		return nil, fmt.Errorf("top cache: no %s/%s answer for %s", by, l, m)
	}
	return body, nil
}

// fill builds every answer of market m. A concurrent caller that finds a fresh entry (filled while it
// waited for the flight) uses it instead.
func (c *TopCache) fill(ctx context.Context, m kernel.Market) (*topEntry, error) {
	now := c.clock.Now()
	c.mu.RLock()
	if e := c.entries[m]; e != nil && now.Before(e.expires) {
		c.mu.RUnlock()
		return e, nil
	}
	c.mu.RUnlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fillTimeout)
	defer cancel()
	e := &topEntry{expires: now.Add(c.ttl), bodies: map[topKey]*TopBody{}}
	for _, by := range catalog.RankBys {
		for _, l := range kernel.Locales {
			list, err := c.src.TopProducts(ctx, catalog.View{Market: m, Locale: l}, by)
			if err != nil {
				return nil, err
			}
			raw, err := json.Marshal(top(list, l))
			if err != nil {
				return nil, err
			}
			h := fnv.New64a()
			_, _ = h.Write(raw) // hash.Hash writes never fail
			e.bodies[topKey{by, l}] = &TopBody{JSON: raw, ETag: `"` + strconv.FormatUint(h.Sum64(), 36) + `"`, Expires: e.expires}
		}
	}
	c.mu.Lock()
	c.entries[m] = e
	c.mu.Unlock()
	return e, nil
}

// Respond answers a request with the cached body, or 304 Not Modified when the client's
// If-None-Match names it. Shared caches may keep it until the entry expires here: Cache-Control's
// max-age counts down to that instant.
func (c *TopCache) Respond(ctx context.Context, fc *fiber.Ctx, m kernel.Market, l kernel.Locale, by catalog.RankBy) error {
	b, err := c.Get(ctx, m, l, by)
	if err != nil {
		return err
	}
	h := &fc.Response().Header
	maxAge := int(b.Expires.Sub(c.clock.Now()) / time.Second)
	if maxAge < 0 {
		maxAge = 0
	}
	h.Set(fiber.HeaderCacheControl, "public, max-age="+strconv.Itoa(maxAge))
	h.Set(fiber.HeaderETag, b.ETag)
	if etagMatches(fc.Get(fiber.HeaderIfNoneMatch), b.ETag) {
		fc.Status(fiber.StatusNotModified)
		return nil
	}
	h.SetContentType(fiber.MIMEApplicationJSON)
	return fc.Send(b.JSON)
}

// etagMatches implements If-None-Match's weak comparison: "*" or any listed tag equal to etag,
// ignoring W/ prefixes.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}
