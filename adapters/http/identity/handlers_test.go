package identityhttp_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jupang/jupang/adapters/http/handlertest"
	"github.com/jupang/jupang/adapters/http/server"
	"github.com/jupang/jupang/adapters/seed"
	"github.com/jupang/jupang/core/kernel"
	"github.com/jupang/jupang/core/ratelimit"
)

// env is the three binaries' identity endpoints on one seeded in-memory Jupang.
type env struct {
	*handlertest.Env
	storefront, admin, partner *handlertest.Client
}

func newEnv(t *testing.T, opts ...handlertest.Option) env {
	t.Helper()
	e := env{Env: handlertest.New(t, opts...)}
	e.storefront, e.admin, e.partner = e.Server(t, "storefront"), e.Server(t, "admin"), e.Server(t, "partner")
	return e
}

// passwordForm is a password-grant token request.
func passwordForm(user, pass string) handlertest.RequestOption {
	return handlertest.Form(handlertest.PasswordGrant(user, pass))
}

// refreshForm is a refresh-grant token request.
func refreshForm(token string) handlertest.RequestOption {
	return handlertest.Form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}})
}

// clientForm is a client-credentials token request, with the client's id and secret in the body
// when given.
func clientForm(id, secret string) handlertest.RequestOption {
	v := url.Values{"grant_type": {"client_credentials"}}
	if id != "" {
		v.Set("client_id", id)
	}
	if secret != "" {
		v.Set("client_secret", secret)
	}
	return handlertest.Form(v)
}

func TestSignUp(t *testing.T) {
	e := newEnv(t)
	body := `{"email":"New.Shopper@Example.com","password":"0123456789","name":"새 고객","phone":"+82 10-5555-6666",
		"defaultAddress":{"recipient":"새 고객","line1":"테헤란로 1","city":"서울","postalCode":"06236","country":"KR"}}`
	r := e.storefront.Post(t, "/v1/users", handlertest.JSON(body))
	if r.Status != http.StatusCreated || r.Body["email"] != "New.Shopper@Example.com" || r.Body["id"] == "" ||
		r.Header.Get("Location") != "/v1/me" || strings.Contains(r.Text(), "password") {
		t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
	}
	if roles := r.Body["roles"].([]any); len(roles) != 1 || roles[0] != "Customer" {
		t.Fatalf("roles %v", roles)
	}
	access := e.storefront.SignInWith(t, "new.shopper@example.com", "0123456789").Access
	me := e.storefront.Get(t, "/v1/me", handlertest.Bearer(access))
	if me.Status != http.StatusOK || me.Body["id"] != r.Body["id"] || me.Body["email"] != "New.Shopper@Example.com" || me.Body["name"] != "새 고객" {
		t.Fatalf("me: %d %s", me.Status, me.Raw)
	}

	taken := e.storefront.Post(t, "/v1/users",
		handlertest.JSON(`{"email":"NEW.SHOPPER@example.COM","password":"0123456789","name":"Copy","phone":"01012345678"}`), handlertest.Language("ko"))
	if taken.Status != http.StatusConflict || taken.Body["code"] != "EMAIL_TAKEN" || taken.Body["detail"] != "이미 가입된 이메일 주소입니다." ||
		!strings.HasPrefix(taken.Header.Get("Content-Type"), server.ProblemContentType) {
		t.Fatalf("taken: %d %s", taken.Status, taken.Raw)
	}
	roles := e.storefront.Post(t, "/v1/users",
		handlertest.JSON(`{"email":"sneaky@example.com","password":"0123456789","name":"S","phone":"01012345678","roles":["Admin"]}`))
	if roles.Status != http.StatusBadRequest || roles.Problem(t).Fields()["roles"] != "UNKNOWN_FIELD" {
		t.Fatalf("roles field: %d %s", roles.Status, roles.Raw)
	}
	short := e.storefront.Post(t, "/v1/users",
		handlertest.JSON(`{"email":"short@example.com","password":"123456789","name":"S","phone":"01012345678"}`))
	if short.Status != http.StatusBadRequest || short.Problem(t).Fields()["password"] != "PASSWORD_TOO_SHORT" {
		t.Fatalf("short password: %d %s", short.Status, short.Raw)
	}
	if _, err := e.Identity.UserByEmail(context.Background(), "sneaky@example.com"); err == nil {
		t.Fatal("a rejected sign-up stored a user")
	}
	if r := e.admin.Post(t, "/v1/users", handlertest.JSON(body)); r.Status != http.StatusNotFound {
		t.Fatalf("sign-up is a storefront endpoint; admin answered %d", r.Status)
	}
}

func TestPasswordGrantAndMeOnEachBinary(t *testing.T) {
	e := newEnv(t)
	r := e.storefront.Post(t, "/v1/oauth/token", passwordForm("CUSTOMER@jupang.test", seed.DemoPassword))
	if r.Status != http.StatusOK || r.Body["token_type"] != "Bearer" || r.Body["expires_in"] != float64(900) ||
		r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Pragma") != "no-cache" {
		t.Fatalf("token: %d %s %v", r.Status, r.Raw, r.Header)
	}
	// JSON is accepted too.
	j := e.storefront.Post(t, "/v1/oauth/token",
		handlertest.JSON(`{"grant_type":"password","username":"customer2@jupang.test","password":"jupang-demo-1234","scope":null}`))
	if j.Status != http.StatusOK {
		t.Fatalf("json token: %d %s", j.Status, j.Raw)
	}
	storefrontToken := r.Body["access_token"].(string)
	me := e.storefront.Get(t, "/v1/me", handlertest.Bearer(storefrontToken))
	if me.Status != http.StatusOK || me.Body["email"] != "customer@jupang.test" || me.Text() == "" || !strings.Contains(me.Text(), `"roles":["Customer"]`) {
		t.Fatalf("me: %d %s", me.Status, me.Raw)
	}
	if r := e.storefront.Get(t, "/v1/me"); r.Status != http.StatusUnauthorized || r.Body["code"] != "UNAUTHENTICATED" {
		t.Fatalf("me without a token: %d %s", r.Status, r.Raw)
	}
	if r := e.admin.Get(t, "/v1/me", handlertest.Bearer(storefrontToken)); r.Status != http.StatusUnauthorized {
		t.Fatalf("a storefront token on the admin binary: %d", r.Status)
	}

	staffToken := e.admin.SignIn(t, "admin@jupang.test").Access
	if me := e.admin.Get(t, "/v1/me", handlertest.Bearer(staffToken)); me.Status != http.StatusOK || !strings.Contains(me.Text(), `"roles":["Admin"]`) {
		t.Fatalf("admin me: %d %s", me.Status, me.Raw)
	}
	for _, tc := range []struct {
		srv        *handlertest.Client
		user, pass string
		code       string
	}{
		{e.admin, "customer@jupang.test", seed.DemoPassword, "invalid_grant"},
		{e.storefront, "support@jupang.test", seed.DemoPassword, "invalid_grant"},
		{e.storefront, "customer@jupang.test", "wrong-password", "invalid_grant"},
		{e.storefront, "nobody@jupang.test", seed.DemoPassword, "invalid_grant"},
		{e.partner, "customer@jupang.test", seed.DemoPassword, "unsupported_grant_type"},
	} {
		r := tc.srv.Post(t, "/v1/oauth/token", passwordForm(tc.user, tc.pass))
		if r.Status != http.StatusBadRequest || r.Body["error"] != tc.code || r.Body["error_description"] == "" || r.Body["type"] != nil {
			t.Errorf("%s/%s: %d %s", tc.user, tc.pass, r.Status, r.Raw)
		}
	}
}

// TestMeForAnAccountThatNoLongerExists: a valid token whose account is gone is 401 with the
// challenge every 401 of a bearer-protected resource carries (RFC 6750 §3), on each binary.
func TestMeForAnAccountThatNoLongerExists(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		srv  *handlertest.Client
		role kernel.Role
	}{{e.storefront, kernel.RoleCustomer}, {e.admin, kernel.RoleAdmin}, {e.partner, kernel.RoleExternal}} {
		r := c.srv.Get(t, "/v1/me", handlertest.Bearer(c.srv.TokenAs(t, c.role, kernel.NewID())))
		if r.Status != http.StatusUnauthorized || r.Problem(t).Code != "UNAUTHENTICATED" || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %v %s", c.role, r.Status, r.Header, r.Raw)
		}
	}
}

func TestRefreshRotationAndReuseOverHTTP(t *testing.T) {
	e := newEnv(t)
	refresh := e.storefront.SignIn(t, "customer@jupang.test").Refresh
	r := e.storefront.Post(t, "/v1/oauth/token", refreshForm(refresh))
	if r.Status != http.StatusOK || r.Body["refresh_token"] == refresh {
		t.Fatalf("rotate: %d %s", r.Status, r.Raw)
	}
	next := r.Body["refresh_token"].(string)
	if r := e.admin.Post(t, "/v1/oauth/token", refreshForm(next)); r.Status != http.StatusBadRequest || r.Body["error"] != "invalid_grant" {
		t.Fatalf("a storefront refresh token on admin: %d %s", r.Status, r.Raw)
	}
	// Replaying the used token revokes the family: the newest token dies with it.
	if r := e.storefront.Post(t, "/v1/oauth/token", refreshForm(refresh)); r.Body["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %s", r.Status, r.Raw)
	}
	if r := e.storefront.Post(t, "/v1/oauth/token", refreshForm(next)); r.Body["error"] != "invalid_grant" {
		t.Fatalf("family not revoked: %d %s", r.Status, r.Raw)
	}
	// A refresh token is not an access token.
	if r := e.storefront.Get(t, "/v1/me", handlertest.Bearer(next)); r.Status != http.StatusUnauthorized {
		t.Fatalf("refresh token as bearer: %d", r.Status)
	}
}

func TestRevoke(t *testing.T) {
	e := newEnv(t)
	tokens := e.storefront.SignIn(t, "customer@jupang.test")
	access, refresh := tokens.Access, tokens.Refresh
	if r := e.storefront.Post(t, "/v1/oauth/revoke", handlertest.Form(url.Values{"token": {refresh}, "token_type_hint": {"refresh_token"}})); r.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	if r := e.storefront.Post(t, "/v1/oauth/token", refreshForm(refresh)); r.Body["error"] != "invalid_grant" {
		t.Fatalf("revoked token still works: %d %s", r.Status, r.Raw)
	}
	if r := e.storefront.Post(t, "/v1/oauth/revoke", handlertest.Form(url.Values{"token": {"never-issued"}})); r.Status != http.StatusOK {
		t.Fatalf("unknown token: %d %s", r.Status, r.Raw)
	}
	if r := e.storefront.Post(t, "/v1/oauth/revoke", handlertest.Form(url.Values{"token": {access}})); r.Status != http.StatusBadRequest || r.Body["error"] != "unsupported_token_type" {
		t.Fatalf("access token: %d %s", r.Status, r.Raw)
	}
	if r := e.storefront.Post(t, "/v1/oauth/revoke", handlertest.Form(url.Values{})); r.Status != http.StatusBadRequest || r.Body["error"] != "invalid_request" {
		t.Fatalf("no token: %d %s", r.Status, r.Raw)
	}
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("partner-demo:partner-demo-secret"))
	r := e.partner.Post(t, "/v1/oauth/token", clientForm("", ""), handlertest.Header("Authorization", basic))
	if r.Status != http.StatusOK || r.Body["refresh_token"] != nil {
		t.Fatalf("basic: %d %s", r.Status, r.Raw)
	}
	me := e.partner.Get(t, "/v1/me", handlertest.Bearer(r.Body["access_token"].(string)))
	if me.Status != http.StatusOK || me.Body["clientId"] != "partner-demo" || me.Body["email"] != nil || !strings.Contains(me.Text(), `"roles":["External"]`) {
		t.Fatalf("partner me: %d %s", me.Status, me.Raw)
	}
	if r := e.partner.Post(t, "/v1/oauth/token", clientForm("partner-demo", "partner-demo-secret")); r.Status != http.StatusOK {
		t.Fatalf("body credentials: %d %s", r.Status, r.Raw)
	}
	both := e.partner.Post(t, "/v1/oauth/token", clientForm("", "partner-demo-secret"), handlertest.Header("Authorization", basic))
	if both.Status != http.StatusBadRequest || both.Body["error"] != "invalid_request" {
		t.Fatalf("two methods: %d %s", both.Status, both.Raw)
	}
	wrong := e.partner.Post(t, "/v1/oauth/token", clientForm("partner-demo", "nope"))
	if wrong.Status != http.StatusUnauthorized || wrong.Body["error"] != "invalid_client" || wrong.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("wrong secret: %d %s", wrong.Status, wrong.Raw)
	}
	if r := e.storefront.Post(t, "/v1/oauth/token", clientForm("", ""), handlertest.Header("Authorization", basic)); r.Body["error"] != "unsupported_grant_type" {
		t.Fatalf("client_credentials on the storefront: %d %s", r.Status, r.Raw)
	}
	if r := e.partner.Post(t, "/v1/oauth/token", handlertest.Form(url.Values{"grant_type": {"authorization_code"}, "code": {"x"}})); r.Body["error"] != "unsupported_grant_type" {
		t.Fatalf("authorization_code: %d %s", r.Status, r.Raw)
	}
}

func TestJWKS(t *testing.T) {
	e := newEnv(t)
	r := e.storefront.Get(t, "/.well-known/jwks.json")
	keys, _ := r.Body["keys"].([]any)
	if r.Status != http.StatusOK || len(keys) != 1 || r.Header.Get("Cache-Control") != "public, max-age=300" ||
		r.Header.Get("Content-Type") != "application/jwk-set+json" || keys[0].(map[string]any)["kid"] != e.Keys.Signer().Kid {
		t.Fatalf("jwks: %d %s", r.Status, r.Raw)
	}
}

func TestRateLimits(t *testing.T) {
	limits := ratelimit.DefaultLimits()
	limits.Auth = ratelimit.Limit{Requests: 3, Per: time.Minute, Burst: 3}
	limits.Account = ratelimit.Limit{Requests: 2, Per: time.Hour, Burst: 2}
	e := newEnv(t, handlertest.WithRateLimits(limits))

	// Per IP on the auth class: the fourth request within the window is refused before it runs.
	for i := 0; i < 3; i++ {
		r := e.storefront.Post(t, "/v1/oauth/token", passwordForm(fmt.Sprintf("nobody%d@jupang.test", i), "whatever-123"))
		if r.Status != http.StatusBadRequest || r.Header.Get("RateLimit-Remaining") != []string{"2", "1", "0"}[i] || r.Header.Get("RateLimit-Limit") != "3" {
			t.Fatalf("request %d: %d %v", i, r.Status, r.Header)
		}
	}
	signUp := `{"email":"late@example.com","password":"0123456789","name":"Late","phone":"01012345678"}`
	r := e.storefront.Post(t, "/v1/users", handlertest.JSON(signUp))
	if r.Status != http.StatusTooManyRequests || r.Body["code"] != "RATE_LIMITED" || r.Header.Get("Retry-After") != "20" ||
		r.Header.Get("RateLimit-Remaining") != "0" || r.Header.Get("RateLimit-Reset") != "60" {
		t.Fatalf("over the limit: %d %s %v", r.Status, r.Raw, r.Header)
	}
	if _, err := e.Identity.UserByEmail(context.Background(), "late@example.com"); err == nil {
		t.Fatal("a rate-limited sign-up created the account")
	}
	e.Clock.Advance(20 * time.Second)
	if r := e.storefront.Post(t, "/v1/users", handlertest.JSON(signUp)); r.Status != http.StatusCreated {
		t.Fatalf("after Retry-After: %d %s", r.Status, r.Raw)
	}

	// Per account: two failures lock customer@ even with the right password, whatever the bucket of the IP.
	e.Clock.Advance(time.Minute)
	for i := 0; i < 2; i++ {
		r := e.storefront.Post(t, "/v1/oauth/token", passwordForm("customer@jupang.test", "wrong-password"))
		if r.Body["error"] != "invalid_grant" {
			t.Fatalf("failure %d: %d %s", i, r.Status, r.Raw)
		}
	}
	r = e.storefront.Post(t, "/v1/oauth/token", passwordForm("customer@jupang.test", seed.DemoPassword))
	if r.Status != http.StatusTooManyRequests || r.Body["code"] != "RATE_LIMITED" || r.Header.Get("Retry-After") != "1800" {
		t.Fatalf("account throttle: %d %s %v", r.Status, r.Raw, r.Header)
	}
	e.Clock.Advance(time.Minute) // a fresh IP bucket; the account bucket refills one try per 30 min
	if r := e.storefront.Post(t, "/v1/oauth/token", passwordForm("customer2@jupang.test", seed.DemoPassword)); r.Status != http.StatusOK {
		t.Fatalf("another account: %d %s", r.Status, r.Raw)
	}
	e.Clock.Advance(29 * time.Minute)
	if r := e.storefront.Post(t, "/v1/oauth/token", passwordForm("customer@jupang.test", seed.DemoPassword)); r.Status != http.StatusOK {
		t.Fatalf("after the wait: %d %s", r.Status, r.Raw)
	}
}

// A stranger guessing a customer's password from one address is throttled there, while the owner
// signs in from another address: the per-(account, address) bucket stops the attacker long before
// the per-account ceiling, and unknown email and wrong password stay indistinguishable.
func TestAStrangerCannotLockTheOwnerOut(t *testing.T) {
	limits := ratelimit.DefaultLimits()
	limits.Auth = ratelimit.Limit{Requests: 1000, Per: time.Minute, Burst: 1000} // only the sign-in guard here
	e := newEnv(t, handlertest.WithRateLimits(limits), handlertest.WithTrustedProxies(netip.MustParsePrefix("0.0.0.0/32")))
	from := func(addr string) handlertest.RequestOption {
		return handlertest.Header(server.HeaderForwardedFor, addr)
	}
	const attacker, owner = "203.0.113.66", "198.51.100.7"

	burst := limits.SignInAccountClient.Burst
	for i := 0; i < burst; i++ {
		r := e.storefront.Post(t, "/v1/oauth/token", passwordForm("customer@jupang.test", "guess-"+fmt.Sprint(i)), from(attacker))
		if r.Status != http.StatusBadRequest || r.Body["error"] != "invalid_grant" {
			t.Fatalf("guess %d: %d %s", i, r.Status, r.Raw)
		}
		unknown := e.storefront.Post(t, "/v1/oauth/token", passwordForm(fmt.Sprintf("nobody%d@jupang.test", i), "guess"), from("192.0.2."+fmt.Sprint(i+1)))
		if unknown.Status != r.Status || unknown.Body["error"] != r.Body["error"] || unknown.Body["error_description"] != r.Body["error_description"] {
			t.Fatalf("an unknown email answers differently: %s vs %s", unknown.Raw, r.Raw)
		}
	}
	// The attacker's next try is refused before any password check, even with the right password.
	if r := e.storefront.Post(t, "/v1/oauth/token", passwordForm("customer@jupang.test", seed.DemoPassword), from(attacker)); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("the attacker is not throttled: %d %s", r.Status, r.Raw)
	}
	// The owner, from their own address, is not locked out.
	if r := e.storefront.Post(t, "/v1/oauth/token", passwordForm("customer@jupang.test", seed.DemoPassword), from(owner)); r.Status != http.StatusOK || r.Body["access_token"] == nil {
		t.Fatalf("the owner is locked out: %d %s", r.Status, r.Raw)
	}
}
