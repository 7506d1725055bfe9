package catalog

import (
	"sync"
	"time"

	"github.com/jupang/jupang/core/kernel"
)

// pageKey is everything a rendered list page depends on besides the catalog itself.
type pageKey struct {
	market   kernel.Market
	locale   kernel.Locale
	sort     Sort
	category string // as requested: id or slug (the tree maps both; a tree change drops every page)
	q        string
	cursor   string
	limit    int
}

// pageEntry is a rendered page, valid from until to (the pricing window it was priced in: no
// promotion of its market starts or ends and no rate takes effect inside it).
type pageEntry struct {
	body     []byte
	from, to time.Time // to zero: no edge is scheduled
}

func (e pageEntry) validAt(t time.Time) bool {
	return !t.Before(e.from) && (e.to.IsZero() || t.Before(e.to))
}

// Page cache bounds: the bytes of one generation (see pageCache).
const pageCacheGenerationBytes = 32 << 20

// pageCache holds rendered list pages in two generations: new pages go into cur; when cur holds
// pageCacheGenerationBytes it becomes old and the previous old is dropped, and a hit in old moves
// the page back into cur. So memory stays under twice the bound, recently used pages survive
// (an approximate LRU), and a hit in cur takes only a read lock. The owning cards store pages
// under its generation check and clear them when it applies a change; lock order is cards.mu,
// then pageCache.mu.
type pageCache struct {
	mu       sync.RWMutex
	cur, old map[pageKey]pageEntry
	curBytes int
}

func (p *pageCache) get(k pageKey, now time.Time) ([]byte, bool) {
	p.mu.RLock()
	e, ok := p.cur[k]
	if !ok {
		e, ok = p.old[k]
		if ok {
			p.mu.RUnlock()
			p.mu.Lock()
			if _, still := p.old[k]; still { // not cleared meanwhile
				delete(p.old, k)
				p.putLocked(k, e)
			}
			p.mu.Unlock()
			return e.body, e.validAt(now)
		}
	}
	p.mu.RUnlock()
	return e.body, ok && e.validAt(now)
}

func (p *pageCache) put(k pageKey, e pageEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.putLocked(k, e)
}

func (p *pageCache) putLocked(k pageKey, e pageEntry) {
	if p.cur == nil {
		p.cur = map[pageKey]pageEntry{}
	}
	if prev, ok := p.cur[k]; ok {
		p.curBytes -= len(prev.body)
	}
	if p.curBytes+len(e.body) > pageCacheGenerationBytes {
		p.old, p.cur, p.curBytes = p.cur, map[pageKey]pageEntry{}, 0
	}
	p.cur[k] = e
	p.curBytes += len(e.body)
}

func (p *pageCache) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cur, p.old, p.curBytes = nil, nil, 0
}
