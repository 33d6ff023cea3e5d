package cluster

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
)

// Networks returns every engine's cached networks, engines in name order.
func (c *Cluster) Networks() []NetworkOn {
	var out []NetworkOn
	for _, e := range c.Engines() {
		for _, n := range e.Networks() {
			out = append(out, NetworkOn{Engine: e, Network: n})
		}
	}
	return out
}

// SplitNodeRef splits "node/name" into the engine called node and name.
// When ref has no slash, or the part before the first slash names no
// engine, it returns nil and ref unchanged.
func (c *Cluster) SplitNodeRef(ref string) (*Engine, string) {
	prefix, rest, ok := strings.Cut(ref, "/")
	if !ok || prefix == "" || rest == "" {
		return nil, ref
	}
	for _, e := range c.Engines() {
		if e.Name() == prefix || e.ID() == prefix || e.Addr() == prefix {
			return e, rest
		}
	}
	return nil, ref
}

// FindNetworks resolves a network reference the way the API reads it:
// "node/name" (or "node/id") names one engine's network; a full ID names
// one network; a name names the network of that name on every engine that
// has one; otherwise a unique ID prefix. The result is in engine name
// order; an unknown reference is a *NotFoundError.
func (c *Cluster) FindNetworks(ref string) ([]NetworkOn, error) {
	if ref == "" {
		return nil, &NotFoundError{Kind: "network", Ref: ref}
	}
	if e, rest := c.SplitNodeRef(ref); e != nil {
		if n, ok := e.FindNetwork(rest); ok {
			return []NetworkOn{{Engine: e, Network: n}}, nil
		}
		return nil, &NotFoundError{Kind: "network", Ref: ref}
	}
	all := c.Networks()
	var byName, byPrefix []NetworkOn
	prefixIDs := map[string]bool{}
	for _, n := range all {
		if n.Network.ID == ref {
			return []NetworkOn{n}, nil
		}
		if n.Network.Name == ref {
			byName = append(byName, n)
		}
		if strings.HasPrefix(n.Network.ID, ref) {
			byPrefix = append(byPrefix, n)
			prefixIDs[n.Network.ID] = true
		}
	}
	switch {
	case len(byName) > 0:
		return byName, nil
	case len(prefixIDs) == 1:
		return byPrefix, nil
	case len(prefixIDs) > 1:
		return nil, Errorf(ErrInvalid, "network %s is ambiguous (%d matches found based on ID prefix)", ref, len(prefixIDs))
	}
	return nil, &NotFoundError{Kind: "network", Ref: ref}
}

// LocalizeNetworking rewrites the network references of a container create
// bound for engine e so that the engine understands them: "node/name" loses
// its node prefix, and an ID of a network that e does not hold (the same
// network name created on every node has one ID per node) becomes the
// name of that network. hc and nc are modified in place; either may be nil.
func (c *Cluster) LocalizeNetworking(e *Engine, hc *container.HostConfig, nc *network.NetworkingConfig) {
	if hc != nil {
		mode := string(hc.NetworkMode)
		if mode != "" && !hc.NetworkMode.IsDefault() && !hc.NetworkMode.IsBridge() && !hc.NetworkMode.IsHost() &&
			!hc.NetworkMode.IsNone() && !hc.NetworkMode.IsContainer() {
			hc.NetworkMode = container.NetworkMode(c.localNetworkRef(e, mode))
		}
	}
	if nc == nil || len(nc.EndpointsConfig) == 0 {
		return
	}
	out := make(map[string]*network.EndpointSettings, len(nc.EndpointsConfig))
	for ref, ep := range nc.EndpointsConfig {
		out[c.localNetworkRef(e, ref)] = ep
	}
	nc.EndpointsConfig = out
}

// localNetworkRef is the reference engine e should see for ref.
func (c *Cluster) localNetworkRef(e *Engine, ref string) string {
	if owner, rest := c.SplitNodeRef(ref); owner != nil {
		if owner == e {
			return rest
		}
		return ref // another node's network: let the engine refuse it
	}
	if _, ok := e.FindNetwork(ref); ok {
		return ref
	}
	for _, n := range c.Networks() {
		if n.Network.ID == ref || (len(ref) >= 12 && strings.HasPrefix(n.Network.ID, ref)) {
			if _, ok := e.FindNetwork(n.Network.Name); ok {
				return n.Network.Name
			}
		}
	}
	return ref
}

// NetworksInUse maps each engine to the IDs of the networks its cached
// containers are attached to.
func (c *Cluster) NetworksInUse() InUse {
	out := InUse{}
	for _, ctr := range c.Containers() {
		for _, ep := range ctr.Networks() {
			if ep.ID != "" {
				out.Add(ctr.Engine, ep.ID)
			}
		}
	}
	return out
}

// InspectMultiHostNetwork answers an inspect of a multi-host network (scope
// swarm or global) as one engine would if it saw the whole cluster: the
// document of a healthy engine that holds it, with Containers gathered
// from every engine that holds it or has a container attached to it.
func (c *Cluster) InspectMultiHostNetwork(ctx context.Context, id string, opts network.InspectOptions) ([]byte, error) {
	holders := map[*Engine]bool{}
	var order []*Engine
	add := func(e *Engine) {
		if !holders[e] && e.IsHealthy() {
			holders[e] = true
			order = append(order, e)
		}
	}
	for _, n := range c.Networks() {
		if n.Network.ID == id {
			add(n.Engine)
		}
	}
	for e, ids := range c.NetworksInUse() {
		if ids[id] {
			add(e)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return swarmManager(order[i]) && !swarmManager(order[j]) })
	if len(order) == 0 {
		return nil, errNoHealthyNode()
	}
	var doc map[string]json.RawMessage
	containers := map[string]network.EndpointResource{}
	var firstErr error
	for _, e := range order {
		_, raw, err := e.Client().NetworkInspectWithRaw(ctx, id, opts)
		if err != nil {
			if firstErr == nil {
				firstErr = onNode(e, err, true)
			}
			continue
		}
		var one struct {
			Containers map[string]network.EndpointResource
		}
		if err := json.Unmarshal(raw, &one); err != nil {
			continue
		}
		if doc == nil {
			if err := json.Unmarshal(raw, &doc); err != nil {
				doc = nil
				continue
			}
		}
		for k, v := range one.Containers {
			if strings.HasPrefix(k, "lb-") && len(one.Containers) == 1 {
				// The node's load-balancer endpoint outlives its last
				// container for a moment; alone it is no user of the
				// network (compose down would keep the network).
				continue
			}
			containers[k] = v
		}
	}
	if doc == nil {
		return nil, firstErr
	}
	merged, err := json.Marshal(containers)
	if err != nil {
		return nil, err
	}
	doc["Containers"] = merged
	return json.Marshal(doc)
}
