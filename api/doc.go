// Package api serves the Docker Engine API for the whole cluster.
//
// A request comes in through the gorilla/mux router (every route is also
// served under /v{version}/), passes the version check, and reaches a
// handler method on Server. Handlers answer in one of three ways:
//
//   - from the cluster's caches (ps, inspect, info, images, events), with
//     no request to any engine;
//   - by proxying the request to the one engine that owns the object
//     (httputil.ReverseProxy, flushed as it streams, hijacked connections
//     for attach and exec upgraded with "Upgrade: tcp");
//   - by calling the cluster (container create goes through the
//     scheduler; pulls fan out to the chosen engines).
//
// Handlers return errors; one adapter (writeError) turns them into Docker's
// JSON {"message": ...} body with the status code Docker would use.
package api
