// Package node defines Node, Container and Request: the data shared by the
// scheduler and the filters. The cluster builds Nodes from its engine caches
// and a Request from a container create (or build) call; the scheduler passes
// both to the filters and strategies. Nothing here does I/O.
package node
