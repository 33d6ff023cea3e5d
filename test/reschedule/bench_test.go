package reschedtest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// BenchmarkReschedule is the rescheduling drill: each round runs a
// container with `reschedule:on-node-failure` on one engine (a soft node
// constraint), kills that engine (SIGKILL) and measures the time until the
// manager reports the container running on another node. The engine is
// then started again and the container removed, outside the timing. It
// reports s/move, the mean of the rounds; run it with
//
//	go test -run XXX -bench Reschedule -benchtime 3x ./test/reschedule/
//
// The manager runs with harness.FastRefresh (refresh every 2-3 s, two
// failures to Unhealthy), so failure detection is most of the figure.
func BenchmarkReschedule(b *testing.B) {
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		x := cluster.Engines[i%len(cluster.Engines)]
		name := prefix(b) + strconv.Itoa(i)
		docker(b, "run", "-d", "--name", name, "-e", "reschedule:on-node-failure", "-e", "constraint:node==~"+x.Name, "busybox", "sleep", "600")
		if got := strings.TrimSpace(docker(b, "inspect", "-f", "{{.Node.Name}}", name)); got != x.Name {
			b.Fatalf("%s landed on %s, want %s", name, got, x.Name)
		}
		b.StartTimer()
		start := time.Now()
		if err := x.Kill(); err != nil {
			b.Fatal(err)
		}
		err := harness.WaitFor(120*time.Second, func() (bool, error) {
			out, _, err := cluster.Manager.Docker("inspect", "-f", "{{.Node.Name}}|{{.State.Running}}", name)
			node, running, _ := strings.Cut(strings.TrimSpace(out), "|")
			return err == nil && node != x.Name && running == "true", nil
		})
		took := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatalf("%s never ran elsewhere: %v", name, err)
		}
		total += took
		b.Logf("round %d: %s killed, %s running elsewhere after %s", i, x.Name, name, took.Round(10*time.Millisecond))
		if err := x.Start(); err != nil {
			b.Fatal(err)
		}
		waitNode(b, x.Name, "Healthy")
		docker(b, "rm", "-f", name)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/move")
}
