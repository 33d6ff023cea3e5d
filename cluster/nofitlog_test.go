package cluster

import (
	"bytes"
	"strings"
	"testing"

	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

// A placement no node fits writes one debug line with the counts.
func TestLogNoFit(t *testing.T) {
	s, err := scheduler.New("spread", []string{"health", "constraint"}, scheduler.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	req := &node.Request{Image: "busybox", Env: []string{"constraint:node==nowhere"}}
	_, err = s.Select(req, []*node.Node{nt.New("a"), nt.New("b", nt.Unhealthy())})
	if err == nil {
		t.Fatal("no error")
	}
	var buf bytes.Buffer
	out, level := log.StandardLogger().Out, log.GetLevel()
	log.SetOutput(&buf)
	log.SetLevel(log.DebugLevel)
	defer func() { log.SetOutput(out); log.SetLevel(level) }()
	logNoFit(req, err)
	logNoFit(req, errWrapped{}) // not a NoNodeError: no line
	got := buf.String()
	for _, want := range []string{`msg="no node fits"`, "filter=constraint", "failed_step=constraint", `ruled_out="health=1 constraint=1"`, "nodes=2", "image=busybox"} {
		if !strings.Contains(got, want) {
			t.Errorf("log line lacks %s: %s", want, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 1 {
		t.Errorf("%d lines logged, want 1: %s", n, got)
	}
}

type errWrapped struct{}

func (errWrapped) Error() string { return "other" }
