package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const registryTimeout = 5 * time.Minute

// Registry is a local image registry started by test/registry.sh, holding
// library/busybox:latest (the same image, same ID, as the engines' busybox).
type Registry struct {
	Addr string // 127.0.0.1:PORT
	Dir  string // its config, storage and log
	port int
}

// Mirror is the registry's URL, for SWARM_REGISTRY_MIRROR or Engine.Mirror.
func (r *Registry) Mirror() string { return "http://" + r.Addr }

// StartRegistry starts a registry of this process's own on a free loopback
// port and pushes busybox into it. Engines started with its Mirror can
// `docker pull busybox`; `docker pull` of Addr/library/busybox works on any
// engine (loopback registries are insecure by default).
func StartRegistry() (*Registry, error) {
	sweepRegistries()
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	r := &Registry{
		Addr: "127.0.0.1:" + strconv.Itoa(port),
		Dir:  filepath.Join(StateDir(), "registry-"+strconv.Itoa(port)),
		port: port,
	}
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	owner := strconv.Itoa(os.Getpid()) + "\n"
	if err := os.WriteFile(filepath.Join(r.Dir, ownerFile), []byte(owner), 0o644); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	if _, err := r.script("start"); err != nil {
		_, _ = r.script("stop", "--purge")
		return nil, err
	}
	return r, nil
}

// Stop stops the registry and deletes its storage.
func (r *Registry) Stop() error {
	_, err := r.script("stop", "--purge")
	return err
}

// Log returns the last lines of the registry's log.
func (r *Registry) Log() string { return fileTail(filepath.Join(r.Dir, "registry.log"), 50) }

func (r *Registry) script(args ...string) (string, error) {
	return registryScript(r.port, r.Dir, args...)
}

func registryScript(port int, dir string, args ...string) (string, error) {
	script, err := scriptPath("registry.sh")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	cmd := append([]string{"env",
		"SWARM_REGISTRY_PORT=" + strconv.Itoa(port),
		"SWARM_REGISTRY_DIR=" + dir,
		"SWARM_TEST_DIR=" + StateDir(),
		"bash", script}, args...)
	out, _, err := run(ctx, "", cmd...)
	return out, err
}

// sweepRegistries stops registries whose test process is gone.
func sweepRegistries() {
	dirs, _ := filepath.Glob(filepath.Join(StateDir(), "registry-*"))
	for _, dir := range dirs {
		port, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(dir), "registry-"))
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		_, _ = registryScript(port, dir, "stop", "--purge")
	}
}

// processAlive reports whether a process with this PID exists.
func processAlive(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return !errors.Is(err, os.ErrNotExist)
}
