package kernel

// Role is what a caller is allowed to act as.
type Role string

// The seven roles of the RBAC table. Guest is the absence of a token.
const (
	RoleGuest     Role = "Guest"
	RoleCustomer  Role = "Customer"
	RoleSupport   Role = "Support"
	RoleInventory Role = "Inventory"
	RoleMarketing Role = "Marketing"
	RoleAdmin     Role = "Admin"
	RoleExternal  Role = "External"
)

// AllRoles lists every role, Guest first.
var AllRoles = []Role{RoleGuest, RoleCustomer, RoleSupport, RoleInventory, RoleMarketing, RoleAdmin, RoleExternal}

// Audience names the binary a token was issued for.
type Audience string

// Token audiences, one per HTTP binary.
const (
	AudienceStorefront Audience = "storefront"
	AudienceAdmin      Audience = "admin"
	AudiencePartner    Audience = "partner"
)

// Principal is who is calling. The zero value is an anonymous guest.
type Principal struct {
	ID       string // user or client id; empty for guests
	Roles    []Role
	Audience Audience
}

// Guest is the principal of a request without a token.
var Guest = Principal{Roles: []Role{RoleGuest}}

// IsGuest reports whether the caller presented no valid token.
func (p Principal) IsGuest() bool { return p.ID == "" }

// Has reports whether the principal holds role r.
func (p Principal) Has(r Role) bool {
	if r == RoleGuest && p.IsGuest() {
		return true
	}
	for _, have := range p.Roles {
		if have == r {
			return true
		}
	}
	return false
}

// HasAny reports whether the principal holds at least one of roles.
func (p Principal) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if p.Has(r) {
			return true
		}
	}
	return false
}
