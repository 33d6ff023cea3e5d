// Package uitest loads the manager's live cluster page (/ui/) in a real
// headless browser, Debian's chromium, against a manager over three real
// engines: every node and container appears, and a container created while
// the page is open shows up without a reload.
//
// One set of three engines and one manager serve the package (TestMain).
// test/ui.sh installs chromium when it is missing.
package uitest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

var (
	cluster  *harness.Cluster
	chromium string
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m, setup)) }

func setup() (func(failed bool), error) {
	root, err := harness.RepoRoot()
	if err != nil {
		return func(bool) {}, err
	}
	out, err := exec.Command("bash", filepath.Join(root, "test", "ui.sh")).Output()
	if err != nil {
		return func(bool) {}, fmt.Errorf("test/ui.sh: %w", err)
	}
	chromium = strings.TrimSpace(string(out))
	c, err := harness.StartCluster(3, nil)
	cluster = c
	if err != nil {
		return c.Teardown, err
	}
	return c.Teardown, nil
}

// docker runs the docker CLI against the manager and fails the test on a
// non-zero exit.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := cluster.Manager.Docker(args...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(out)
}

// browse runs headless chromium on url with extra flags (--dump-dom or
// --screenshot=PATH) and a virtual time budget in milliseconds, and
// returns its stdout.
func browse(ctx context.Context, t *testing.T, url string, budgetMS int, flags ...string) string {
	t.Helper()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + profileDir(t),
		fmt.Sprintf("--virtual-time-budget=%d", budgetMS),
	}, flags...)
	cmd := exec.CommandContext(ctx, chromium, append(args, url)...)
	ownGroup(cmd)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, stderr.String())
	}
	return string(out)
}
