package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// module is the import path prefix of this repository's packages.
const module = "github.com/swarm-project/swarm"

// importGraph maps an import path to the packages its non-test Go files
// import (the Imports of `go list`).
type importGraph map[string][]string

// layerRule forbids packages to depend on others. Paths are relative to the
// module; "x/..." matches x and every package below it, as in `go list`.
type layerRule struct {
	pkg       string   // the packages the rule applies to
	forbidden []string // what they must not import
	// direct restricts the rule to the packages' own imports; otherwise
	// the whole dependency closure is checked.
	direct bool
	why    string // the design reason, shown when the rule breaks
}

// layerRules is the import direction of the repository (CONTRIBUTING.md,
// docs/architecture.md): cli -> api -> cluster/engine values, and
// cli -> cluster -> scheduler -> filters, with scheduler and filters seeing
// only scheduler/node values, and discovery below cluster.
var layerRules = []layerRule{
	{
		pkg:       "api",
		forbidden: []string{"filters/...", "scheduler/...", "cluster", "discovery/..."},
		why: "the API layer decodes, asks the cluster through its own small interfaces, and encodes: " +
			"it sees only the engine package's values, never placement, the scheduler or the cluster type",
	},
	{
		pkg:       "cluster/engine",
		forbidden: []string{"cluster", "filters/...", "scheduler/...", "discovery/..."},
		why:       "an engine and its cache know nothing of the cluster around them or of placement",
	},
	{
		pkg:       "cluster/...",
		forbidden: []string{"api/..."},
		why:       "the cluster never imports the API layer; the API reaches engines through the cluster",
	},
	{
		pkg:       "scheduler/...",
		forbidden: []string{"api/...", "cluster/..."},
		why:       "the scheduler sees only scheduler/node snapshots and requests",
	},
	{
		pkg:       "filters/...",
		forbidden: []string{"api/...", "cluster/..."},
		why:       "filters see only scheduler/node snapshots and requests",
	},
	{
		pkg:       "discovery/...",
		forbidden: []string{"api/...", "cluster/..."},
		why:       "discovery only hands addresses to the cluster",
	},
}

// TestLayering checks layerRules against the repository's packages as
// `go list -deps` sees them. `make lint` runs it.
func TestLayering(t *testing.T) {
	g, err := listImports("./...")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range layerRules {
		t.Run(r.pkg, func(t *testing.T) {
			v, err := g.violations(module, r)
			if err != nil {
				t.Fatal(err)
			}
			if len(v) > 0 {
				t.Fatalf("%s must not depend on %s (%s):\n\t%s", r.pkg, strings.Join(r.forbidden, ", "), r.why, strings.Join(v, "\n\t"))
			}
		})
	}
}

// listImports runs `go list -deps` on the patterns and returns the import
// graph of every package listed.
func listImports(patterns ...string) (importGraph, error) {
	args := append([]string{"list", "-e", "-deps", "-json=ImportPath,Imports,Error"}, patterns...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, stderr.String())
	}
	g := importGraph{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
			Error      *struct{ Err string }
		}
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			return g, nil
		}
		if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("go list: %s: %s", p.ImportPath, p.Error.Err)
		}
		g[p.ImportPath] = p.Imports
	}
}

// match reports whether path matches pattern: pattern itself, or, for
// "x/...", x or any package below it.
func match(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

// violations lists, as import chains ("a -> b -> c"), how the packages of
// r reach a forbidden package; prefix is the module path the rule's paths
// are relative to. A rule that matches no package of g is an error, so that
// a renamed package cannot make it hold silently.
func (g importGraph) violations(prefix string, r layerRule) ([]string, error) {
	abs := func(p string) string { return prefix + "/" + p }
	forbidden := func(path string) bool {
		for _, f := range r.forbidden {
			if match(abs(f), path) {
				return true
			}
		}
		return false
	}
	var roots []string
	for path := range g {
		if match(abs(r.pkg), path) {
			roots = append(roots, path)
		}
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("no package matches %s", abs(r.pkg))
	}
	sort.Strings(roots)
	var out []string
	for _, root := range roots {
		for _, chain := range g.reach(root, forbidden, r.direct) {
			for i, p := range chain {
				chain[i] = strings.TrimPrefix(p, prefix+"/")
			}
			out = append(out, strings.Join(chain, " -> "))
		}
	}
	return out, nil
}

// reach returns, for every package matching bad that root imports
// (directly, or also transitively unless direct), the shortest import
// chain from root to it, sorted.
func (g importGraph) reach(root string, bad func(string) bool, direct bool) [][]string {
	parent := map[string]string{root: ""}
	queue := []string{root}
	var found []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		imports := append([]string(nil), g[p]...)
		sort.Strings(imports)
		for _, imp := range imports {
			if _, seen := parent[imp]; seen {
				continue
			}
			parent[imp] = p
			if bad(imp) {
				found = append(found, imp)
			}
			if !direct {
				queue = append(queue, imp)
			}
		}
	}
	sort.Strings(found)
	chains := make([][]string, 0, len(found))
	for _, f := range found {
		var chain []string
		for p := f; p != ""; p = parent[p] {
			chain = append([]string{p}, chain...)
		}
		chains = append(chains, chain)
	}
	return chains
}
