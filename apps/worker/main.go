// Command worker runs every background job (outbox relay, expiry, rankings, alerts, sweepers) on
// PostgreSQL; any number of workers may run, each job takes a lease per interval.
package main

import (
	"os"

	"github.com/jupang/jupang/apps/internal/launch"
)

func main() { os.Exit(launch.Main(initialize)) }
