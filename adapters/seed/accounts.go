// Package seed writes the dev data of SPEC §0 through core use cases, so it works on the memory
// adapters and on PostgreSQL alike. Every function may run again: what exists is left alone.
package seed

import (
	"context"
	"errors"
	"fmt"

	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

// DemoPassword is the password of every seeded account.
const DemoPassword = "jupang-demo-1234" //nolint:gosec // the documented demo password of the dev seed (SPEC §0)

// Partner demo client credentials (dev seed only): the client secret for the token endpoint and
// the HMAC key for X-Jupang-Signature.
const (
	PartnerClientID     = "partner-demo"
	PartnerClientSecret = "partner-demo-secret"   //nolint:gosec // the documented demo secret of the dev seed (SPEC §0)
	PartnerHMACKey      = "partner-demo-hmac-key" //nolint:gosec // the documented demo HMAC key of the dev seed
)

// DemoCustomers are the seeded customer accounts; other areas (wallets, orders) seed data for them.
var DemoCustomers = []string{"customer@jupang.test", "customer2@jupang.test"}

// StaffAccount is a seeded staff member.
type StaffAccount struct {
	Email string
	Name  string
	Role  kernel.Role
}

// DemoStaff are the seeded staff accounts (two Admins, so a setting change can be approved by a
// different Admin).
var DemoStaff = []StaffAccount{
	{"support@jupang.test", "Support Demo", kernel.RoleSupport},
	{"inventory@jupang.test", "Inventory Demo", kernel.RoleInventory},
	{"marketing@jupang.test", "Marketing Demo", kernel.RoleMarketing},
	{"admin@jupang.test", "Admin Demo", kernel.RoleAdmin},
	{"admin2@jupang.test", "Admin Demo 2", kernel.RoleAdmin},
}

// demoCustomerIDs returns the ids of the demo customers (seed Accounts first).
func demoCustomerIDs(ctx context.Context, svc *identity.Service) ([]string, error) {
	var ids []string
	for _, email := range DemoCustomers {
		u, err := svc.UserByEmail(ctx, email)
		if err != nil {
			return nil, fmt.Errorf("seed customer %s: %w", email, err)
		}
		ids = append(ids, u.ID)
	}
	return ids, nil
}

// Accounts creates the demo accounts and the partner-demo client (SPEC §0). The partner signs
// requests with PartnerHMACKey, and its certificate subject is its client id.
func Accounts(ctx context.Context, svc *identity.Service) error {
	for i, email := range DemoCustomers {
		_, err := svc.SignUp(ctx, identity.SignUpInput{Email: email, Password: DemoPassword,
			Name: fmt.Sprintf("Demo Customer %d", i+1), Phone: fmt.Sprintf("+82 10-0000-000%d", i+1),
			DefaultAddress: &identity.Address{Recipient: fmt.Sprintf("Demo Customer %d", i+1), Line1: "세종대로 110",
				City: "서울특별시", Region: "중구", PostalCode: "04524", Country: "KR"}})
		if err != nil && !errors.Is(err, identity.ErrEmailTaken) {
			return fmt.Errorf("seed %s: %w", email, err)
		}
	}
	for _, s := range DemoStaff {
		_, err := svc.CreateStaff(ctx, identity.StaffInput{Email: s.Email, Password: DemoPassword, Name: s.Name,
			Roles: []kernel.Role{s.Role}})
		if err != nil && !errors.Is(err, identity.ErrEmailTaken) {
			return fmt.Errorf("seed %s: %w", s.Email, err)
		}
	}
	_, err := svc.RegisterClient(ctx, identity.ClientInput{ClientID: PartnerClientID, Name: "Partner Demo",
		Secret: PartnerClientSecret, HMACKey: []byte(PartnerHMACKey), CertSubject: PartnerClientID})
	if err != nil && !errors.Is(err, identity.ErrClientIDTaken) {
		return fmt.Errorf("seed %s: %w", PartnerClientID, err)
	}
	return nil
}
