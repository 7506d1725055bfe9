package kafka

import (
	"github.com/twmb/franz-go/pkg/kfake"
)

// DevTopics are created when a development broker starts (others are created on first use).
var DevTopics = []string{"jupang.catalog.v1", "jupang.coupons.v1", "jupang.identity.v1", "jupang.inventory.v1", "jupang.orders.v1"}

// DevBroker is an in-process Kafka-protocol broker (kfake) for development and tests: one broker,
// topics created on first use with 10 partitions each. It keeps messages in memory only.
type DevBroker struct{ c *kfake.Cluster }

// StartDevBroker listens on 127.0.0.1:port (0: any free port).
func StartDevBroker(port int) (*DevBroker, error) {
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(10),
		kfake.SeedTopics(10, DevTopics...)}
	if port > 0 {
		opts = append(opts, kfake.Ports(port))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, err
	}
	return &DevBroker{c: c}, nil
}

// Addrs are the broker's host:port addresses.
func (b *DevBroker) Addrs() []string { return b.c.ListenAddrs() }

// Close stops the broker.
func (b *DevBroker) Close() { b.c.Close() }
