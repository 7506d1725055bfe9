// Package configs embeds the default configuration so every binary starts without files on disk.
package configs

import _ "embed"

// Default is configs/default.yaml.
//
//go:embed default.yaml
var Default []byte
