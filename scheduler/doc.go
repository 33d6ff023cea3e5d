// Package scheduler decides which nodes a container may go to.
//
// The cluster takes a snapshot of its nodes under its lock (pending
// placements included as node.Containers with Pending set) and calls
// Select with a node.Request. Select runs a fixed pipeline, wired once in
// New:
//
//  1. every step prepares once per request (filters parse constraints,
//     ports and dependencies here, never per node);
//  2. hard checks, node by node: the chosen filters that read only node
//     fields, then the resource step (CPUs and memory, with the
//     swarm.overcommit allowance), then the filters that walk containers,
//     each counting in the Diagnosis the nodes it rejects and why; when no
//     candidate is left, the *NoNodeError names what classic Swarm would
//     have named (filters in their configured order, resources last) in
//     its words, from each filter's Plan.Conditions (diagnosis.go);
//  3. soft preferences (`==~`, `!=~`) narrow the survivors one at a time
//     and are dropped when no survivor meets them;
//  4. the strategy (spread, binpack or random) ranks the preferred
//     candidates, then the rest.
//
// The result is every candidate, best first, so the cluster can retry on
// the next one when an engine refuses. SelectTop returns the same list
// cut to its first k nodes; for spread and binpack it orders the
// strategy's keys first and runs the hard checks only on the nodes it
// needs, in rank order (top.go), which a placement over thousands of
// nodes asks; SelectTopRanked does the same from the nodes' ranks
// (node.Rank) kept in one slice. A malformed expression is a
// *filters.ExpressionError (an HTTP 400); no fit is a *NoNodeError (classic
// Swarm answered 500). Normalize moves constraint:/affinity:/whitelist: and
// reschedule: pseudo env variables into the com.docker.swarm.* labels
// before a container is created.
//
// The package sees only node snapshots and requests: no engine, HTTP or
// cluster type, no I/O. A Scheduler is safe for concurrent use.
package scheduler
