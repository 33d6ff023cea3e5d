package api

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/go-units"

	"github.com/swarm-project/swarm/cluster/engine"
)

func osType() string { return runtime.GOOS }

// ping answers GET and HEAD /_ping with the headers the docker CLI uses
// for version negotiation.
func (s *Server) ping(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Api-Version", s.advertisedAPI())
	h.Set("Ostype", osType())
	h.Set("Docker-Experimental", fmt.Sprint(s.opts.Experimental))
	h.Set("Builder-Version", "1")
	h.Set("Swarm", "inactive")
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte("OK"))
	}
	return nil
}

// version answers GET /version.
func (s *Server) version(w http.ResponseWriter, r *http.Request) error {
	apiVersion := s.advertisedAPI()
	v := types.Version{
		Version:       "swarm/" + s.opts.Version,
		APIVersion:    apiVersion,
		MinAPIVersion: MinAPIVersion,
		GitCommit:     s.opts.GitCommit,
		GoVersion:     runtime.Version(),
		Os:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		Experimental:  s.opts.Experimental,
		Components: []types.ComponentVersion{{
			Name:    "Swarm",
			Version: s.opts.Version,
			Details: map[string]string{"ApiVersion": apiVersion, "MinAPIVersion": MinAPIVersion, "GitCommit": s.opts.GitCommit, "GoVersion": runtime.Version(), "Os": runtime.GOOS, "Arch": runtime.GOARCH},
		}},
	}
	if kv := kernelVersion(); kv != "" {
		v.KernelVersion = kv
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// kernelVersion is read once: it does not change while the manager runs.
var kernelVersion = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})

// info answers GET /info in classic Swarm's format: cluster totals plus a
// SystemStatus block per node. Everything comes from the caches.
func (s *Server) info(w http.ResponseWriter, r *http.Request) error {
	engines := s.summary.Engines()
	status := roleLines(s.opts.Replication)
	status = append(status, s.startupLines()...)
	status = append(status, [][2]string{
		{"Strategy", s.summary.Strategy()},
		{"Filters", strings.Join(s.summary.Filters(), ", ")},
		{"Nodes", fmt.Sprint(len(engines))},
	}...)
	info := system.Info{
		Name:               hostname(),
		ServerVersion:      "swarm/" + s.opts.Version,
		OperatingSystem:    runtime.GOOS,
		OSType:             runtime.GOOS,
		Architecture:       runtime.GOARCH,
		KernelVersion:      kernelVersion(),
		ExperimentalBuild:  s.opts.Experimental,
		SystemTime:         time.Now().Format(time.RFC3339Nano),
		Swarm:              swarm.Info{LocalNodeState: swarm.LocalNodeStateInactive},
		IndexServerAddress: "https://index.docker.io/v1/",
		DefaultRuntime:     "runc",
	}
	images := map[string]bool{}
	metas := s.nodeMetas()
	for _, e := range engines {
		u := e.Usage()
		info.Containers += u.Containers
		info.ContainersRunning += u.Running
		info.ContainersPaused += u.Paused
		info.ContainersStopped += u.Stopped
		info.NCPU += int(u.TotalCPUs / engine.NanoCPU)
		info.MemTotal += u.TotalMemory
		for _, img := range e.Images() {
			images[e.Addr()+img.ID] = true
		}
		errMsg := e.LastError()
		if errMsg == "" {
			errMsg = "(none)"
		}
		updated := "never"
		if t := e.UpdatedAt(); !t.IsZero() {
			updated = t.UTC().Format(time.RFC3339)
		}
		meta := metas[e]
		status = append(status,
			[2]string{" " + e.Name(), e.Addr()},
			[2]string{"  └ ID", e.ID()},
			[2]string{"  └ Status", e.Health().String()},
		)
		// A node that takes no new containers says so (nodes.go); an
		// active node's block is classic Swarm's.
		if a := meta.Spec.Availability; a != "" && a != engine.AvailabilityActive {
			status = append(status, [2]string{"  └ Availability", string(a)})
		}
		status = append(status,
			[2]string{"  └ Containers", fmt.Sprintf("%d (%d Running, %d Paused, %d Stopped)", u.Containers, u.Running, u.Paused, u.Stopped)},
			[2]string{"  └ Reserved CPUs", cpus(u.ReservedCPUs) + " / " + cpus(u.TotalCPUs)},
			[2]string{"  └ Reserved Memory", units.BytesSize(float64(u.ReservedMemory)) + " / " + units.BytesSize(float64(u.TotalMemory))},
			[2]string{"  └ Labels", strings.Join(nodeLabels(e, meta), ", ")},
			[2]string{"  └ Error", errMsg},
			[2]string{"  └ UpdatedAt", updated},
			[2]string{"  └ ServerVersion", e.Version().Version},
		)
	}
	info.Images = len(images)
	info.SystemStatus = status
	writeJSON(w, http.StatusOK, info)
	return nil
}

// cpus renders NanoCPU units as a CPU count ("2", "0.5").
func cpus(n int64) string {
	if n%engine.NanoCPU == 0 {
		return fmt.Sprint(n / engine.NanoCPU)
	}
	return fmt.Sprintf("%.2f", float64(n)/float64(engine.NanoCPU))
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "swarm"
	}
	return h
}
