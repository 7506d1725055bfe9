// Command admin is the Jupang admin API on PostgreSQL (see README for its routes and config).
package main

import (
	"os"

	"github.com/jupang/jupang/apps/internal/launch"
)

func main() { os.Exit(launch.Main(initialize)) }
