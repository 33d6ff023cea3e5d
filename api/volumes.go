package api

import (
	"context"
	"net/http"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
	"github.com/gorilla/mux"

	"github.com/swarm-project/swarm/cluster/engine"
)

// volumeFilters are the `filters` keys GET /volumes accepts.
var volumeFilters = map[string]bool{
	"dangling": true, "driver": true, "label": true, "name": true, "node": true,
}

// volumeBackend is what the volume handlers need of the engine.
type volumeBackend interface {
	Volumes() []engine.VolumeOn
	VolumesInUse() engine.InUse
	FindVolumes(ref string) ([]engine.VolumeOn, error)
	CreateVolume(ctx context.Context, req volume.CreateOptions) (volume.Volume, error)
	RemoveVolume(ctx context.Context, ref string, force bool) error
	PruneVolumes(ctx context.Context, args filters.Args) ([]engine.NodePruneReport, error)
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
	if err := checkDanglingFilter(args); err != nil {
		return err
	}
	prefixed := wantsNodeNames(r)
	used := s.volumes.VolumesInUse()
	seen := map[string]bool{}
	out := volume.ListResponse{Volumes: []*volume.Volume{}, Warnings: []string{}}
	for _, v := range s.volumes.Volumes() {
		if !v.IsLocal() {
			if seen[v.Volume.Name] {
				continue
			}
			seen[v.Volume.Name] = true
		}
		if !matchVolume(args, v, used.Has(v.Engine, v.Volume.Name)) {
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

func matchVolume(args filters.Args, v engine.VolumeOn, inUse bool) bool {
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

func volumeEngine(v engine.VolumeOn) *engine.Engine { return v.Engine }

// inspectVolume forwards GET /volumes/{name} to a node holding the volume.
func (s *Server) inspectVolume(w http.ResponseWriter, r *http.Request) error {
	vols, err := s.volumes.FindVolumes(mux.Vars(r)["name"])
	if err != nil {
		return err
	}
	v := pickHealthy(vols, volumeEngine)
	return s.forward(w, r, v.Engine, "/volumes/"+v.Volume.Name, nil)
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
	v, err := s.volumes.CreateVolume(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// removeVolume removes the volume from every node that holds it under that
// reference ("node/name" for one node only).
func (s *Server) removeVolume(w http.ResponseWriter, r *http.Request) error {
	force := boolValue(r.URL.Query().Get("force"))
	if err := s.volumes.RemoveVolume(r.Context(), mux.Vars(r)["name"], force); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pruneVolumes prunes every healthy node (those the `node` filter names).
func (s *Server) pruneVolumes(w http.ResponseWriter, r *http.Request) error {
	args, err := filters.FromJSON(r.URL.Query().Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	reports, err := s.volumes.PruneVolumes(r.Context(), args)
	if err != nil {
		return err
	}
	out := volume.PruneReport{VolumesDeleted: prunedNames(reports, wantsNodeNames(r))}
	for _, rep := range reports {
		out.SpaceReclaimed += rep.SpaceReclaimed
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
