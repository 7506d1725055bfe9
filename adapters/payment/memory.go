package payment

import (
	"context"
	"sync"
)

// MemoryChargeStore keeps the mock gateway's charges in the process (the all-in-one binary, tests).
type MemoryChargeStore struct {
	mu      sync.Mutex
	charges map[string]ChargeRecord
	answers map[string]int
}

// NewMemoryChargeStore returns an empty store.
func NewMemoryChargeStore() *MemoryChargeStore {
	return &MemoryChargeStore{charges: map[string]ChargeRecord{}, answers: map[string]int{}}
}

// Create implements ChargeStore.
func (s *MemoryChargeStore) Create(_ context.Context, r ChargeRecord) (ChargeRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.charges[r.OrderID]; ok {
		return old, nil
	}
	s.charges[r.OrderID] = r
	return r, nil
}

// Get implements ChargeStore.
func (s *MemoryChargeStore) Get(_ context.Context, orderID string) (ChargeRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.charges[orderID]
	return r, ok, nil
}

// Save implements ChargeStore.
func (s *MemoryChargeStore) Save(_ context.Context, r ChargeRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.charges[r.OrderID] = r
	return nil
}

// Answered implements ChargeStore.
func (s *MemoryChargeStore) Answered(_ context.Context, orderID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[orderID]++
	return s.answers[orderID], nil
}
