package cluster

// This file is the cluster's side of manager replication (--replication):
// only the primary places containers and moves them. A single manager is
// always the primary.
//
// CONTRACT (issue 12, in progress): the replication work owns this file.

// SetLeading tells the cluster whether this manager is the primary. A
// replica, or a primary that could not renew its lock (fenced), places
// nothing and moves nothing.
func (c *Cluster) SetLeading(leading bool) { c.notLeading.Store(!leading) }

// Leading reports whether this manager may place and move containers.
func (c *Cluster) Leading() bool { return !c.notLeading.Load() }
