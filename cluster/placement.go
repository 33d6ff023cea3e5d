package cluster

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	log "github.com/sirupsen/logrus"

	swarmfilters "github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/scheduler/node"
)

// This file is the one place that turns what a client sent (a container
// config, a build's arguments, a network's or volume's labels and options)
// into the scheduler's node.Request, and the one place that asks the
// scheduler without reserving anything.

// containerRequest turns a container create into the scheduler's request.
func containerRequest(name string, cfg *container.Config, hc *container.HostConfig, nc *network.NetworkingConfig) *node.Request {
	req := &node.Request{
		Name:        name,
		Image:       cfg.Image,
		Env:         cfg.Env,
		Labels:      cfg.Labels,
		CPUs:        requestedCPUs(hc),
		Memory:      hc.Memory,
		Ports:       hostPorts(hc, cfg.ExposedPorts),
		NetworkMode: string(hc.NetworkMode),
		VolumesFrom: hc.VolumesFrom,
		Links:       hc.Links,
		IpcMode:     string(hc.IpcMode),
		PidMode:     string(hc.PidMode),
	}
	for _, b := range hc.Binds {
		src, _, _ := strings.Cut(b, ":")
		if src != "" && !strings.HasPrefix(src, "/") {
			req.Volumes = append(req.Volumes, src)
		}
	}
	for _, m := range hc.Mounts {
		if m.Type == mount.TypeVolume && m.Source != "" {
			req.Volumes = append(req.Volumes, m.Source)
		}
	}
	mode := hc.NetworkMode
	if mode != "" && !mode.IsDefault() && !mode.IsBridge() && !mode.IsHost() && !mode.IsNone() && !mode.IsContainer() {
		req.Networks = append(req.Networks, string(mode))
	}
	if nc != nil {
		for ref := range nc.EndpointsConfig {
			if ref != string(mode) && ref != "bridge" && ref != "host" && ref != "none" && ref != "default" {
				req.Networks = append(req.Networks, ref)
			}
		}
		sort.Strings(req.Networks)
	}
	return req
}

// buildRequest turns a build's arguments and labels into the scheduler's
// request. The constraint:/affinity: arguments place the build and are not
// passed on (nor whitelist:): kept holds the arguments the engine gets.
func buildRequest(args map[string]*string, labels map[string]string) (req *node.Request, kept map[string]*string) {
	req = &node.Request{Labels: labels, BuildArgs: map[string]string{}}
	kept = map[string]*string{}
	for k, v := range args {
		if !isPlacementKey(k) {
			kept[k] = v
			continue
		}
		val := ""
		if v != nil {
			val = *v
		}
		req.BuildArgs[k] = val
	}
	return req, kept
}

// objectRequest turns a network's or volume's labels and driver options
// into the scheduler's request. The placement expressions may be given as
// labels or options; opts is returned without them (drivers refuse options
// they do not know). constrained reports whether anything constrains the
// placement.
func objectRequest(labels, opts map[string]string) (req *node.Request, cleanOpts map[string]string, constrained bool) {
	exprs := placementExprs(labels, opts)
	constrained = len(exprs) > 0 || labels[swarmfilters.ConstraintsLabel] != "" ||
		labels[swarmfilters.AffinitiesLabel] != "" || labels[swarmfilters.WhitelistsLabel] != ""
	return &node.Request{Env: exprs, Labels: labels}, withoutPlacement(opts), constrained
}

// placementExprs collects the constraint and affinity expressions given as
// labels or options ("constraint:node==node-1" arrives as the key
// "constraint:node" and the value "=node-1", the way the docker CLI splits
// key=value flags) and returns them as scheduler env entries.
func placementExprs(maps ...map[string]string) []string {
	var out []string
	for _, m := range maps {
		keys := make([]string, 0, len(m))
		for k := range m {
			if isPlacementKey(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v := m[k]; v != "" {
				out = append(out, k+"="+v)
			} else {
				out = append(out, k)
			}
		}
	}
	return out
}

func isPlacementKey(k string) bool {
	return strings.HasPrefix(k, swarmfilters.EnvPrefix(swarmfilters.KindConstraint)) ||
		strings.HasPrefix(k, swarmfilters.EnvPrefix(swarmfilters.KindAffinity)) ||
		strings.HasPrefix(k, swarmfilters.EnvPrefix(swarmfilters.KindWhitelist))
}

// withoutPlacement returns m without its constraint, affinity and whitelist keys.
func withoutPlacement(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !isPlacementKey(k) {
			out[k] = v
		}
	}
	return out
}

// SelectEngines asks the scheduler which engines fit req, best first,
// without reserving anything: for placements that are not containers (a
// build, a network or volume made on chosen nodes). The snapshot includes
// the reservations of creates in flight. A malformed expression is an
// ErrInvalid error; no fitting engine is an ErrNoFit error.
func (c *Cluster) SelectEngines(req *node.Request) ([]*Engine, error) {
	s, _ := c.takeSnapshot(nil, false, "")
	start := time.Now()
	candidates, err := c.sched.Select(req, s.nodes)
	c.observePlacement(start, err)
	if err != nil {
		logNoFit(req, err)
		return nil, c.noFit(req, nil, err)
	}
	out := c.enginesOf(s, candidates)
	if len(out) == 0 {
		return nil, Errorf(ErrUnavailable, "no node available in the cluster")
	}
	return out, nil
}

// placeObject chooses the nodes a network or volume is created on: the
// pinned node; else the nodes the request allows (all of them when
// everywhere, else the best one); else every healthy node (everywhere) or
// the one the strategy ranks first.
func (c *Cluster) placeObject(pinned *Engine, req *node.Request, constrained, everywhere bool) ([]*Engine, error) {
	if pinned != nil {
		if err := pinned.Available(); err != nil {
			return nil, err
		}
		return []*Engine{pinned}, nil
	}
	if everywhere && !constrained {
		return c.healthyEngines()
	}
	engines, err := c.SelectEngines(req)
	if err != nil {
		return nil, err
	}
	if !everywhere {
		engines = engines[:1]
	}
	return engines, nil
}

// healthyEngines returns the healthy engines, or an ErrUnavailable error
// when there are none.
func (c *Cluster) healthyEngines() ([]*Engine, error) {
	engines := c.HealthyEngines()
	if len(engines) == 0 {
		return nil, errNoHealthyNode()
	}
	return engines, nil
}

// pruneTargets reads a prune call's filters: the `node` filter (matched
// like the list filters) narrows the healthy nodes and is not sent on.
func (c *Cluster) pruneTargets(args filters.Args) ([]*Engine, filters.Args) {
	args = args.Clone()
	nodes := args.Get("node")
	for _, n := range nodes {
		args.Del("node", n)
	}
	var out []*Engine
	for _, e := range c.HealthyEngines() {
		if len(nodes) == 0 || MatchAny(nodes, e.Name(), e.ID(), e.Addr()) {
			out = append(out, e)
		}
	}
	return out, args
}

// logNoFit writes one debug line for a placement no node fits: the
// filter classic Swarm blames, the step that rejected the last nodes, and
// how many nodes each step ruled out and why (the lines the error's
// message ends with).
func logNoFit(req *node.Request, err error) {
	var nn *scheduler.NoNodeError
	if !errors.As(err, &nn) || !log.IsLevelEnabled(log.DebugLevel) {
		return
	}
	fields := log.Fields{"image": req.Image, "filter": nn.Filter}
	if req.Name != "" {
		fields["name"] = req.Name
	}
	if d := nn.Diagnosis; d != nil {
		fields["nodes"] = d.Nodes
		fields["failed_step"] = d.FailedStep()
		var counts []string
		for _, st := range d.Steps {
			if st.Rejected > 0 {
				counts = append(counts, st.Name+"="+strconv.Itoa(st.Rejected))
			}
		}
		fields["ruled_out"] = strings.Join(counts, " ")
		fields["reasons"] = strings.Join(d.Explain(), "; ")
	}
	log.WithFields(fields).Debug("no node fits")
}

// schedulerError classes the scheduler's errors: a malformed expression is
// ErrInvalid (400), no fitting node is ErrNoFit. The message is the
// scheduler's.
func schedulerError(err error) error {
	var noNode *scheduler.NoNodeError
	switch {
	case errors.Is(err, swarmfilters.ErrBadExpression):
		return Errorf(ErrInvalid, "%v", err)
	case errors.As(err, &noNode):
		return &classed{kind: ErrNoFit, err: err}
	}
	return err
}

// classed gives an error one of the sentinels' class and keeps it
// reachable with errors.As.
type classed struct {
	kind error
	err  error
}

func (e *classed) Error() string        { return e.err.Error() }
func (e *classed) Unwrap() error        { return e.err }
func (e *classed) Is(target error) bool { return target == e.kind }
