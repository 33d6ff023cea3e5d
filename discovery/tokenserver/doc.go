// Package tokenserver is a self-hosted token discovery service, served by
// `swarm token-server`. It speaks the hosted-discovery protocol the token
// backend uses:
//
//	POST   /v1/clusters                  create a cluster; the body of the answer is its token
//	POST   /v1/clusters/<token>?ttl=<s>  register the address in the body for s seconds
//	GET    /v1/clusters/<token>          the live addresses, as a JSON array of strings
//	DELETE /v1/clusters/<token>          delete the cluster
//	DELETE /v1/clusters/<token>/<addr>   remove one address at once (an extension)
//
// Data flows from the HTTP handlers (server.go) to a bbolt database
// (store.go): every cluster and registration is on disk, so a restart of
// the service loses no cluster. An address whose TTL lapsed is no longer
// listed and is removed from disk by a periodic sweep.
package tokenserver
