package wallethttp_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jupang/jupang/adapters/http/handlertest"
	"github.com/jupang/jupang/adapters/http/rbactest"
	wallethttp "github.com/jupang/jupang/adapters/http/wallet"
	"github.com/jupang/jupang/adapters/memory"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/wallet"
)

func newEnv(t *testing.T) (*handlertest.Env, *wallet.Service, *handlertest.Client) {
	t.Helper()
	kit := handlertest.New(t)
	svc := wallet.NewService(memory.NewUnitOfWork(kit.Store, memory.WalletStores), memory.NewWalletReader(kit.Store), kit.Clock)
	return kit, svc, kit.Server(t, "storefront", wallethttp.Routes(svc))
}

func TestBalanceAndTransactionsAreTheCustomersOwn(t *testing.T) {
	kit, svc, sf := newEnv(t)
	ctx := context.Background()
	token := sf.SignIn(t, "customer@jupang.test").Access
	me := sf.Get(t, "/v1/me", handlertest.Bearer(token)).Want(t, http.StatusOK).Body["id"].(string)
	if _, err := svc.Deposit(ctx, me, 1_000_000, "welcome"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		kit.Clock.Advance(1)
		err := svc.Run(ctx, func(ctx context.Context, st wallet.Stores) error {
			_, err := svc.Debit(ctx, st, wallet.Movement{UserID: me, Type: wallet.TypeAdjustment, Amount: 12_500, ActorID: kernel.NewID()})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	b := sf.Get(t, "/v1/wallet/balance", handlertest.Bearer(token), handlertest.Language("ko")).Want(t, http.StatusOK)
	balance := b.Body["balance"].(map[string]any)
	if balance["amount"] != 962_500.0 || balance["currency"] != "KRW" || balance["formatted"] != "₩962,500" {
		t.Errorf("balance = %s", b.Raw)
	}
	page := sf.Get(t, "/v1/wallet/transactions?limit=2", handlertest.Bearer(token)).Want(t, http.StatusOK)
	items := page.Items(t)
	cursor, _ := page.Body["nextCursor"].(string)
	if len(items) != 2 || cursor == "" || items[0]["balanceAfter"].(map[string]any)["amount"] != 962_500.0 ||
		items[0]["amount"].(map[string]any)["amount"] != -12_500.0 {
		t.Fatalf("page = %s", page.Raw)
	}
	rest := sf.Get(t, "/v1/wallet/transactions?limit=2&cursor="+cursor, handlertest.Bearer(token)).Want(t, http.StatusOK)
	if len(rest.Items(t)) != 2 || rest.Body["nextCursor"] != nil {
		t.Errorf("rest = %s", rest.Raw)
	}
	deposits := sf.Get(t, "/v1/wallet/transactions?type=DEPOSIT", handlertest.Bearer(token)).Want(t, http.StatusOK).Items(t)
	if len(deposits) != 1 || deposits[0]["type"] != "DEPOSIT" {
		t.Errorf("deposits = %v", deposits)
	}
	// Another customer sees their own (empty) wallet, never this one.
	other := sf.SignIn(t, "customer2@jupang.test").Access
	if r := sf.Get(t, "/v1/wallet/balance", handlertest.Bearer(other)).Want(t, http.StatusOK); r.Body["balance"].(map[string]any)["amount"] != 0.0 {
		t.Errorf("other = %s", r.Raw)
	}
	if r := sf.Get(t, "/v1/wallet/transactions", handlertest.Bearer(other)).Want(t, http.StatusOK); len(r.Items(t)) != 0 {
		t.Errorf("other = %s", r.Raw)
	}
	for _, bad := range []string{"type=GIFT", "limit=0", "limit=101", "limit=x", "cursor=%21"} {
		r := sf.Get(t, "/v1/wallet/transactions?"+bad, handlertest.Bearer(token))
		if r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, r.Status, r.Raw)
		}
		r.Problem(t)
	}
}

func TestEveryWalletRouteFollowsTheRBACTable(t *testing.T) {
	_, _, sf := newEnv(t)
	rbactest.Sweep(t, sf.Server(), sf.Token, rbactest.Options{})
}
