package nodestest

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/swarm"
)

// TestStateSurvivesRestart stops the manager and starts a new one with the
// same --state-file: availability, labels and version are as they were,
// and placement honours them.
func TestStateSurvivesRestart(t *testing.T) {
	n3 := nodeName(2)
	setNode(t, n3, "--availability", "pause", "--label-add", "disk=ssd")
	before := inspectNode(t, n3)

	var disk struct {
		Keys map[string]json.RawMessage `json:"keys"`
	}
	data, err := os.ReadFile(stateFile)
	if err != nil || json.Unmarshal(data, &disk) != nil {
		t.Fatalf("state file %s: %v\n%s", stateFile, err, data)
	}
	if _, ok := disk.Keys["nodes/"+before.ID]; !ok {
		t.Fatalf("state file lacks nodes/%s:\n%s", before.ID, data)
	}

	if err := manager.Stop(); err != nil {
		t.Logf("stopping the manager: %v", err)
	}
	m, err := cluster.StartManager("--state-file", stateFile)
	if err != nil {
		t.Fatal(err)
	}
	manager, cluster.Manager = m, m

	after := inspectNode(t, n3)
	if after.Spec.Availability != swarm.NodeAvailabilityPause || after.Spec.Labels["disk"] != "ssd" || after.Version.Index != before.Version.Index {
		t.Fatalf("after restart: %+v version %d, want pause, disk=ssd, version %d", after.Spec, after.Version.Index, before.Version.Index)
	}
	if !after.UpdatedAt.Equal(before.UpdatedAt) || !after.CreatedAt.Equal(before.CreatedAt) {
		t.Errorf("times changed: %v/%v, were %v/%v", after.CreatedAt, after.UpdatedAt, before.CreatedAt, before.UpdatedAt)
	}
	msg := dockerFails(t, "run", "-d", "-e", "constraint:disk==ssd", "busybox", "true")
	if !strings.Contains(msg, n3+" (availability pause)") {
		t.Errorf("placement after restart: %q, want the paused node named", msg)
	}
	docker(t, "node", "update", "--availability", "active", n3)
	if got := nodeOf(t, run(t, "-e", "constraint:disk==ssd")); got != n3 {
		t.Errorf("constraint:disk==ssd after restart ran on %s, want %s", got, n3)
	}
}
