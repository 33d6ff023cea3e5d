// Package filters holds the placement rules the scheduler applies, one file
// each: health, port, containerslots, dependency, affinity, constraint and
// whitelist (their default order, as `docker info` lists them).
//
// A Filter reads a node.Request once in Prepare, before the scheduler loops
// over the nodes, and returns a Plan: a hard Check that must pass on a node
// and soft Preferences (the `==~`/`!=~` expressions) that the scheduler
// applies in a separate second pass. A Check answers fit, or no fit with a
// reason that names the unmet condition ("port 8080 (Bridge mode)",
// "constraint:storage==ssd"); the scheduler counts them per filter (its
// Diagnosis). The Plan also lists the request's Conditions for the filter,
// met or not, in classic Swarm's words (conditions.go); the scheduler's
// "Unable to find a node..." error prints them, one line per filter.
//
// Constraint and affinity expressions (expr.go) are `key==value` or
// `key!=value`, with `~` after the operator for soft ones; a value is a plain
// string (matched ignoring case), a glob (`us-*`) or a regular expression
// between slashes (`/ssd|flash/`). A request carries them in its env
// (`constraint:storage==ssd`), in the com.docker.swarm.constraints and
// com.docker.swarm.affinities labels (JSON arrays) and in build args
// (source.go). A malformed one is an *ExpressionError (ErrBadExpression).
//
// Filters see only node.Node snapshots and never modify them; nothing here
// does I/O. Checks run once per node on every decision (10,000 nodes and
// more), so they read node labels with Node.Label and a node.LabelKey made
// in Prepare, and containers through Node.Indexed, which use the node's
// Index when the cluster built one.
package filters
