// Package node defines Node, Container and Request: the data shared by the
// scheduler and the filters. The cluster builds Nodes from its engine caches
// and a Request from a container create (or build) call; the scheduler passes
// both to the filters and strategies. An optional Index, built once when the
// cluster builds a Node (NewNodeIndex), spares the filters a walk over every
// container and a map lookup per label: Node.Indexed and Node.Label read it,
// and fall back to the containers and the map without one.
// Package nodetest builds fixtures for tests. Nothing here does I/O.
package node
