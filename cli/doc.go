// Package cli holds the swarm command line: manage, join, list, create,
// token-server and help. It parses flags and environment variables, builds
// the discovery backend, the scheduler, the cluster and the API server, and
// wires them together; no other package reads flags.
package cli
