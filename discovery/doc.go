// Package discovery finds the Docker engines that make up a cluster and lets
// `swarm join` advertise one.
//
// A discovery URL selects a backend by its scheme (see New):
//
//	nodes://h1:p1,h2:p2   a static list (also the bare form h1:p1,h2:p2);
//	                      ranges such as 10.0.0.[10:20]:2375 expand
//	file:///path          one address (or range) per line, re-read on change
//	token://<token>       the hosted-discovery HTTP protocol (see token.go)
//	consul://h:p/path     Consul KV, sessions with a TTL, blocking queries
//	etcd://h1:p1,h2:p2/p  etcd v3, leases, native watch
//	zk://h1:p1,h2:p2/p    ZooKeeper, ephemeral nodes, child watches
//
// Data flows one way: a Backend's Watch sends full snapshots (Entries) of
// the engines it knows; the consumer (the cluster) compares each snapshot
// with the previous one using Diff and removes engines before adding new
// ones. Register is the write side, called by join once per heartbeat.
//
// consul, etcd and zk share one watch-and-register implementation over the
// small kv.Store interface (package discovery/kv); each of those backends
// is a thin constructor in its own file. discoverytest.Run is the
// conformance suite every backend passes.
//
// This package imports neither cluster nor api.
package discovery
