package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/gorilla/mux"

	"github.com/swarm-project/swarm/cluster"
)

// networkFilters are the `filters` keys GET /networks accepts.
var networkFilters = map[string]bool{
	"dangling": true, "driver": true, "id": true, "label": true, "name": true,
	"scope": true, "type": true, "node": true,
}

// predefinedNetworks exist on every engine and cannot be removed.
var predefinedNetworks = map[string]bool{"bridge": true, "host": true, "none": true, "default": true}

// multiHostDrivers make one network that every engine sees (overlay on a
// key/value store); it is created once, not once per node.
var multiHostDrivers = map[string]bool{"overlay": true}

// networkRoutes are the /networks routes.
func (s *Server) networkRoutes() []route {
	return []route{
		{"GET", "/networks", s.listNetworks},
		{"GET", "/networks/", s.listNetworks},
		{"POST", "/networks/create", s.createNetwork},
		{"POST", "/networks/prune", s.pruneNetworks},
		{"POST", "/networks/{id:.*}/connect", s.connectNetwork(true)},
		{"POST", "/networks/{id:.*}/disconnect", s.connectNetwork(false)},
		{"GET", "/networks/{id:.*}", s.inspectNetwork},
		{"DELETE", "/networks/{id:.*}", s.removeNetwork},
	}
}

// listNetworks answers GET /networks from the caches: every node's local
// networks once per node, multi-host networks once.
func (s *Server) listNetworks(w http.ResponseWriter, r *http.Request) error {
	args, err := filters.FromJSON(r.URL.Query().Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	if err := args.Validate(networkFilters); err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	if err := checkNetworkFilterValues(args); err != nil {
		return err
	}
	prefixed := wantsNodeNames(r)
	used := s.networksInUse()
	seen := map[string]bool{}
	out := []network.Summary{}
	for _, n := range s.cluster.Networks() {
		if !n.IsLocal() {
			if seen[n.Network.ID] {
				continue
			}
			seen[n.Network.ID] = true
		}
		if !matchNetwork(args, n, used[n.Engine][n.Network.ID]) {
			continue
		}
		sum := n.Network
		if prefixed && n.IsLocal() {
			sum.Name = n.Engine.Name() + "/" + sum.Name
		}
		out = append(out, sum)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func checkNetworkFilterValues(args filters.Args) error {
	for _, v := range args.Get("type") {
		if v != "custom" && v != "builtin" {
			return errorf(http.StatusBadRequest, fmt.Sprintf("invalid filter: 'type'='%s'", v))
		}
	}
	for _, v := range args.Get("dangling") {
		if _, ok := parseBoolFilter(v); !ok {
			return errorf(http.StatusBadRequest, fmt.Sprintf("invalid filter 'dangling=%s'", v))
		}
	}
	return nil
}

// parseBoolFilter reads Docker's boolean filter values.
func parseBoolFilter(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// networksInUse maps each engine to the IDs of the networks its cached
// containers are attached to.
func (s *Server) networksInUse() map[*cluster.Engine]map[string]bool {
	out := map[*cluster.Engine]map[string]bool{}
	for _, c := range s.cluster.Containers() {
		if c.Info.NetworkSettings == nil {
			continue
		}
		for _, ep := range c.Info.NetworkSettings.Networks {
			if ep == nil || ep.NetworkID == "" {
				continue
			}
			if out[c.Engine] == nil {
				out[c.Engine] = map[string]bool{}
			}
			out[c.Engine][ep.NetworkID] = true
		}
	}
	return out
}

func matchNetwork(args filters.Args, n cluster.NetworkOn, inUse bool) bool {
	nw := n.Network
	if args.Contains("driver") && !args.ExactMatch("driver", nw.Driver) {
		return false
	}
	if args.Contains("name") && !args.Match("name", nw.Name) && !args.Match("name", n.Engine.Name()+"/"+nw.Name) {
		return false
	}
	if args.Contains("id") && !args.Match("id", nw.ID) {
		return false
	}
	if args.Contains("label") && !args.MatchKVList("label", nw.Labels) {
		return false
	}
	if args.Contains("scope") && !args.ExactMatch("scope", nw.Scope) {
		return false
	}
	if args.Contains("type") {
		typ := "custom"
		if predefinedNetworks[nw.Name] {
			typ = "builtin"
		}
		if !args.ExactMatch("type", typ) {
			return false
		}
	}
	if args.Contains("dangling") {
		want, _ := parseBoolFilter(args.Get("dangling")[0])
		dangling := !inUse && !predefinedNetworks[nw.Name]
		if want != dangling {
			return false
		}
	}
	if args.Contains("node") && !matchAny(args.Get("node"), n.Engine.Name(), n.Engine.ID(), n.Engine.Addr()) {
		return false
	}
	return true
}

// pickHealthy returns the first entry whose engine is healthy, else the
// first entry (so that the caller reports the engine's state).
func pickHealthy[T any](list []T, engine func(T) *cluster.Engine) T {
	for _, x := range list {
		if engine(x).IsHealthy() {
			return x
		}
	}
	return list[0]
}

func networkEngine(n cluster.NetworkOn) *cluster.Engine { return n.Engine }

// inspectNetwork forwards GET /networks/{id} to a node holding the
// network. A name that several nodes hold (bridge, or a network made on
// every node) answers with the first healthy node's network.
func (s *Server) inspectNetwork(w http.ResponseWriter, r *http.Request) error {
	nets, err := s.cluster.FindNetworks(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	n := pickHealthy(nets, networkEngine)
	return s.forward(w, r, n.Engine, versionedPath(r, "/v"+APIVersion+"/networks/"+n.Network.ID), nil)
}

// createNetwork creates a network on the node its name or constraints
// choose, else (a local driver) on every healthy node under the same name.
func (s *Server) createNetwork(w http.ResponseWriter, r *http.Request) error {
	var req network.CreateRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Name == "" {
		return errorf(http.StatusBadRequest, "network name is required")
	}
	pinned, name := s.cluster.SplitNodeRef(req.Name)
	if strings.Contains(name, "/") {
		return &cluster.NotFoundError{Kind: "node", Ref: strings.SplitN(name, "/", 2)[0]}
	}
	exprs := placementExprs(req.Labels, req.Options)
	req.Options = withoutPlacement(req.Options)
	driver := req.Driver
	if driver == "" {
		driver = "bridge"
	}
	targets, err := s.placeObject(pinned, exprs, req.Labels, !multiHostDrivers[driver])
	if err != nil {
		return err
	}
	for _, e := range targets {
		if n, ok := e.FindNetwork(name); ok && n.Name == name {
			return errorf(http.StatusConflict, fmt.Sprintf("network with name %s already exists", name))
		}
	}
	ctx := r.Context()
	var created []cluster.NetworkOn
	var warnings []string
	for _, e := range targets {
		resp, err := e.Client().NetworkCreate(ctx, name, req.CreateOptions)
		if err != nil {
			// All or nothing: remove what the other nodes made.
			for _, c := range created {
				_ = c.Engine.Client().NetworkRemove(ctx, c.Network.ID)
				_ = c.Engine.RefreshNetworks(ctx)
			}
			return nodeError(e, err, len(targets) > 1)
		}
		created = append(created, cluster.NetworkOn{Engine: e, Network: network.Summary{ID: resp.ID, Name: name}})
		if resp.Warning != "" {
			warnings = append(warnings, e.Name()+": "+resp.Warning)
		}
		_ = e.RefreshNetworks(ctx)
	}
	writeJSON(w, http.StatusCreated, network.CreateResponse{ID: created[0].Network.ID, Warning: strings.Join(warnings, "; ")})
	return nil
}

// connectNetwork handles connect (true) and disconnect (false) on the node
// of the container, with the network as that node knows it.
func (s *Server) connectNetwork(connect bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body struct {
			Container      string
			EndpointConfig *network.EndpointSettings `json:",omitempty"`
			Force          bool
		}
		if err := decodeBody(r, &body); err != nil {
			return err
		}
		ref := mux.Vars(r)["id"]
		c, err := s.cluster.Container(body.Container)
		if err != nil {
			return err
		}
		nets, err := s.cluster.FindNetworks(ref)
		if err != nil {
			return err
		}
		netID := ""
		var elsewhere []string
		for _, n := range nets {
			if n.Engine == c.Engine || !n.IsLocal() {
				netID = n.Network.ID
				break
			}
			elsewhere = append(elsewhere, n.Engine.Name())
		}
		if netID == "" {
			// Maybe the other node's ID of a network this node has by name.
			if n, ok := c.Engine.FindNetwork(nets[0].Network.Name); ok && !strings.Contains(ref, "/") {
				netID = n.ID
			}
		}
		if netID == "" {
			return errorf(http.StatusNotFound, fmt.Sprintf("network %s not found on node %s, where container %s runs (it is on %s)",
				ref, c.Engine.Name(), c.Name(), strings.Join(elsewhere, ", ")))
		}
		if !c.Engine.IsHealthy() {
			return errorf(http.StatusServiceUnavailable, fmt.Sprintf("node %s (%s) is %s", c.Engine.Name(), c.Engine.Addr(), c.Engine.Health()))
		}
		ctx := r.Context()
		if connect {
			err = c.Engine.Client().NetworkConnect(ctx, netID, c.ID(), body.EndpointConfig)
		} else {
			err = c.Engine.Client().NetworkDisconnect(ctx, netID, c.ID(), body.Force)
		}
		if err != nil {
			return cluster.EngineError(err)
		}
		if err := c.Engine.RefreshContainer(ctx, c.ID()); err != nil {
			c.Engine.Kick()
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
}

// removeNetwork removes the network from every node that holds it under
// that reference ("node/name" for one node only).
func (s *Server) removeNetwork(w http.ResponseWriter, r *http.Request) error {
	nets, err := s.cluster.FindNetworks(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	ctx := r.Context()
	var errs []error
	removed := map[string]bool{} // multi-host networks go once
	for _, n := range nets {
		if !n.IsLocal() {
			if removed[n.Network.ID] {
				continue
			}
			removed[n.Network.ID] = true
		}
		if !n.Engine.IsHealthy() {
			errs = append(errs, errorf(http.StatusServiceUnavailable, fmt.Sprintf("node %s (%s) is %s", n.Engine.Name(), n.Engine.Addr(), n.Engine.Health())))
			continue
		}
		if err := n.Engine.Client().NetworkRemove(ctx, n.Network.ID); err != nil {
			errs = append(errs, nodeError(n.Engine, err, len(nets) > 1))
		}
		_ = n.Engine.RefreshNetworks(ctx)
	}
	if len(errs) > 0 {
		return errs[0]
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pruneNetworks prunes every healthy node (those the `node` filter names).
func (s *Server) pruneNetworks(w http.ResponseWriter, r *http.Request) error {
	engines, args, err := s.pruneTargets(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	out := network.PruneReport{NetworksDeleted: []string{}}
	prefixed := wantsNodeNames(r)
	for _, e := range engines {
		rep, err := e.Client().NetworksPrune(ctx, args)
		if err != nil {
			return nodeError(e, err, len(engines) > 1)
		}
		for _, name := range rep.NetworksDeleted {
			if prefixed {
				name = e.Name() + "/" + name
			}
			out.NetworksDeleted = append(out.NetworksDeleted, name)
		}
		_ = e.RefreshNetworks(ctx)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// decodeBody reads a JSON request body into v (400 when it is not JSON).
func decodeBody(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errorf(http.StatusBadRequest, "invalid JSON: request body is empty")
		}
		return errorf(http.StatusBadRequest, "invalid JSON: "+err.Error())
	}
	return nil
}
