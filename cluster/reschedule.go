package cluster

import "context"

// This file moves containers that have a reschedule policy off a node
// that failed or is drained.
//
// CONTRACT (issue 12, in progress): the rescheduling work owns this file
// and replaces these bodies; the node-availability work calls MoveOff for
// drain, and the replication work calls TakeOver when this manager becomes
// the primary.

// MoveOff re-creates, on other nodes, the containers of e that have a
// reschedule policy, and reports what it moved (names) and a warning for
// each container it left on e because it has no policy. why names the
// cause for logs and events ("node failure", "drain").
func (c *Cluster) MoveOff(ctx context.Context, e *Engine, why string) (moved, warnings []string) {
	return nil, nil
}

// TakeOver runs when this manager becomes the primary: it reschedules the
// policy containers of nodes that died before or with the old primary,
// from the specs recorded in the state store.
func (c *Cluster) TakeOver(ctx context.Context) {}
