// Package engine is one Docker daemon as the manager sees it: a client, a
// cache of its containers, images, networks and volumes, a health state
// machine, and the values the cluster hands to the API (containers,
// networks and volumes with the engine that holds them, requests, reports
// and typed errors).
//
// An Engine is the one writer of its cache. Three things drive its
// methods: the refresh loop (Run re-reads everything on a jittered timer or
// when kicked), the event loop (the daemon's /events stream re-reads or
// drops what each event names) and the cluster's operations, which re-read
// what they changed (RefreshContainer, RefreshImages, ..., Resync). Every
// write happens under the engine's mutex, and container reads are numbered
// so that the newest read wins whichever finishes last. Each change moves
// the engine's Generation, which tells the cluster when its scheduling view
// of the engine is stale.
//
// An engine reports to the cluster only through the Sink it is built with.
// The package imports nothing of the cluster, the scheduler or the
// filters, so the API layer can use its values without depending on
// placement.
package engine
