package order

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// TestStateMachineAllowsExactlyTheSpecEdges walks every (from, to, actor) triple: the SPEC's edges
// with their actors are allowed, everything else is INVALID_STATE_TRANSITION and changes nothing.
func TestStateMachineAllowsExactlyTheSpecEdges(t *testing.T) {
	allowed := map[[2]Status][]ActorType{
		{Pending, Paid}:                        {ActorSystem},
		{Pending, Cancelled}:                   {ActorCustomer, ActorSystem, ActorStaff},
		{Paid, Preparing}:                      {ActorStaff},
		{Paid, Cancelled}:                      {ActorCustomer, ActorStaff},
		{Preparing, Shipped}:                   {ActorStaff},
		{Preparing, Cancelled}:                 {ActorCustomer, ActorStaff},
		{Shipped, Delivered}:                   {ActorStaff},
		{Delivered, PartiallyRefunded}:         {ActorSystem, ActorStaff},
		{Delivered, Refunded}:                  {ActorSystem, ActorStaff},
		{PartiallyRefunded, PartiallyRefunded}: {ActorSystem, ActorStaff},
		{PartiallyRefunded, Refunded}:          {ActorSystem, ActorStaff},
	}
	at := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	for _, from := range Statuses {
		for _, to := range Statuses {
			for _, by := range []ActorType{ActorCustomer, ActorStaff, ActorSystem} {
				want := slices.Contains(allowed[[2]Status{from, to}], by)
				o := Order{Status: from, Version: 3, PaymentDeadline: &at}
				actor := Actor{Type: by, ID: "u"}
				err := o.Transition(to, actor, "why", at)
				if want {
					if err != nil || o.Status != to || o.Version != 4 || len(o.Timeline) != 1 ||
						o.Timeline[0].From != from || o.Timeline[0].To != to || o.Timeline[0].Actor != actor {
						t.Errorf("%s→%s by %s: err %v, order %+v", from, to, by, err, o)
					}
					continue
				}
				if !errors.Is(err, errs.ErrInvalidTransition) || errs.As(err).Kind != errs.Conflict {
					t.Errorf("%s→%s by %s: want INVALID_STATE_TRANSITION, got %v", from, to, by, err)
				}
				if o.Status != from || o.Version != 3 || len(o.Timeline) != 0 {
					t.Errorf("%s→%s by %s: a refused move changed the order: %+v", from, to, by, o)
				}
			}
		}
	}
}

func TestTransitionStampsTheStatesTime(t *testing.T) {
	at := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	o := Order{Status: Pending, PaymentDeadline: &at}
	steps := []struct {
		to Status
		by Actor
	}{{Paid, System}, {Preparing, Staff("s")}, {Shipped, Staff("s")}, {Delivered, Staff("s")}}
	for i, s := range steps {
		if err := o.Transition(s.to, s.by, "", at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if o.PaymentDeadline != nil || !o.PaidAt.Equal(at) || !o.ShippedAt.Equal(at.Add(2*time.Hour)) ||
		!o.DeliveredAt.Equal(at.Add(3*time.Hour)) || len(o.Timeline) != 4 || o.Version != 4 {
		t.Fatalf("order after fulfilment: %+v", o)
	}
	c := Order{Status: Paid}
	if err := c.Transition(Cancelled, Customer("u"), "changed my mind", at); err != nil || c.CancelReason != "changed my mind" || c.CancelledAt == nil {
		t.Fatalf("cancel: %v %+v", err, c)
	}
	if Cancellable(Shipped) || !Cancellable(Preparing) || !IsFinal(Cancelled) || !IsFinal(Refunded) || IsFinal(PartiallyRefunded) {
		t.Fatal("Cancellable/IsFinal disagree with the table")
	}
}

func TestOrderNumbers(t *testing.T) {
	// 2026-11-26 20:00 UTC is already the 27th in Seoul.
	day := NumberDay(time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC))
	if got := FormatNumber(day, 123); got != "J20261127-00000123" {
		t.Fatalf("FormatNumber = %s", got)
	}
	if got := FormatNumber(NumberDay(time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)), 123456789); got != "J20261126-123456789" {
		t.Fatalf("a ninth digit: %s", got)
	}
	d, seq, ok := ParseNumber("J20261127-00000123")
	if !ok || seq != 123 || !d.Equal(day) {
		t.Fatalf("ParseNumber = %v %d %v", d, seq, ok)
	}
	for _, bad := range []string{"", "J20261127-0000012", "X20261127-00000123", "J20261327-00000123", "J20261127-0000012a", "J20261127-00000000"} {
		if _, _, ok := ParseNumber(bad); ok {
			t.Errorf("ParseNumber(%q) accepted", bad)
		}
	}
}

func TestShippingAddressPerMarket(t *testing.T) {
	kr := Address{Recipient: "김지수", Phone: "+82 10-1234-5678", Line1: "테헤란로 1", City: "서울", PostalCode: "06236", Country: "KR"}
	us := Address{Recipient: "Jane Doe", Line1: "1 Market St", City: "San Francisco", Region: "CA", PostalCode: "94103-1234", Country: "US"}
	jp := Address{Recipient: "山田花子", Line1: "千代田1-1", City: "千代田区", Region: "東京都", PostalCode: "100-0001", Country: "JP"}
	cases := []struct {
		name   string
		market kernel.Market
		a      Address
		want   []string
	}{
		{"KR ok", kernel.MarketKR, kr, nil},
		{"US ok", kernel.MarketUS, us, nil},
		{"JP ok", kernel.MarketJP, jp, nil},
		{"JP without dash", kernel.MarketJP, with(jp, func(a *Address) { a.PostalCode = "1000001" }), nil},
		{"KR address to the US market", kernel.MarketUS, kr, []string{"a.region:REQUIRED", "a.country:COUNTRY_NOT_SERVED"}}, // 06236 is also a ZIP
		{"KR postal code of 6 digits", kernel.MarketKR, with(kr, func(a *Address) { a.PostalCode = "062361" }), []string{"a.postalCode:INVALID_POSTAL_CODE"}},
		{"US state spelt out", kernel.MarketUS, with(us, func(a *Address) { a.Region = "California" }), []string{"a.region:INVALID_REGION"}},
		{"JP without prefecture", kernel.MarketJP, with(jp, func(a *Address) { a.Region = "" }), []string{"a.region:REQUIRED"}},
		{"empty", kernel.MarketKR, Address{}, []string{"a.recipient:REQUIRED", "a.line1:REQUIRED", "a.city:REQUIRED", "a.country:REQUIRED", "a.postalCode:REQUIRED"}},
		{"blank and bad phone", kernel.MarketKR, with(kr, func(a *Address) { a.Recipient, a.Phone, a.Line1 = "  ", "call me", strings.Repeat("x", 201) }),
			[]string{"a.recipient:REQUIRED", "a.phone:INVALID_PHONE", "a.line1:TOO_LONG"}},
	}
	for _, c := range cases {
		var v errs.Validation
		ValidateShippingAddress(&v, c.market, c.a, "a")
		var got []string
		if err := v.Err(); err != nil {
			for _, f := range errs.As(err).Fields {
				got = append(got, f.Field+":"+f.Code)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func with(a Address, f func(*Address)) Address { f(&a); return a }

func TestMaskedCard(t *testing.T) {
	if got := (CardPayment{Brand: "VISA", Last4: "4242"}).Masked(); got != "VISA •••• 4242" {
		t.Fatal(got)
	}
	if got := (CardPayment{}).Masked(); got != "" {
		t.Fatal(got)
	}
}
