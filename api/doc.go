// Package api serves the Docker Engine API for the whole cluster.
//
// A request comes in through the gorilla/mux router (every route is also
// served under /v{version}/), passes the version check, and reaches a
// handler method on Server. A handler decodes the request, asks the
// cluster one thing through a small interface this package declares for
// itself (backend.go and the interface beside each group of handlers), and
// encodes the answer:
//
//   - from the cluster's caches (ps, inspect, info, images, events), with
//     no request to any engine;
//   - by proxying the request to the one engine the cluster names for it
//     (one httputil.ReverseProxy, flushed as it streams, hijacked
//     connections for attach and exec upgraded with "Upgrade: tcp");
//   - by a cluster operation (container create through the scheduler,
//     network and volume create, image pull and load, prunes...).
//
// No handler talks to an engine's client. The package sees only package
// engine's values and never imports the cluster, the scheduler or the
// filters (layering_test.go checks it).
//
// Handlers return errors; one adapter (writeError, statusCode) turns them
// into Docker's JSON {"message": ...} body with the status code Docker
// would use. One route table, one proxy and one BuildKit session registry
// serve every listener; Shutdown ends streams and hijacked connections and
// lets the other requests finish.
package api
