// Command swarm is a Docker-API-compatible cluster manager: it turns a pool
// of Docker engines into one virtual engine.
package main

import (
	"net/http"
	_ "net/http/pprof" // served only when SWARM_PPROF_ADDR is set
	"os"

	"github.com/swarm-project/swarm/cli"
)

func main() {
	// SWARM_PPROF_ADDR (for example 127.0.0.1:6060) serves Go's profiles
	// for the scale benchmarks; nothing listens when it is unset.
	if addr := os.Getenv("SWARM_PPROF_ADDR"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
	os.Exit(cli.Run(os.Args[1:]))
}
