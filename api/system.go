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
	log "github.com/sirupsen/logrus"

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
// SystemStatus block per node. Everything comes from the caches, and each
// node's block is encoded once per change of the node (infocache.go).
func (s *Server) info(w http.ResponseWriter, r *http.Request) error {
	a, err := s.infoAnswer(time.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if _, err := a.WriteTo(w); err != nil {
		log.WithError(err).Debug("response write failed")
	}
	return nil
}

// infoAnswer builds the `docker info` answer at time now.
func (s *Server) infoAnswer(now time.Time) (infoAnswer, error) {
	nodes, metaOf := s.infoNodes()
	status := roleLines(s.opts.Replication)
	status = append(status, s.startupLines()...)
	status = append(status, [][2]string{
		{"Strategy", s.summary.Strategy()},
		{"Filters", strings.Join(s.summary.Filters(), ", ")},
		{"Nodes", fmt.Sprint(len(nodes))},
	}...)
	sections, total, err := collect(&s.infoCache, nodes, metaOf)
	if err != nil {
		return infoAnswer{}, err
	}
	info := system.Info{
		Containers:         total.containers,
		ContainersRunning:  total.running,
		ContainersPaused:   total.paused,
		ContainersStopped:  total.stopped,
		Images:             total.images,
		NCPU:               total.ncpu,
		MemTotal:           total.memory,
		Name:               hostname(),
		ServerVersion:      "swarm/" + s.opts.Version,
		OperatingSystem:    runtime.GOOS,
		OSType:             runtime.GOOS,
		Architecture:       runtime.GOARCH,
		KernelVersion:      kernelVersion(),
		ExperimentalBuild:  s.opts.Experimental,
		SystemTime:         now.Format(time.RFC3339Nano),
		Swarm:              swarm.Info{LocalNodeState: swarm.LocalNodeStateInactive},
		IndexServerAddress: "https://index.docker.io/v1/",
		DefaultRuntime:     "runc",
		SystemStatus:       status,
	}
	return spliceInfo(info, status, sections)
}

// infoNodes lists the engines `docker info` shows, sorted by name, and a
// function that returns the manager's record of the i-th (the zero record
// without a nodes backend).
func (s *Server) infoNodes() ([]*engine.Engine, func(i int) *engine.NodeMeta) {
	engines := s.summary.Engines()
	var none engine.NodeMeta
	if s.nodes == nil {
		return engines, func(int) *engine.NodeMeta { return &none }
	}
	// SwarmNodes lists the same engines in the same order unless the
	// engine set changed between the two calls: then look them up.
	records := s.nodes.SwarmNodes()
	aligned := len(records) == len(engines)
	for i := 0; aligned && i < len(engines); i++ {
		aligned = records[i].Engine == engines[i]
	}
	if aligned {
		return engines, func(i int) *engine.NodeMeta { return &records[i].Meta }
	}
	byEngine := make(map[*engine.Engine]*engine.NodeMeta, len(records))
	for i := range records {
		byEngine[records[i].Engine] = &records[i].Meta
	}
	return engines, func(i int) *engine.NodeMeta {
		if m := byEngine[engines[i]]; m != nil {
			return m
		}
		return &none
	}
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
