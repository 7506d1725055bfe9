package memory

// identityTables are the identity area's in-memory tables.
type identityTables struct{}

func newIdentityTables() identityTables { return identityTables{} }
