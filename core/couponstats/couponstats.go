// Package couponstats counts what happened to each coupon (claims, uses, releases) from the coupons
// area's events on Kafka (jupang.coupons.v1). It is an internal consumer, not part of the coupon's
// own transactions: the counts are read-model figures that may lag the coupon by the relay's delay,
// and a count is a non-idempotent effect, so each event is applied once through the inbox
// (integration.Once) however often Kafka delivers it.
package couponstats

import (
	"context"

	"github.com/jupang/jupang/core/coupon"
	"github.com/jupang/jupang/core/integration"
	"github.com/jupang/jupang/core/kernel"
)

// Consumer is the consumer's name: its Kafka consumer group and its inbox rows.
const Consumer = "coupons.stats"

// Topic is what the consumer reads.
const Topic = coupon.Topic

// Counts are one coupon's figures.
type Counts struct {
	CouponID string
	Claimed  int64 // coupon.claimed events
	Used     int64 // coupon.used: a user coupon redeemed by an order
	Released int64 // coupon.released: an order gave its user coupon back
}

// Store keeps the counts, inside the consumer's unit of work.
type Store interface {
	// Add adds d's figures to d.CouponID's counts (a coupon with none starts at zero).
	Add(ctx context.Context, d Counts) error
	// Get returns couponID's counts (zero when nothing was counted).
	Get(ctx context.Context, couponID string) (Counts, error)
}

// Stores are the consumer's unit of work: its counts and its inbox.
type Stores struct {
	Stats Store
	Inbox integration.Inbox
}

// InboxOf picks the inbox out of the stores (integration.Once, kafka.Once).
func InboxOf(st Stores) integration.Inbox { return st.Inbox }

// Count applies one event of jupang.coupons.v1. The coupon events of a user coupon's transitions
// and claims are keyed by the coupon id (the Kafka key, Event.AggregateID), so the count needs
// nothing from the payload. Other event types and keys that are not ids change nothing (returning
// an error would stop the consumer's partition on an event it has no business with).
func Count(ctx context.Context, st Stores, e integration.Event) error {
	d := Counts{CouponID: e.AggregateID}
	switch e.Type {
	case coupon.EventClaimed:
		d.Claimed = 1
	case coupon.EventUsed:
		d.Used = 1
	case coupon.EventReleased:
		d.Released = 1
	default:
		return nil
	}
	if !kernel.IsID(d.CouponID) {
		return nil
	}
	return st.Stats.Add(ctx, d)
}
