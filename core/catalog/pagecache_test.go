package catalog

import (
	"testing"
	"time"
)

func TestPageCacheStaysUnderItsBoundAndKeepsRecentPages(t *testing.T) {
	var p pageCache
	now := time.Unix(1_700_000_000, 0)
	body := make([]byte, 64<<10)
	hot := pageKey{sort: SortNewest, limit: 20}
	p.put(hot, pageEntry{body: body, from: now})
	for i := range 4 * pageCacheGenerationBytes / len(body) {
		p.put(pageKey{sort: SortPopular, limit: i + 1}, pageEntry{body: body, from: now})
		if _, ok := p.get(hot, now); !ok {
			t.Fatalf("the page read on every round was evicted after %d puts", i)
		}
		held := 0
		for _, e := range p.cur {
			held += len(e.body)
		}
		for _, e := range p.old {
			held += len(e.body)
		}
		if held > 2*pageCacheGenerationBytes || p.curBytes > pageCacheGenerationBytes {
			t.Fatalf("holds %d bytes (cur %d), bound %d", held, p.curBytes, 2*pageCacheGenerationBytes)
		}
	}
	if _, ok := p.get(pageKey{sort: SortPopular, limit: 1}, now); ok {
		t.Fatal("the first cold page survived four generations")
	}
}

func TestPageCacheEntryExpiresAtItsWindowEdge(t *testing.T) {
	var p pageCache
	from := time.Unix(1_700_000_000, 0)
	k := pageKey{sort: SortPriceAsc, limit: 5}
	p.put(k, pageEntry{body: []byte("x"), from: from, to: from.Add(time.Minute)})
	for at, want := range map[time.Duration]bool{-time.Microsecond: false, 0: true, time.Minute - time.Microsecond: true, time.Minute: false} {
		if _, ok := p.get(k, from.Add(at)); ok != want {
			t.Errorf("at from%+v: hit %v, want %v", at, ok, want)
		}
	}
	p.clear()
	if _, ok := p.get(k, from); ok {
		t.Error("hit after clear")
	}
}
