package harness

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// ErrRepoRoot is returned when the repository root cannot be found.
var ErrRepoRoot = errors.New("harness: cannot find the repository root (go.mod)")

// StateDir is where engines, registries and logs keep their state:
// $SWARM_TEST_DIR, or /tmp/swarm-test.
func StateDir() string {
	d := os.Getenv("SWARM_TEST_DIR")
	if d == "" {
		return "/tmp/swarm-test"
	}
	// engines.sh uses the absolute, cleaned path (realpath -ms).
	if abs, err := filepath.Abs(d); err == nil {
		return abs
	}
	return filepath.Clean(d)
}

var (
	// rootMu guards rootDir and rootErr.
	rootMu  sync.Mutex
	rootDir string
	rootErr error
)

// RepoRoot returns the directory holding the repository's go.mod. It is
// found from this source file's location, or else from `go env GOMOD`.
func RepoRoot() (string, error) {
	rootMu.Lock()
	defer rootMu.Unlock()
	if rootDir == "" && rootErr == nil {
		rootDir, rootErr = findRepoRoot()
	}
	return rootDir, rootErr
}

func findRepoRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		// file is <root>/test/harness/paths.go.
		dir := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		if isModuleRoot(dir) {
			return dir, nil
		}
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err == nil {
		gomod := strings.TrimSpace(string(out))
		if gomod != "" && gomod != os.DevNull {
			return filepath.Dir(gomod), nil
		}
	}
	return "", ErrRepoRoot
}

func isModuleRoot(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && bytes.Contains(data, []byte("module github.com/swarm-project/swarm"))
}

// scriptPath returns the path of a script under test/.
func scriptPath(name string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "test", name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("harness: %w", err)
	}
	return p, nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// fileTail returns the last n lines of the file at path, or a note saying
// why it cannot be read.
func fileTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	return tail(string(data), n)
}
