// Package discovery finds the Docker engines that make up a cluster and lets
// `swarm join` advertise one.
//
// A discovery URL selects a backend by its scheme (New, with the explicit
// registry built in registry.go; one backend per file):
//
//	nodes://h1:p1,h2:p2   a fixed list (also the bare form h1:p1,h2:p2); ranges
//	                      expand: 10.0.0.[10:20]:2375, node-[1:3]:2375,
//	                      h:[2375:2377] (see ExpandRange)
//	file:///path          one address or range per line, # comments; re-read
//	                      at most every second, snapshot sent on change
//	token://<token>       the hosted-discovery HTTP protocol (token.go); the
//	                      service URL comes from token://host:port/<token>,
//	                      --discovery-opt token.url=URL or $SWARM_DISCOVERY_URL
//	consul://h:p/path     Consul KV + sessions with a TTL, blocking queries
//	etcd://h1:p1,h2:p2/p  etcd v3 keys bound to leases, etcd watch
//	zk://h1:p1,h2:p2/p    ZooKeeper ephemeral nodes, child watches
//
// The key/value backends register an engine as <path>/docker/swarm/nodes/<addr>;
// --discovery-opt kv.path=P replaces that whole directory with P, and
// kv.cacertfile, kv.certfile, kv.keyfile turn on TLS to the store. An option
// the selected backend does not use is an error.
//
// Data flows one way: a Backend's Watch sends full, normalized snapshots
// (Entries) of the engines it knows, at start and then only when the set
// changed; the consumer (the cluster) compares each snapshot with the one
// before using Diff and removes engines before adding new ones. Register is
// the write side, called by join once per heartbeat; nodes and file are
// read-only (ReadOnly). Backends holding a connection are closed with Close.
//
// consul, etcd and zk share one watch-and-register implementation
// (kvbackend.go) over the small kv.Store interface of package discovery/kv,
// which restarts a broken watch with back-off; each of those backends is a
// thin constructor. discoverytest.Run is the conformance suite every backend
// passes.
//
// This package imports neither cluster nor api.
package discovery
