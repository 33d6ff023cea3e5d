package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// buildTimeout bounds one `go build` of the swarm binary.
const buildTimeout = 5 * time.Minute

// BuildError is returned when `go build` fails; Output is what it printed.
type BuildError struct {
	Dir    string
	Output string
	Err    error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("harness: go build in %s: %v\n%s", e.Dir, e.Err, tail(e.Output, 40))
}

func (e *BuildError) Unwrap() error { return e.Err }

var (
	// buildMu guards builtBin and buildErr: the binary is built once per
	// test process.
	buildMu  sync.Mutex
	builtBin string
	buildErr error
)

// BuildSwarm builds the repository's main package once per test process and
// returns the binary's path. A failed build is a *BuildError with the
// compiler output; it is not retried within the process.
func BuildSwarm() (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if builtBin != "" || buildErr != nil {
		return builtBin, buildErr
	}
	root, err := RepoRoot()
	if err != nil {
		buildErr = err
		return "", err
	}
	binDir := filepath.Join(StateDir(), "bin")
	removeStaleBinDirs(binDir)
	out := filepath.Join(binDir, strconv.Itoa(os.Getpid()), "swarm")
	builtBin, buildErr = buildPackage(root, ".", out)
	return builtBin, buildErr
}

// buildPackage runs `go build -o out pkg` in dir.
func buildPackage(dir, pkg, out string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", fmt.Errorf("harness: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	_, stderr, err := runIn(ctx, dir, "go", "build", "-o", out, pkg)
	if err != nil {
		return "", &BuildError{Dir: dir, Output: stderr, Err: err}
	}
	return out, nil
}

// removeStaleBinDirs deletes the binaries built by test processes that are
// gone (their directories are named after their PIDs).
func removeStaleBinDirs(binDir string) {
	ents, err := os.ReadDir(binDir)
	if err != nil {
		return
	}
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if !processAlive(pid) {
			_ = os.RemoveAll(filepath.Join(binDir, ent.Name()))
		}
	}
}
