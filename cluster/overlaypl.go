package cluster

import (
	"sort"

	"github.com/docker/docker/api/types/swarm"
)

// This file decides what the engines' swarm should look like (overlay.go
// carries it out): which swarm to use, who joins it, in which role.

// OverlayLabel marks the swarm the manager made for overlay networks (a
// label of the swarm's spec): the manager keeps that swarm complete,
// joining engines that arrive later and removing nodes that left. A swarm
// without it (one the engines' owner made) is used for overlay creates, but
// otherwise left as it is.
const OverlayLabel = "com.docker.swarm.overlay"

// swarmMember is one healthy engine as its swarm state reads.
type swarmMember struct {
	name    string // the engine's name; members are in name order
	state   swarm.LocalNodeState
	nodeID  string
	manager bool   // a swarm manager (ControlAvailable)
	cluster string // the swarm's ID, known on managers only
	ours    bool   // the swarm carries OverlayLabel (managers only)
	// managers are the node IDs of the managers it knows (RemoteManagers).
	managers []string
}

// swarmPlan is what to do to the members.
type swarmPlan struct {
	// cluster is the swarm to use ("" when init makes a new one), ours
	// whether it carries OverlayLabel.
	cluster string
	ours    bool
	// init is the member that starts a new swarm, -1 for none.
	init int
	// manager is a member that is a manager of the swarm to use (-1 when
	// init makes one).
	manager int
	// join are the members to join, each as manager or worker (the same
	// index in asManager).
	join      []int
	asManager []bool
	// promote are workers of the swarm to make managers.
	promote []int
	// foreign are members in another swarm, or in a state (pending,
	// locked, error) the manager does not touch.
	foreign []int
}

// wantManagers is how many swarm managers n engines should have: one
// for one or two engines, three up to six, five from seven. An odd number
// keeps a majority through the loss of one (three) or two (five).
func wantManagers(n int) int {
	switch {
	case n >= 7:
		return 5
	case n >= 3:
		return 3
	}
	return 1
}

// planSwarm decides the swarm for members: the swarm most of them belong
// to (ours first), else a new one started on the first inactive member.
// mayInit false (the keeper's rounds) makes no new swarm: with none to use
// the plan has cluster "" and init -1, and does nothing.
func planSwarm(members []swarmMember, mayInit bool) swarmPlan {
	p := swarmPlan{init: -1, manager: -1}
	// Count each swarm's members: managers know their swarm, workers are
	// counted with the swarm of a manager they know.
	type tally struct {
		count, firstManager int
		ours                bool
		managerIDs          map[string]bool
	}
	swarms := map[string]*tally{}
	for i, m := range members {
		if m.state != swarm.LocalNodeStateActive || !m.manager || m.cluster == "" {
			continue
		}
		t := swarms[m.cluster]
		if t == nil {
			t = &tally{firstManager: i, managerIDs: map[string]bool{}}
			swarms[m.cluster] = t
		}
		t.count++
		t.ours = t.ours || m.ours
		t.managerIDs[m.nodeID] = true
	}
	workerOf := func(m swarmMember) string {
		for id, t := range swarms {
			for _, mid := range m.managers {
				if t.managerIDs[mid] {
					return id
				}
			}
		}
		return ""
	}
	for _, m := range members {
		if m.state == swarm.LocalNodeStateActive && !m.manager {
			if id := workerOf(m); id != "" {
				swarms[id].count++
			}
		}
	}
	ids := make([]string, 0, len(swarms))
	for id := range swarms {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := swarms[ids[i]], swarms[ids[j]]
		if a.ours != b.ours {
			return a.ours
		}
		if a.count != b.count {
			return a.count > b.count
		}
		return ids[i] < ids[j]
	})
	managers := 0
	if len(ids) > 0 {
		p.cluster = ids[0]
		t := swarms[p.cluster]
		p.ours = t.ours
		p.manager = t.firstManager
		managers = len(t.managerIDs)
	}
	inactive := []int{}
	for i, m := range members {
		switch {
		case m.state == swarm.LocalNodeStateInactive:
			inactive = append(inactive, i)
		case m.state != swarm.LocalNodeStateActive:
			p.foreign = append(p.foreign, i)
		case m.manager && m.cluster == p.cluster && p.cluster != "":
		case !m.manager && p.cluster != "" && workerOf(m) == p.cluster:
		default:
			p.foreign = append(p.foreign, i)
		}
	}
	if p.cluster == "" {
		if !mayInit || len(inactive) == 0 {
			return p
		}
		p.init = inactive[0]
		inactive = inactive[1:]
		managers = 1
	}
	if p.init >= 0 {
		p.ours = true
	}
	// The manager set of a swarm someone else made stays theirs: engines
	// join it as workers.
	want := managers
	if p.ours {
		want = wantManagers(len(members) - len(p.foreign))
	}
	for _, i := range swarmWorkers(members, p, workerOf) {
		if managers >= want {
			break
		}
		p.promote = append(p.promote, i)
		managers++
	}
	for _, i := range inactive {
		asManager := managers < want
		if asManager {
			managers++
		}
		p.join = append(p.join, i)
		p.asManager = append(p.asManager, asManager)
	}
	return p
}

// swarmWorkers lists the members that are workers of the plan's swarm.
func swarmWorkers(members []swarmMember, p swarmPlan, workerOf func(swarmMember) string) []int {
	var out []int
	for i, m := range members {
		if p.cluster != "" && m.state == swarm.LocalNodeStateActive && !m.manager && workerOf(m) == p.cluster {
			out = append(out, i)
		}
	}
	return out
}
