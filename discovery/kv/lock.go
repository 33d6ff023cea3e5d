package kv

import "time"

// LockGuarantee is how long a lock that TryLock reported held stays this
// Store's at the least, counted from the moment TryLock was called, for
// every store: etcd keeps a lease ttl after its last renewal, ZooKeeper
// keeps a session its timeout (ttl) after it last heard from the client,
// and Consul, whose session TTL is ttl/2 (it invalidates a session between
// its TTL and twice its TTL), keeps it ttl/2. A holder that could not renew
// for this long must act as if it had lost the lock (fencing), and another
// manager may hold the lock from ttl after the last renewal.
func LockGuarantee(ttl time.Duration) time.Duration { return ttl / 2 }
