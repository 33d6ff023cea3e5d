// Package leader runs the election of the primary among replicated
// managers (swarm manage --replication).
//
// Every manager runs one Election over a lock in the discovery store, the
// key <path>/docker/swarm/leader holding the primary's advertise address.
// Each step (every TTL/10) calls TryLock, which takes the free lock or
// renews the one this manager holds, and reads the holder otherwise:
//
//	TryLock held     -> primary until start+LockGuarantee(TTL)-step (LeadUntil);
//	                    on the first such step: term+1, leader_elected, Elected (node records, then TakeOver)
//	TryLock not held -> replica; the holder's address is where the API forwards
//	TryLock failed   -> nothing changes; the deadline set by the last
//	                    successful renewal runs out by itself (fencing)
//
// Fencing does not depend on this loop running: the cluster compares the
// deadline with the monotonic clock on every placement, so a primary that
// was paused (SIGSTOP) or cut off from the store stops placing before any
// other manager can take the lock (kv.LockGuarantee), and its next step
// turns it into a replica.
package leader
