package node

// Rank is what spread and binpack order a node by, copied out of the node:
// a placement among thousands of nodes then reads one dense array instead
// of every node (at 10,000 nodes, loading each node's fields was most of a
// decision's time). The cluster keeps one per node it places on, beside
// its views.
type Rank struct {
	Health         int32 // Node.Health
	Containers     int32 // len(Node.Containers)
	TotalCPUs      int64
	TotalMemory    int64
	ReservedCPUs   int64
	ReservedMemory int64
}

// RankOf is n's Rank.
func RankOf(n *Node) Rank {
	return Rank{
		Health:         int32(n.Health),
		Containers:     int32(len(n.Containers)),
		TotalCPUs:      n.TotalCPUs,
		TotalMemory:    n.TotalMemory,
		ReservedCPUs:   n.ReservedCPUs,
		ReservedMemory: n.ReservedMemory,
	}
}
