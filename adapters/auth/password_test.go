package auth_test

import (
	"strings"
	"testing"

	"github.com/jupang/jupang/adapters/auth"
)

// fastArgon keeps tests quick; production uses auth.DefaultArgon2Params.
var fastArgon = auth.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}

func TestArgon2idHashAndVerify(t *testing.T) {
	h, err := auth.NewArgon2id(fastArgon)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.Hash("jupang-demo-1234")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(enc, "jupang-demo-1234") {
		t.Fatalf("encoded %q", enc)
	}
	again, _ := h.Hash("jupang-demo-1234")
	if again == enc {
		t.Fatal("each hash has its own salt")
	}
	for pw, want := range map[string]bool{"jupang-demo-1234": true, "jupang-demo-1235": false, "": false, "JUPANG-DEMO-1234": false} {
		if ok, err := h.Verify(enc, pw); err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v", pw, ok, err)
		}
	}
	// Hashes keep their own parameters: a hasher with other costs still verifies them.
	stronger, _ := auth.NewArgon2id(auth.Argon2Params{Time: 2, MemoryKiB: 128, Threads: 2})
	if ok, err := stronger.Verify(enc, "jupang-demo-1234"); err != nil || !ok {
		t.Fatalf("cross-parameter verify: %v %v", ok, err)
	}
}

func TestArgon2idRefusesMalformedOrHostileHashes(t *testing.T) {
	h, _ := auth.NewArgon2id(fastArgon)
	for _, enc := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // 4 TiB of memory
		"$argon2id$v=19$m=64,t=1000000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aA"} {
		if ok, err := h.Verify(enc, "x"); err == nil || ok {
			t.Errorf("Verify(%q) = %v, %v; want an error", enc, ok, err)
		}
	}
	if _, err := auth.NewArgon2id(auth.Argon2Params{Time: 0, MemoryKiB: 64, Threads: 1}); err == nil {
		t.Error("zero passes accepted")
	}
}
