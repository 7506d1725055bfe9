package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jupang/jupang/core/integration"
)

// phases times the relay's steps: the claim statement, the publish, and the finish (mark and commit).
type phases struct {
	mu                     sync.Mutex
	claim, publish, finish time.Duration
	batches, events        int
}

func (p *phases) add(d *time.Duration, v time.Duration) { p.mu.Lock(); *d += v; p.mu.Unlock() }

func (p *phases) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.batches == 0 {
		return "no batches"
	}
	per := func(d time.Duration) string {
		return (d / time.Duration(p.batches)).Round(10 * time.Microsecond).String()
	}
	return fmt.Sprintf("%d batches, %.0f events each; per batch: claim %s, publish %s, finish %s",
		p.batches, float64(p.events)/float64(p.batches), per(p.claim), per(p.publish), per(p.finish))
}

type timedStore struct {
	integration.RelayStore
	p *phases
}

func (s timedStore) Claim(ctx context.Context, q integration.ClaimQuery) (integration.RelayBatch, error) {
	t := time.Now()
	b, err := s.RelayStore.Claim(ctx, q)
	if err != nil || len(b.Events()) == 0 {
		return b, err
	}
	s.p.add(&s.p.claim, time.Since(t))
	s.p.mu.Lock()
	s.p.batches++
	s.p.events += len(b.Events())
	s.p.mu.Unlock()
	return timedBatch{b, s.p}, nil
}

type timedBatch struct {
	integration.RelayBatch
	p *phases
}

func (b timedBatch) Finish(ctx context.Context, published []string, failed []integration.Failure) error {
	t := time.Now()
	err := b.RelayBatch.Finish(ctx, published, failed)
	b.p.add(&b.p.finish, time.Since(t))
	return err
}

type timedPublisher struct {
	integration.Publisher
	p *phases
}

func (t timedPublisher) Publish(ctx context.Context, events []integration.Event) []error {
	s := time.Now()
	r := t.Publisher.Publish(ctx, events)
	t.p.add(&t.p.publish, time.Since(s))
	return r
}
