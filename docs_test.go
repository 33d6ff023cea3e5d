package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestArchitectureWalksMatchTheCode checks every "path/file.go  Name" step
// of docs/architecture.md's walks: the file exists and declares Name (a
// function, method or type), so the drawing cannot drift from the code.
func TestArchitectureWalksMatchTheCode(t *testing.T) {
	doc, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	step := regexp.MustCompile(`(?m)^\s*(?:daemon /events ──>\s*)?((?:api|cluster|cli)[\w/]*\.go)\s+(\w+)\s`)
	steps := step.FindAllStringSubmatch(string(doc), -1)
	t.Logf("%d walk steps", len(steps))
	if len(steps) < 12 {
		t.Fatalf("found %d walk steps in docs/architecture.md, want at least 12", len(steps))
	}
	for _, s := range steps {
		file, name := s[1], s[2]
		src, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("step %q: %v", strings.TrimSpace(s[0]), err)
			continue
		}
		// func Name(, func (recv) Name(, type Name, or an interface method.
		decl := regexp.MustCompile(`(?m)^(func (\([^)]*\) )?` + name + `[\[(]|type ` + name + `\b|\t` + name + `\()`)
		if !decl.Match(src) {
			t.Errorf("step %q: %s declares no %s", strings.TrimSpace(s[0]), file, name)
		}
	}
}
