// Package cluster keeps the manager's view of every engine and places new
// containers.
//
// Data flows in from two sides. Discovery hands the cluster full snapshots
// of engine addresses; the cluster diffs them, starting an Engine for each
// new address and stopping the ones that left. Each Engine connects to its
// Docker daemon, reads /info and /version, fills an in-memory cache of its
// containers, images, networks and volumes, and keeps that cache fresh from
// the daemon's /events stream plus a jittered refresh loop. A small health
// state machine (pending -> healthy -> unhealthy -> healthy) counts
// consecutive failures.
//
// Reads (ps, inspect, info, images) are answered from the caches. Creates go
// through the scheduler: the cluster takes a snapshot of every engine as
// scheduler/node values under one lock, asks the scheduler for candidates,
// reserves the resources and ports on the chosen node, asks the engine to
// create the container, and only drops the reservation once the new
// container is in the engine's cache.
//
// Each Engine is the one writer of its cache: the refresh loop, the event
// loop and the operations that changed something (through the Refresh*
// methods and resync) all write it through the Engine's methods under the
// engine's mutex, and container reads are ordered so that the newest read
// wins. An engine reports back through the engineSink it is built with (the
// Cluster): its events to publish, the engine ID it is about to take (a
// second address with the same ID is refused) and a change of its name.
//
// The cluster never imports the api package (layering_test.go at the
// repository root checks it); the API layer reaches engines through the
// Engine's URL and shared HTTP transport.
package cluster
