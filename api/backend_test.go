package api

import "github.com/swarm-project/swarm/cluster"

// The cluster implements everything the API needs of it.
var _ Backend = (*cluster.Cluster)(nil)
