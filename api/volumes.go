package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
	"github.com/gorilla/mux"

	"github.com/swarm-project/swarm/cluster"
)

// volumeFilters are the `filters` keys GET /volumes accepts.
var volumeFilters = map[string]bool{
	"dangling": true, "driver": true, "label": true, "name": true, "node": true,
}

// volumeRoutes are the /volumes routes.
func (s *Server) volumeRoutes() []route {
	return []route{
		{"GET", "/volumes", s.listVolumes},
		{"POST", "/volumes/create", s.createVolume},
		{"POST", "/volumes/prune", s.pruneVolumes},
		{"GET", "/volumes/{name:.*}", s.inspectVolume},
		{"DELETE", "/volumes/{name:.*}", s.removeVolume},
	}
}

// listVolumes answers GET /volumes from the caches, every node's volumes
// once per node.
func (s *Server) listVolumes(w http.ResponseWriter, r *http.Request) error {
	args, err := filters.FromJSON(r.URL.Query().Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	if err := args.Validate(volumeFilters); err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	for _, v := range args.Get("dangling") {
		if _, ok := parseBoolFilter(v); !ok {
			return errorf(http.StatusBadRequest, fmt.Sprintf("invalid filter 'dangling=%s'", v))
		}
	}
	prefixed := wantsNodeNames(r)
	used := s.volumesInUse()
	seen := map[string]bool{}
	out := volume.ListResponse{Volumes: []*volume.Volume{}, Warnings: []string{}}
	for _, v := range s.cluster.Volumes() {
		if !v.IsLocal() {
			if seen[v.Volume.Name] {
				continue
			}
			seen[v.Volume.Name] = true
		}
		if !matchVolume(args, v, used[v.Engine][v.Volume.Name]) {
			continue
		}
		cp := *v.Volume
		if prefixed && v.IsLocal() {
			cp.Name = v.Engine.Name() + "/" + cp.Name
		}
		out.Volumes = append(out.Volumes, &cp)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// volumesInUse maps each engine to the names of the volumes its cached
// containers mount.
func (s *Server) volumesInUse() map[*cluster.Engine]map[string]bool {
	out := map[*cluster.Engine]map[string]bool{}
	for _, c := range s.cluster.Containers() {
		for _, m := range c.Info.Mounts {
			if m.Name == "" {
				continue
			}
			if out[c.Engine] == nil {
				out[c.Engine] = map[string]bool{}
			}
			out[c.Engine][m.Name] = true
		}
	}
	return out
}

func matchVolume(args filters.Args, v cluster.VolumeOn, inUse bool) bool {
	vol := v.Volume
	if args.Contains("name") && !args.Match("name", vol.Name) && !args.Match("name", v.Engine.Name()+"/"+vol.Name) {
		return false
	}
	if args.Contains("driver") && !args.ExactMatch("driver", vol.Driver) {
		return false
	}
	if args.Contains("label") && !args.MatchKVList("label", vol.Labels) {
		return false
	}
	if args.Contains("dangling") {
		want, _ := parseBoolFilter(args.Get("dangling")[0])
		if want == inUse {
			return false
		}
	}
	if args.Contains("node") && !matchAny(args.Get("node"), v.Engine.Name(), v.Engine.ID(), v.Engine.Addr()) {
		return false
	}
	return true
}

func volumeEngine(v cluster.VolumeOn) *cluster.Engine { return v.Engine }

// inspectVolume forwards GET /volumes/{name} to a node holding the volume.
func (s *Server) inspectVolume(w http.ResponseWriter, r *http.Request) error {
	vols, err := s.cluster.FindVolumes(mux.Vars(r)["name"])
	if err != nil {
		return err
	}
	v := pickHealthy(vols, volumeEngine)
	return s.forward(w, r, v.Engine, versionedPath(r, "/v"+APIVersion+"/volumes/"+v.Volume.Name), nil)
}

// createVolume creates a volume on the node its name or constraints
// choose; a named volume with no node is made on every healthy node (so a
// container anywhere finds it), an unnamed one on one node the strategy
// picks. Creating a volume that exists is not an error, as on one engine.
func (s *Server) createVolume(w http.ResponseWriter, r *http.Request) error {
	var req volume.CreateOptions
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	pinned, name := s.cluster.SplitNodeRef(req.Name)
	if pinned != nil && strings.Contains(name, "/") {
		return errorf(http.StatusBadRequest, fmt.Sprintf("invalid volume name %q", req.Name))
	}
	exprs := placementExprs(req.Labels, req.DriverOpts)
	req.DriverOpts = withoutPlacement(req.DriverOpts)
	req.Name = name
	targets, err := s.placeObject(pinned, exprs, req.Labels, name != "")
	if err != nil {
		return err
	}
	ctx := r.Context()
	var first *volume.Volume
	for _, e := range targets {
		v, err := e.Client().VolumeCreate(ctx, req)
		if err != nil {
			return nodeError(e, err, len(targets) > 1)
		}
		if first == nil {
			first = &v
		}
		_ = e.RefreshVolumes(ctx)
	}
	writeJSON(w, http.StatusCreated, first)
	return nil
}

// removeVolume removes the volume from every node that holds it under that
// reference ("node/name" for one node only).
func (s *Server) removeVolume(w http.ResponseWriter, r *http.Request) error {
	vols, err := s.cluster.FindVolumes(mux.Vars(r)["name"])
	if err != nil {
		return err
	}
	force := boolValue(r.URL.Query().Get("force"))
	ctx := r.Context()
	var errs []error
	for _, v := range vols {
		if !v.Engine.IsHealthy() {
			errs = append(errs, errorf(http.StatusServiceUnavailable, fmt.Sprintf("node %s (%s) is %s", v.Engine.Name(), v.Engine.Addr(), v.Engine.Health())))
			continue
		}
		if err := v.Engine.Client().VolumeRemove(ctx, v.Volume.Name, force); err != nil {
			errs = append(errs, nodeError(v.Engine, err, len(vols) > 1))
		}
		_ = v.Engine.RefreshVolumes(ctx)
	}
	if len(errs) > 0 {
		return errs[0]
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pruneVolumes prunes every healthy node (those the `node` filter names).
func (s *Server) pruneVolumes(w http.ResponseWriter, r *http.Request) error {
	engines, args, err := s.pruneTargets(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	out := volume.PruneReport{VolumesDeleted: []string{}}
	prefixed := wantsNodeNames(r)
	for _, e := range engines {
		rep, err := e.Client().VolumesPrune(ctx, args)
		if err != nil {
			return nodeError(e, err, len(engines) > 1)
		}
		for _, name := range rep.VolumesDeleted {
			if prefixed {
				name = e.Name() + "/" + name
			}
			out.VolumesDeleted = append(out.VolumesDeleted, name)
		}
		out.SpaceReclaimed += rep.SpaceReclaimed
		_ = e.RefreshVolumes(ctx)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
