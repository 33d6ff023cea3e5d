// Command swarm is a Docker-API-compatible cluster manager: it turns a pool
// of Docker engines into one virtual engine.
package main

import (
	"os"

	"github.com/swarm-project/swarm/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:]))
}
