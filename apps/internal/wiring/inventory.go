package wiring

import (
	"github.com/google/wire"

	inventoryhttp "github.com/jupang/jupang/adapters/http/inventory"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/adapters/postgres"
	"github.com/jupang/jupang/core/inventory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/uow"
)

// InventorySet is the inventory area: stock, its audit trail and staff adjustments.
var InventorySet = wire.NewSet(InventoryStorageSet, InventoryService, NewInventoryAdminRoutes)

// InventoryStorageSet keeps stock on the injector's storage; its reads go to the primary (they
// decide edits, and the catalog's availability follows reservations at once).
var InventoryStorageSet = wire.NewSet(InventoryUnitOfWork, InventoryReader)

// InventoryUnitOfWork is the inventory stores' unit of work.
func InventoryUnitOfWork(st Storage) uow.UnitOfWork[inventory.Stores] {
	return unitOfWork(st, memory.InventoryStores, postgres.InventoryStores)
}

// InventoryReader is inventory's read port: the memory store, or the primary.
func InventoryReader(st Storage) inventory.Reader {
	if st.memory != nil {
		return memory.NewInventoryReader(st.memory)
	}
	return postgres.NewInventoryReader(st.postgres)
}

// InventoryService is the inventory use cases.
func InventoryService(tx uow.UnitOfWork[inventory.Stores], read inventory.Reader, clock kernel.Clock) *inventory.Service {
	return inventory.NewService(tx, read, clock)
}

// InventoryAdminRoutes are inventory administration on the admin binary.
type InventoryAdminRoutes []server.Route

// NewInventoryAdminRoutes builds the inventory administration handlers.
func NewInventoryAdminRoutes(svc *inventory.Service) InventoryAdminRoutes {
	return inventoryhttp.Routes(svc)
}
