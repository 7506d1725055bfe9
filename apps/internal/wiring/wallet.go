package wiring

import (
	"github.com/google/wire"

	"github.com/jupang/jupang/adapters/http/server"
	wallethttp "github.com/jupang/jupang/adapters/http/wallet"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
	"github.com/jupang/jupang/core/wallet"
)

// WalletSet is the wallet area: each customer's KRW wallet and its ledger.
var WalletSet = wire.NewSet(WalletStorageSet, WalletService, NewWalletRoutes)

// WalletStorageSet keeps wallets on the injector's storage; a customer reads their own balance
// from the primary, right after paying.
var WalletStorageSet = wire.NewSet(WalletUnitOfWork, WalletReader)

// WalletUnitOfWork is the wallet stores' unit of work.
func WalletUnitOfWork(st Storage) uow.UnitOfWork[wallet.Stores] {
	return unitOfWork(st, memory.WalletStores, postgres.WalletStores)
}

// WalletReader is the wallet's read port: the memory store, or the primary.
func WalletReader(st Storage) wallet.Reader {
	if st.memory != nil {
		return memory.NewWalletReader(st.memory)
	}
	return postgres.NewWalletReader(st.postgres)
}

// WalletService is the wallet use cases.
func WalletService(tx uow.UnitOfWork[wallet.Stores], read wallet.Reader, clock kernel.Clock) *wallet.Service {
	return wallet.NewService(tx, read, clock)
}

// WalletRoutes are the customer's wallet on the storefront.
type WalletRoutes []server.Route

// NewWalletRoutes builds the wallet handlers.
func NewWalletRoutes(svc *wallet.Service) WalletRoutes { return wallethttp.Routes(svc) }
