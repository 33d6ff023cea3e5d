package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"

	"github.com/swarm-project/swarm/cluster/engine"
)

// fakeObjects stands in for the network, volume, image, build and system
// interfaces: every operation fails with err (nil: succeeds), prunes report
// reports, and the last arguments are recorded.
type fakeObjects struct {
	err     error
	reports []engine.NodePruneReport
	gotArgs filters.Args
	gotNet  network.CreateRequest
	gotVol  volume.CreateOptions
	target  string // TagImage's target
	names   []string
}

func (f *fakeObjects) Networks() []engine.NetworkOn { return nil }
func (f *fakeObjects) NetworksInUse() engine.InUse  { return engine.InUse{} }
func (f *fakeObjects) FindNetworks(ref string) ([]engine.NetworkOn, error) {
	return nil, &engine.NotFoundError{Kind: "network", Ref: ref}
}
func (f *fakeObjects) InspectMultiHostNetwork(context.Context, string, network.InspectOptions) ([]byte, error) {
	return nil, f.err
}
func (f *fakeObjects) CreateNetwork(_ context.Context, req network.CreateRequest) (network.CreateResponse, error) {
	f.gotNet = req
	return network.CreateResponse{ID: "n1"}, f.err
}
func (f *fakeObjects) RemoveNetwork(context.Context, string) error { return f.err }
func (f *fakeObjects) ConnectNetwork(context.Context, string, string, *network.EndpointSettings) error {
	return f.err
}
func (f *fakeObjects) DisconnectNetwork(context.Context, string, string, bool) error { return f.err }
func (f *fakeObjects) PruneNetworks(_ context.Context, args filters.Args) ([]engine.NodePruneReport, error) {
	f.gotArgs = args
	return f.reports, f.err
}
func (f *fakeObjects) Volumes() []engine.VolumeOn { return nil }
func (f *fakeObjects) VolumesInUse() engine.InUse { return engine.InUse{} }
func (f *fakeObjects) FindVolumes(ref string) ([]engine.VolumeOn, error) {
	return nil, &engine.NotFoundError{Kind: "volume", Ref: ref}
}
func (f *fakeObjects) CreateVolume(_ context.Context, req volume.CreateOptions) (volume.Volume, error) {
	f.gotVol = req
	return volume.Volume{Name: req.Name, Driver: "local"}, f.err
}
func (f *fakeObjects) RemoveVolume(context.Context, string, bool) error { return f.err }
func (f *fakeObjects) PruneVolumes(_ context.Context, args filters.Args) ([]engine.NodePruneReport, error) {
	f.gotArgs = args
	return f.reports, f.err
}
func (f *fakeObjects) Engines() []*engine.Engine { return nil }
func (f *fakeObjects) ImageHolder(ref string) (*engine.Engine, error) {
	return nil, &engine.NotFoundError{Kind: "image", Ref: ref}
}
func (f *fakeObjects) PullImage(context.Context, string, string, string, func(*engine.Engine) io.Writer) (engine.NodeResults, error) {
	return engine.NodeResults{}, f.err
}
func (f *fakeObjects) TagImage(_ context.Context, _, target string) error {
	f.target = target
	return f.err
}
func (f *fakeObjects) RemoveImage(context.Context, string, image.RemoveOptions) ([]image.DeleteResponse, error) {
	return []image.DeleteResponse{{Untagged: "busybox:latest"}}, f.err
}
func (f *fakeObjects) PruneImages(context.Context, filters.Args) (image.PruneReport, error) {
	return image.PruneReport{}, f.err
}
func (f *fakeObjects) SaveSource(names []string) (*engine.Engine, error) {
	f.names = names
	return nil, f.err
}
func (f *fakeObjects) PushSource(string, string) (*engine.Engine, error) { return nil, f.err }
func (f *fakeObjects) LoadImage(context.Context, io.Reader, bool, string, func(*engine.Engine) io.Writer) (engine.NodeResults, error) {
	return engine.NodeResults{}, f.err
}
func (f *fakeObjects) ImportImage(context.Context, engine.ImportRequest, func(*engine.Engine) io.Writer) (engine.ImportResult, error) {
	return engine.ImportResult{}, f.err
}
func (f *fakeObjects) BuildTarget(map[string]*string, map[string]string, string) (*engine.Engine, map[string]*string, error) {
	return nil, nil, f.err
}
func (f *fakeObjects) OpenBuildSession(string) (*engine.Engine, func(), error) {
	return nil, func() {}, f.err
}
func (f *fakeObjects) BuildKitNode() (*engine.Engine, error) { return nil, f.err }
func (f *fakeObjects) PruneBuildCache(context.Context, build.CachePruneOptions) (build.CachePruneReport, error) {
	return build.CachePruneReport{}, f.err
}
func (f *fakeObjects) CancelBuild(context.Context, string) error { return f.err }
func (f *fakeObjects) DiskUsage(context.Context, bool) (types.DiskUsage, error) {
	return types.DiskUsage{}, f.err
}
func (f *fakeObjects) PruneContainers(context.Context, filters.Args) (container.PruneReport, error) {
	return container.PruneReport{}, f.err
}
func (f *fakeObjects) AnyEngine() (*engine.Engine, error) { return nil, f.err }
func (f *fakeObjects) Container(ref string) (*engine.Container, error) {
	return nil, &engine.NotFoundError{Kind: "container", Ref: ref}
}

// objectsServer is a Server whose object handlers use o.
func objectsServer(o *fakeObjects) *Server {
	s := fakeServer(&fakeCluster{})
	s.networks, s.networkOps, s.volumes = o, o, o
	s.images, s.mover, s.builds, s.system = o, o, o, o
	s.handler = s.buildHandler()
	return s
}

func TestObjectHandlersAgainstFakes(t *testing.T) {
	conflict := engine.Errorf(engine.ErrConflict, "network with name back already exists")
	down := &engine.NodeUnavailableError{Name: "node-2", Addr: "10.0.0.2:2375", State: engine.Unhealthy}
	tests := []struct {
		name, method, path, body, agent string
		err                             error
		reports                         []engine.NodePruneReport
		wantStatus                      int
		wantBody                        string
	}{
		{name: "network create", method: "POST", path: "/networks/create", body: `{"Name":"back"}`, wantStatus: 201, wantBody: `"Id":"n1"`},
		{name: "network create, name taken", method: "POST", path: "/networks/create", body: `{"Name":"back"}`, err: conflict, wantStatus: 409, wantBody: "already exists"},
		{name: "network create, not JSON", method: "POST", path: "/networks/create", body: `[`, wantStatus: 400, wantBody: "invalid JSON"},
		{name: "network inspect, unknown", method: "GET", path: "/networks/nope", wantStatus: 404, wantBody: "No such network: nope"},
		{name: "network connect, node down", method: "POST", path: "/networks/back/connect", body: `{"Container":"web"}`, err: down, wantStatus: 503, wantBody: "node node-2 (10.0.0.2:2375) is Unhealthy"},
		{name: "network prune for the docker CLI: node/name", method: "POST", path: "/networks/prune", agent: "Docker-Client/28.2.2 (linux)",
			reports: []engine.NodePruneReport{{Node: "node-1", Deleted: []string{"old"}}}, wantStatus: 200, wantBody: `"NetworksDeleted":["node-1/old"]`},
		{name: "network prune for compose: the engine's names", method: "POST", path: "/networks/prune", agent: "compose/v2.29.7",
			reports: []engine.NodePruneReport{{Node: "node-1", Deleted: []string{"old"}}}, wantStatus: 200, wantBody: `"NetworksDeleted":["old"]`},
		{name: "volume create", method: "POST", path: "/volumes/create", body: `{"Name":"data"}`, wantStatus: 201, wantBody: `"Name":"data"`},
		{name: "volume create, no node fits", method: "POST", path: "/volumes/create", body: `{"Name":"data","Labels":{"constraint:node":"=x"}}`,
			err: engine.Errorf(engine.ErrNoFit, "Unable to find a node that satisfies the following conditions \n[node==x]"), wantStatus: 500, wantBody: "Unable to find a node"},
		{name: "volume remove, unknown", method: "DELETE", path: "/volumes/data", err: &engine.NotFoundError{Kind: "volume", Ref: "data"}, wantStatus: 404, wantBody: "No such volume: data"},
		{name: "image tag", method: "POST", path: "/images/busybox/tag?repo=mine&tag=1", wantStatus: 201},
		{name: "image tag, unknown image", method: "POST", path: "/images/nope/tag?repo=mine", err: &engine.NotFoundError{Kind: "image", Ref: "nope"}, wantStatus: 404, wantBody: "No such image: nope"},
		{name: "image inspect, unknown", method: "GET", path: "/images/nope/json", wantStatus: 404, wantBody: "No such image: nope"},
		{name: "image remove", method: "DELETE", path: "/images/busybox", wantStatus: 200, wantBody: `"Untagged":"busybox:latest"`},
		{name: "save spread over nodes", method: "GET", path: "/images/get?names=a&names=b",
			err: engine.Errorf(engine.ErrNotFound, "no single node holds all of a, b: save them one by one"), wantStatus: 404, wantBody: "no single node holds all of a, b"},
		{name: "build with bad buildargs", method: "POST", path: "/build?buildargs=%7Bx", wantStatus: 400, wantBody: "invalid buildargs"},
		{name: "build cancel without an ID", method: "POST", path: "/build/cancel", wantStatus: 400, wantBody: "build ID is required"},
		{name: "df, no healthy node", method: "GET", path: "/system/df", err: engine.Errorf(engine.ErrUnavailable, "no healthy node in the cluster"), wantStatus: 503, wantBody: "no healthy node"},
		{name: "commit of an unknown container", method: "POST", path: "/commit?container=nope", wantStatus: 404, wantBody: "No such container: nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &fakeObjects{err: tt.err, reports: tt.reports}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest(tt.method, tt.path, body)
			if tt.agent != "" {
				r.Header.Set("User-Agent", tt.agent)
			}
			w := httptest.NewRecorder()
			objectsServer(o).Handler().ServeHTTP(w, r)
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Fatalf("status %d body %s; want %d with %s", w.Code, w.Body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus >= 400 {
				var msg struct{ Message string }
				if json.Unmarshal(w.Body.Bytes(), &msg) != nil || msg.Message == "" {
					t.Fatalf("error answer is not Docker's {\"message\": ...}: %s", w.Body)
				}
			}
		})
	}
}

func TestObjectHandlersPassTheRequestOn(t *testing.T) {
	o := &fakeObjects{}
	s := objectsServer(o)
	do := func(method, path, body string) {
		t.Helper()
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
		if w.Code >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
	}
	do("POST", "/networks/create", `{"Name":"node-1/back","Driver":"bridge","Labels":{"constraint:zone":"=a"},"Options":{"x":"y"}}`)
	if o.gotNet.Name != "node-1/back" || o.gotNet.Driver != "bridge" || o.gotNet.Labels["constraint:zone"] != "=a" || o.gotNet.Options["x"] != "y" {
		t.Errorf("network create got %+v", o.gotNet)
	}
	do("POST", "/volumes/create", `{"Name":"data","DriverOpts":{"constraint:node":"=node-2"}}`)
	if o.gotVol.Name != "data" || o.gotVol.DriverOpts["constraint:node"] != "=node-2" {
		t.Errorf("volume create got %+v", o.gotVol)
	}
	do("POST", `/networks/prune?filters={"node":["node-1"],"until":["1h"]}`, "")
	if got := o.gotArgs.Get("node"); len(got) != 1 || got[0] != "node-1" || len(o.gotArgs.Get("until")) != 1 {
		t.Errorf("prune filters %v", o.gotArgs)
	}
	do("POST", "/images/busybox/tag?repo=reg:5000/mine&tag=2", "")
	if o.target != "reg:5000/mine:2" {
		t.Errorf("tag target %q", o.target)
	}
}
