package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/swarm-project/swarm/cluster/engine"
)

// withSwarmID gives a new container its swarm ID (engine.SwarmIDLabel): 64
// random hexadecimal characters, like a container ID but its own, so that
// every reference that takes an ID takes it too. A request that carries
// the label already keeps it: a container created again from its old
// config (rescheduled, recreated) stays the same swarm container. labels
// is the request's own copy and is modified; nil gets a new map.
func withSwarmID(labels map[string]string) map[string]string {
	if labels[engine.SwarmIDLabel] != "" {
		return labels
	}
	if labels == nil {
		labels = map[string]string{}
	}
	labels[engine.SwarmIDLabel] = newSwarmID()
	return labels
}

// newSwarmID returns 64 random hexadecimal characters. crypto/rand.Read
// never fails (it crashes the program when the system's source does).
func newSwarmID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// swarmTwin picks one container among those a reference found: the only
// one, or, when they all carry one swarm ID that the reference names (or
// begins), the one on a node that is up. Several containers share a swarm
// ID when a container was created again from its config on another node
// while its old node is down; the reference means the one that runs. When
// every one of them is on a node that is down, the first is returned (a
// call on it then says its node is unhealthy). ok is false when the
// reference is ambiguous or found nothing.
func swarmTwin(cs []*Container, ref string) (ct *Container, ok bool) {
	if len(cs) == 1 {
		return cs[0], true
	}
	if len(cs) == 0 {
		return nil, false
	}
	sid := cs[0].SwarmID()
	if sid == "" || !strings.HasPrefix(sid, ref) {
		return nil, false
	}
	var up []*Container
	for _, c := range cs {
		if c.SwarmID() != sid {
			return nil, false
		}
		if !c.NodeDown() {
			up = append(up, c)
		}
	}
	switch len(up) {
	case 0:
		return cs[0], true
	case 1:
		return up[0], true
	}
	return nil, false
}
