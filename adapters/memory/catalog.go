package memory

// catalogTables are the catalog area's in-memory tables.
type catalogTables struct{}

func newCatalogTables() catalogTables { return catalogTables{} }
