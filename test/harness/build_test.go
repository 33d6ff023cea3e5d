package harness

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestRepoRoot(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if !isModuleRoot(root) {
		t.Fatalf("RepoRoot = %s, which has no swarm go.mod", root)
	}
	if _, err := os.Stat(filepath.Join(root, "test", "engines.sh")); err != nil {
		t.Fatalf("engines.sh not found from RepoRoot: %v", err)
	}
}

func TestBuildPackage(t *testing.T) {
	tests := []struct {
		name    string
		main    string
		wantOut string // what the built binary prints; "" = build must fail
	}{
		{name: "builds", main: "package main\n\nfunc main() { println(\"built-ok\") }\n", wantOut: "built-ok"},
		{name: "compile error", main: "package main\n\nfunc main() { undefinedThing() }\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, data string) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("go.mod", "module example.com/fake\n\ngo 1.21\n")
			write("main.go", tt.main)
			bin, err := buildPackage(dir, ".", filepath.Join(t.TempDir(), "out", "fake"))
			if tt.wantOut == "" {
				var be *BuildError
				if !errors.As(err, &be) {
					t.Fatalf("error = %v (%T), want *BuildError", err, err)
				}
				if !strings.Contains(be.Output, "undefinedThing") {
					t.Fatalf("BuildError.Output lacks the compiler message: %q", be.Output)
				}
				return
			}
			if err != nil {
				t.Fatalf("buildPackage: %v", err)
			}
			out, err := exec.Command(bin).CombinedOutput()
			if err != nil || !strings.Contains(string(out), tt.wantOut) {
				t.Fatalf("built binary: %v, output %q", err, out)
			}
		})
	}
}
