// Package cluster is the manager's backend: the set of engines discovery
// found, the placement of new containers, networks, volumes and builds on
// them, and every operation that touches more than one engine's cache.
//
// Data flows in from two sides. Discovery hands the cluster full snapshots
// of engine addresses; the cluster diffs them, starting an engine.Engine for
// each new address and stopping the ones that left. Each engine keeps its
// own cache (package engine) and reports back through the engine.Sink it is
// built with: its events, which the cluster publishes on its Broker, the
// engine ID it is about to take (a second address with the same ID is
// refused) and a change of its name.
//
// Reads (ps, inspect, info, images) are answered from the engines' caches.
// Until every engine of the first discovery answer has answered once or
// failed for good (at most Options.StartupWait), the cluster is starting
// (startup.go), and the API holds what depends on the caches.
// Placement is asked in one way: placement.go turns what a client sent (a
// container config, a build's arguments, a network's or volume's labels and
// options) into the scheduler's node.Request; the scheduler ranks snapshot
// views of the engines (snapshot.go, rebuilt per engine only when its cache
// generation moved). A container create reserves resources, ports and its
// name on the chosen engine until the engine answered and the new container
// is cached; an image the chosen engine cannot pull is used where another
// engine holds it (imageplace.go). Operations on several engines (network and volume create and
// remove, image pull, load, import and copy, prunes, df) live here too:
// they fan out, roll back, re-read the caches they changed (Engine.Resync)
// and return typed errors from package engine, which the API maps to
// status codes in one place.
//
// When an engine turns Unhealthy, the containers on it that have a
// reschedule policy are created again elsewhere (reschedule.go), from specs
// kept in the state store (reschedspec.go); only the primary manager
// (leading.go) moves them.
//
// The cluster never imports the api package; the api package never imports
// this one (it declares small interfaces that *Cluster implements and sees
// only package engine's values). layering_test.go at the repository root
// checks both.
package cluster
