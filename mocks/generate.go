// Package mocks holds gomock mocks of core ports, for tests where the exact calls to a port matter.
// Regenerate with `make generate`.
package mocks

//go:generate go tool mockgen -destination=idempotency_store.go -package=mocks github.com/jupang/jupang/core/idempotency Store
