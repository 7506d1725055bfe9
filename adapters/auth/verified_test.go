package auth

import (
	"context"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

// TestASecondRequestIsAnsweredFromTheMemory: the memory is really consulted (the public tests
// would pass without it, as a fresh verification gives the same answers): with the parser made
// to refuse everything after the first request, the token is still accepted, and an unknown one
// is not.
func TestASecondRequestIsAnsweredFromTheMemory(t *testing.T) {
	keys, err := GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	a := NewAuthenticator(keys, "https://auth.jupang.test", kernel.AudienceStorefront, kernel.NewFakeClock(at))
	sign := func(subject string) string {
		tok, err := NewSigner(keys, "https://auth.jupang.test").Sign(context.Background(), identity.AccessClaims{ID: kernel.NewID(),
			Subject: subject, Audience: kernel.AudienceStorefront, Roles: []kernel.Role{kernel.RoleCustomer}, IssuedAt: at, ExpiresAt: at.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	known, unknown := sign("u1"), sign("u2")
	if _, err := a.Authenticate(context.Background(), known); err != nil {
		t.Fatal(err)
	}
	a.parser = jwt.NewParser(jwt.WithValidMethods([]string{"none"})) // a fresh verification now fails
	if p, err := a.Authenticate(context.Background(), known); err != nil || p.ID != "u1" {
		t.Fatalf("a remembered token: %+v %v", p, err)
	}
	if _, err := a.Authenticate(context.Background(), unknown); err == nil {
		t.Fatal("a token never verified was accepted")
	}
}
