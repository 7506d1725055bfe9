package seed

import (
	"context"
	"fmt"

	"github.com/jupang/jupang/core/wallet"
)

// Wallets gives each demo customer a KRW wallet holding wallet.SeedBalance (₩1,000,000, SPEC §0),
// as one DEPOSIT entry. A customer whose wallet is already open keeps it as it is.
func Wallets(ctx context.Context, svc *wallet.Service, customers []string) error {
	for _, id := range customers {
		w, err := svc.Balance(ctx, id)
		if err != nil {
			return fmt.Errorf("seed wallet %s: %w", id, err)
		}
		if !w.CreatedAt.IsZero() {
			continue // opened before: a second seed run does not top it up
		}
		if _, err := svc.Deposit(ctx, id, wallet.SeedBalance, "dev seed"); err != nil {
			return fmt.Errorf("seed wallet %s: %w", id, err)
		}
	}
	return nil
}
