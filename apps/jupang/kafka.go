package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/jupang/jupang/adapters/kafka"
)

// serveBroker runs the development broker as a process of its own (fault tests pause it with
// SIGSTOP) until SIGINT or SIGTERM.
func serveBroker(port string) error {
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return fmt.Errorf("jupang kafka: %q is not a port", port)
	}
	b, err := kafka.StartDevBroker(p)
	if err != nil {
		return err
	}
	defer b.Close()
	if _, err := fmt.Fprintf(os.Stdout, "jupang: development Kafka broker (kfake, in memory) on %v\n", b.Addrs()); err != nil {
		return err
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	return nil
}
