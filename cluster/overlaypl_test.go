package cluster

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
)

// Members for planSwarm tables: inactive engines, managers and workers of
// swarms "A" (the manager's, labelled) and "B" (someone else's).
func inactive(name string) swarmMember {
	return swarmMember{name: name, state: swarm.LocalNodeStateInactive}
}

func mgrOf(name, cluster string, ours bool) swarmMember {
	return swarmMember{name: name, state: swarm.LocalNodeStateActive, nodeID: "id-" + name, manager: true, cluster: cluster, ours: ours,
		managers: []string{"id-" + name}}
}

func workerOf(name string, managerNames ...string) swarmMember {
	m := swarmMember{name: name, state: swarm.LocalNodeStateActive, nodeID: "id-" + name}
	for _, mn := range managerNames {
		m.managers = append(m.managers, "id-"+mn)
	}
	return m
}

func TestPlanSwarm(t *testing.T) {
	tests := []struct {
		name    string
		members []swarmMember
		mayInit bool
		want    swarmPlan
	}{
		{name: "three fresh engines: init on the first, two manager joins",
			members: []swarmMember{inactive("n1"), inactive("n2"), inactive("n3")}, mayInit: true,
			want: swarmPlan{ours: true, init: 0, manager: -1, join: []int{1, 2}, asManager: []bool{true, true}}},
		{name: "two fresh engines: one manager",
			members: []swarmMember{inactive("n1"), inactive("n2")}, mayInit: true,
			want: swarmPlan{ours: true, init: 0, manager: -1, join: []int{1}, asManager: []bool{false}}},
		{name: "keeper makes no swarm",
			members: []swarmMember{inactive("n1"), inactive("n2")},
			want:    swarmPlan{init: -1, manager: -1}},
		{name: "adopt ours, late engine joins as worker",
			members: []swarmMember{mgrOf("n1", "A", true), mgrOf("n2", "A", true), mgrOf("n3", "A", true), inactive("n4")},
			want:    swarmPlan{cluster: "A", ours: true, init: -1, manager: 0, join: []int{3}, asManager: []bool{false}}},
		{name: "adopt ours, grown to three engines: the worker is promoted",
			members: []swarmMember{mgrOf("n1", "A", true), workerOf("n2", "n1"), inactive("n3")},
			want:    swarmPlan{cluster: "A", ours: true, init: -1, manager: 0, promote: []int{1}, join: []int{2}, asManager: []bool{true}}},
		{name: "someone else's swarm: used, joins as workers, nothing promoted",
			members: []swarmMember{mgrOf("n1", "B", false), workerOf("n2", "n1"), inactive("n3")}, mayInit: true,
			want: swarmPlan{cluster: "B", init: -1, manager: 0, join: []int{2}, asManager: []bool{false}}},
		{name: "ours wins over a bigger foreign swarm",
			members: []swarmMember{mgrOf("n1", "B", false), workerOf("n2", "n1"), mgrOf("n3", "A", true), inactive("n4")}, mayInit: true,
			want: swarmPlan{cluster: "A", ours: true, init: -1, manager: 2, join: []int{3}, asManager: []bool{false}, foreign: []int{0, 1}}},
		{name: "pending and locked engines are left alone",
			members: []swarmMember{{name: "n1", state: swarm.LocalNodeStatePending}, {name: "n2", state: swarm.LocalNodeStateLocked}, inactive("n3")}, mayInit: true,
			want: swarmPlan{ours: true, init: 2, manager: -1, foreign: []int{0, 1}}},
		{name: "a worker whose managers are not ours is foreign; a new swarm starts",
			members: []swarmMember{workerOf("n1", "elsewhere"), inactive("n2")}, mayInit: true,
			want: swarmPlan{ours: true, init: 1, manager: -1, foreign: []int{0}}},
		{name: "everything in place: nothing to do",
			members: []swarmMember{mgrOf("n1", "A", true), mgrOf("n2", "A", true), mgrOf("n3", "A", true), workerOf("n4", "n2")},
			want:    swarmPlan{cluster: "A", ours: true, init: -1, manager: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := planSwarm(tt.members, tt.mayInit)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("planSwarm =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func TestWantManagers(t *testing.T) {
	for n, want := range map[int]int{0: 1, 1: 1, 2: 1, 3: 3, 6: 3, 7: 5, 100: 5} {
		if got := wantManagers(n); got != want {
			t.Errorf("wantManagers(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestOverlayTurnedOff(t *testing.T) {
	c := New(Options{NoOverlay: true})
	_, err := c.CreateNetwork(t.Context(), network.CreateRequest{Name: "ov", CreateOptions: network.CreateOptions{Driver: "overlay"}})
	want := "overlay networks are turned off on this manager (--cluster-opt swarm.overlay=false)"
	if !errors.Is(err, ErrUnavailable) || fmt.Sprint(err) != want {
		t.Fatalf("CreateNetwork = %v, want %q (unavailable)", err, want)
	}
}
