package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/cluster/state"
)

func TestOpenState(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		wantFile bool
		wantErr  string
	}{
		{name: "no flag: memory", path: ""},
		{name: "new file", path: filepath.Join(dir, "sub", "state.json"), wantFile: true},
		{name: "not a state file", path: bad, wantErr: "is not a swarm state file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := openState(tt.path)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("openState(%q) = %v, want %q", tt.path, err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if _, isFile := s.(*state.File); isFile != tt.wantFile || (!tt.wantFile && s != nil) {
				t.Fatalf("openState(%q) = %#v", tt.path, s)
			}
		})
	}
	if data, _ := os.ReadFile(bad); string(data) != "not json" {
		t.Fatalf("a foreign file was overwritten: %q", data)
	}
}
