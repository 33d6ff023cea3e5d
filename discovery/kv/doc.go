// Package kv is the small key/value Store interface the consul, etcd and zk
// discovery backends share, with one implementation per store (Consul KV
// with sessions, etcd v3 with leases, ZooKeeper with ephemeral nodes).
//
// Package discovery holds the watch-and-register logic on top of a Store
// (discovery/kvbackend.go): Register puts <dir>/<addr> with a TTL, Watch
// turns WatchTree's lists of child names into snapshots and restarts a
// broken watch with back-off. Each Store here only speaks its own client
// library and uses the store's native watch: Consul blocking queries, etcd
// watches, ZooKeeper child watches.
//
// Keys are slash-separated paths without a leading slash; each Store maps
// them to its own namespace (ZooKeeper adds the leading "/").
package kv
