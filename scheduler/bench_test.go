package scheduler

import (
	"fmt"
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

// benchCluster builds n nodes with perNode containers each: named, with a
// host port, a label and a memory reservation that differs from node to
// node (so that ranking has to sort), and a few images per node. With
// indexed, every node carries its node.Index, as the cluster's cached
// snapshots do.
func benchCluster(n, perNode int, indexed bool) []*node.Node {
	regions := []string{"us-east-1", "us-west-2", "eu-west-1"}
	storage := []string{"ssd", "disk"}
	nodes := make([]*node.Node, n)
	for i := range nodes {
		mib := int64(16 + (i*7919)%113)
		cs := make([]*node.Container, perNode)
		for j := range cs {
			cs[j] = nt.Container(fmt.Sprintf("app-%d-%d", i, j),
				nt.CID(nt.HexID(fmt.Sprintf("%d/%d", i, j))),
				nt.Ports(uint16(10000+j)),
				nt.CLabels("com.example.app", fmt.Sprintf("app-%d", j%5)),
				nt.Image(fmt.Sprintf("app%d:latest", j%5)),
				nt.Reserve(0, mib<<20),
			)
		}
		imgs := make([]*node.Image, 5)
		for k := range imgs {
			imgs[k] = node.NewImage("sha256:"+nt.HexID(fmt.Sprintf("img%d", k)), []string{fmt.Sprintf("app%d:latest", k)}, nil)
		}
		nodes[i] = nt.New(fmt.Sprintf("node-%05d", i),
			nt.Labels("region", regions[i%len(regions)], "storage", storage[i%len(storage)]),
			nt.Resources(16, 64<<30),
			nt.With(cs...),
			nt.Images(imgs...),
		)
		if indexed {
			nodes[i].Index = node.NewNodeIndex(nodes[i])
		}
	}
	return nodes
}

// benchRequest has a constraint (a glob), an affinity (an anti-affinity,
// which must look at every container of every node) and a host port.
func benchRequest() *node.Request {
	return &node.Request{
		Image:  "web:latest",
		Env:    []string{"PATH=/bin", "constraint:region==us-*", "affinity:container!=web-frontend"},
		Ports:  []node.Port{{HostPort: 8080, Proto: "tcp"}},
		CPUs:   node.NanoCPU,
		Memory: 512 << 20,
	}
}

// benchmarkSelect times Select, or SelectTop(top) when top > 0 (what a
// placement asks: the cluster commits to one of the first 16).
func benchmarkSelect(b *testing.B, nodes int, strategy string, indexed bool, top int, withRanks bool) {
	s, err := New(strategy, nil, Options{Overcommit: DefaultOvercommit, Rand: seeded(1)})
	if err != nil {
		b.Fatal(err)
	}
	snapshot := benchCluster(nodes, 30, indexed)
	req := benchRequest()
	got, err := s.Select(req, snapshot)
	if err != nil {
		b.Fatal(err)
	}
	if want := nodes * 2 / 3; len(got) < want-1 || len(got) > want+1 {
		b.Fatalf("Select kept %d nodes, want about %d", len(got), want)
	}
	var ranks []node.Rank // as the cluster keeps them
	if withRanks {
		ranks = make([]node.Rank, len(snapshot))
		for i, n := range snapshot {
			ranks[i] = node.RankOf(n)
		}
	}
	b.ReportAllocs()
	cpu0, cpuOK := processCPU()
	ops := 0
	for b.Loop() {
		if top > 0 && ranks != nil {
			_, err = s.SelectTopRanked(req, snapshot, ranks, top)
		} else if top > 0 {
			_, err = s.SelectTop(req, snapshot, top)
		} else {
			_, err = s.Select(req, snapshot)
		}
		if err != nil {
			b.Fatal(err)
		}
		ops++
	}
	// CPU time per decision (all threads of the process), which, unlike
	// ns/op, does not grow when other processes share the machine.
	if cpu1, ok := processCPU(); cpuOK && ok && ops > 0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(ops), "cpu-ns/op")
	}
}

func BenchmarkSelect1000Nodes(b *testing.B)  { benchmarkSelect(b, 1000, "spread", true, 0, false) }
func BenchmarkSelect10000Nodes(b *testing.B) { benchmarkSelect(b, 10000, "spread", true, 0, false) }
func BenchmarkSelect10000NodesBinpack(b *testing.B) {
	benchmarkSelect(b, 10000, "binpack", true, 0, false)
}
func BenchmarkSelect10000NodesRandom(b *testing.B) {
	benchmarkSelect(b, 10000, "random", true, 0, false)
}

// Without node.Index the port and affinity checks walk every container.
func BenchmarkSelect1000NodesNoIndex(b *testing.B) {
	benchmarkSelect(b, 1000, "spread", false, 0, false)
}
func BenchmarkSelect10000NodesNoIndex(b *testing.B) {
	benchmarkSelect(b, 10000, "spread", false, 0, false)
}

// SelectTop: the placement's question.
func BenchmarkSelectTop10000Nodes(b *testing.B) { benchmarkSelect(b, 10000, "spread", true, 16, false) }

// SelectTopRanked with the ranks the cluster keeps beside its views.
func BenchmarkSelectTop10000NodesRanked(b *testing.B) {
	benchmarkSelect(b, 10000, "spread", true, 16, true)
}
func BenchmarkSelectTop10000NodesBinpack(b *testing.B) {
	benchmarkSelect(b, 10000, "binpack", true, 16, false)
}
