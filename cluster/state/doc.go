// Package state keeps what the manager must not forget across a restart or
// a failover: node availability and manager-side labels, and the specs of
// containers that carry a reschedule policy.
//
// A Store is a small key/value interface. Keys are slash-separated paths
// without a leading slash ("nodes/ID", "containers/SWARMID"); List reads
// the direct children of a directory. Two implementations live here: File,
// a JSON file the manager owns (--state-file), and Memory, for tests. The
// key/value stores of discovery (etcd, Consul, ZooKeeper) are adapted in
// kvstore.go, so that every manager of a replicated set reads the same
// state.
package state
