package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/gorilla/mux"

	"github.com/swarm-project/swarm/cluster/engine"
)

// networkFilters are the `filters` keys GET /networks accepts.
var networkFilters = map[string]bool{
	"dangling": true, "driver": true, "id": true, "label": true, "name": true,
	"scope": true, "type": true, "node": true,
}

// predefinedNetworks exist on every engine and cannot be removed.
var predefinedNetworks = map[string]bool{"bridge": true, "host": true, "none": true, "default": true}

// networkReader is what the network list and inspect handlers read of the
// engine.
type networkReader interface {
	Networks() []engine.NetworkOn
	NetworksInUse() engine.InUse
	FindNetworks(ref string) ([]engine.NetworkOn, error)
	InspectMultiHostNetwork(ctx context.Context, id string, opts network.InspectOptions) ([]byte, error)
}

// networkWriter is what the handlers that change networks ask of the
// engine.
type networkWriter interface {
	CreateNetwork(ctx context.Context, req network.CreateRequest) (network.CreateResponse, error)
	RemoveNetwork(ctx context.Context, ref string) error
	ConnectNetwork(ctx context.Context, netRef, containerRef string, cfg *network.EndpointSettings) error
	DisconnectNetwork(ctx context.Context, netRef, containerRef string, force bool) error
	PruneNetworks(ctx context.Context, args filters.Args) ([]engine.NodePruneReport, error)
}

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
	used := s.networks.NetworksInUse()
	seen := map[string]bool{}
	out := []network.Summary{}
	for _, n := range s.networks.Networks() {
		if !n.IsLocal() {
			if seen[n.Network.ID] {
				continue
			}
			seen[n.Network.ID] = true
		}
		inUse := used.Has(n.Engine, n.Network.ID)
		if !n.IsLocal() {
			inUse = usedAnywhere(used, n.Network.ID) // one network, containers on any node
		}
		if !matchNetwork(args, n, inUse) {
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

// usedAnywhere reports whether a container of any engine uses key.
func usedAnywhere(used engine.InUse, key string) bool {
	for _, keys := range used {
		if keys[key] {
			return true
		}
	}
	return false
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

func matchNetwork(args filters.Args, n engine.NetworkOn, inUse bool) bool {
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
func pickHealthy[T any](list []T, engine func(T) *engine.Engine) T {
	for _, x := range list {
		if engine(x).IsHealthy() {
			return x
		}
	}
	return list[0]
}

func networkEngine(n engine.NetworkOn) *engine.Engine { return n.Engine }

// inspectNetwork forwards GET /networks/{id} to a node holding the
// network. A name that several nodes hold (bridge, or a network made on
// every node) answers with the first healthy node's network.
func (s *Server) inspectNetwork(w http.ResponseWriter, r *http.Request) error {
	nets, err := s.networks.FindNetworks(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	n := pickHealthy(nets, networkEngine)
	if !n.IsLocal() {
		// One network across engines: each engine shows its own
		// containers only; the answer shows them all.
		verbose, _ := parseBoolFilter(r.URL.Query().Get("verbose"))
		doc, err := s.networks.InspectMultiHostNetwork(r.Context(), n.Network.ID, network.InspectOptions{Verbose: verbose, Scope: r.URL.Query().Get("scope")})
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, err = w.Write(append(doc, '\n'))
		return err
	}
	return s.forward(w, r, n.Engine, "/networks/"+n.Network.ID, nil)
}

// createNetwork creates a network on the node its name or constraints
// choose, else (a local driver) on every healthy node under the same name.
func (s *Server) createNetwork(w http.ResponseWriter, r *http.Request) error {
	var req network.CreateRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	resp, err := s.networkOps.CreateNetwork(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, resp)
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
		var err error
		if connect {
			err = s.networkOps.ConnectNetwork(r.Context(), ref, body.Container, body.EndpointConfig)
		} else {
			err = s.networkOps.DisconnectNetwork(r.Context(), ref, body.Container, body.Force)
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
}

// removeNetwork removes the network from every node that holds it under
// that reference ("node/name" for one node only).
func (s *Server) removeNetwork(w http.ResponseWriter, r *http.Request) error {
	if err := s.networkOps.RemoveNetwork(r.Context(), mux.Vars(r)["id"]); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pruneNetworks prunes every healthy node (those the `node` filter names).
func (s *Server) pruneNetworks(w http.ResponseWriter, r *http.Request) error {
	args, err := filters.FromJSON(r.URL.Query().Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	reports, err := s.networkOps.PruneNetworks(r.Context(), args)
	if err != nil {
		return err
	}
	out := network.PruneReport{NetworksDeleted: prunedNames(reports, wantsNodeNames(r))}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// prunedNames lists what the nodes pruned, "node/name" when prefixed.
func prunedNames(reports []engine.NodePruneReport, prefixed bool) []string {
	out := []string{}
	for _, rep := range reports {
		for _, name := range rep.Deleted {
			if prefixed {
				name = rep.Node + "/" + name
			}
			out = append(out, name)
		}
	}
	return out
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
