package harness

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseEngineKind(t *testing.T) {
	tests := []struct {
		in      string
		want    EngineKind
		api     string
		min     string
		wantErr bool
	}{
		{in: "20.10", want: Engine2010, api: "1.41", min: "1.12"},
		{in: "29", want: Engine29, api: "1.56", min: "1.44"},
		{in: " 29\n", want: Engine29, api: "1.56", min: "1.44"},
		{in: "", wantErr: true},
		{in: "28", wantErr: true},
		{in: "29.0", wantErr: true},
		{in: "docker", wantErr: true},
	}
	for _, tt := range tests {
		k, err := ParseEngineKind(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrBadKind) {
				t.Errorf("ParseEngineKind(%q) = %q, %v; want ErrBadKind", tt.in, k, err)
			}
			continue
		}
		if err != nil || k != tt.want {
			t.Errorf("ParseEngineKind(%q) = %q, %v; want %q", tt.in, k, err, tt.want)
			continue
		}
		if k.APIVersion() != tt.api || k.MinAPIVersion() != tt.min {
			t.Errorf("%q: API %s..%s, want %s..%s", k, k.MinAPIVersion(), k.APIVersion(), tt.min, tt.api)
		}
	}
	if v := EngineKind("bogus").APIVersion(); v != "" {
		t.Errorf("unknown kind has API version %q", v)
	}
}

func TestDefaultEngineKind(t *testing.T) {
	for _, tt := range []struct {
		env     string
		want    EngineKind
		wantErr bool
	}{
		{env: "", want: Engine2010},
		{env: "20.10", want: Engine2010},
		{env: "29", want: Engine29},
		{env: "30", wantErr: true},
	} {
		t.Setenv("SWARM_ENGINE_KIND", tt.env)
		k, err := DefaultEngineKind()
		if (err != nil) != tt.wantErr || k != tt.want {
			t.Errorf("SWARM_ENGINE_KIND=%q: DefaultEngineKind() = %q, %v; want %q (error %v)", tt.env, k, err, tt.want, tt.wantErr)
		}
	}
}

func TestNewEngineKind(t *testing.T) {
	t.Setenv("SWARM_TEST_DIR", "/tmp/st")
	t.Setenv("SWARM_ENGINE_PORT_BASE", "")

	t.Setenv("SWARM_ENGINE_KIND", "")
	e, err := NewEngine(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != Engine2010 || e.APIVersion() != "1.41" || e.MinAPIVersion() != "1.12" {
		t.Fatalf("default engine: kind %q, API %s..%s", e.Kind, e.MinAPIVersion(), e.APIVersion())
	}

	t.Setenv("SWARM_ENGINE_KIND", "29")
	if e, err = NewEngine(3, nil); err != nil {
		t.Fatal(err)
	}
	if e.Kind != Engine29 || e.APIVersion() != "1.56" || e.MinAPIVersion() != "1.44" {
		t.Fatalf("SWARM_ENGINE_KIND=29: kind %q, API %s..%s", e.Kind, e.MinAPIVersion(), e.APIVersion())
	}

	t.Setenv("SWARM_ENGINE_KIND", "nineteen")
	if e, err = NewEngine(3, nil); !errors.Is(err, ErrBadKind) {
		t.Fatalf("SWARM_ENGINE_KIND=nineteen: NewEngine = %+v, %v; want ErrBadKind", e, err)
	}

	// An Engine written as a literal has no kind: it reads as 20.10.
	if v := (&Engine{N: 1}).APIVersion(); v != "1.41" {
		t.Fatalf("Engine without a kind: API version %q, want 1.41", v)
	}
}

func TestKindsFor(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		n       int
		cfg     EnginesConfig
		want    []EngineKind
		wantErr string
	}{
		{name: "default", n: 2, want: []EngineKind{Engine2010, Engine2010}},
		{name: "default from the environment", env: "29", n: 2, want: []EngineKind{Engine29, Engine29}},
		{name: "one kind for all", env: "29", n: 3, cfg: EnginesConfig{Kind: Engine2010}, want: []EngineKind{Engine2010, Engine2010, Engine2010}},
		{name: "mixed", n: 4, cfg: EnginesConfig{Kinds: map[int]EngineKind{2: Engine29, 3: Engine29}},
			want: []EngineKind{Engine2010, Engine2010, Engine29, Engine29}},
		{name: "mixed over a kind", n: 2, cfg: EnginesConfig{Kind: Engine29, Kinds: map[int]EngineKind{0: Engine2010}},
			want: []EngineKind{Engine2010, Engine29}},
		{name: "kind for a missing engine", n: 2, cfg: EnginesConfig{Kinds: map[int]EngineKind{2: Engine29}}, wantErr: "only 2 engines"},
		{name: "negative position", n: 2, cfg: EnginesConfig{Kinds: map[int]EngineKind{-1: Engine29}}, wantErr: "only 2 engines"},
		{name: "unknown kind", n: 1, cfg: EnginesConfig{Kind: "27"}, wantErr: "must be 20.10 or 29"},
		{name: "unknown kind by position", n: 1, cfg: EnginesConfig{Kinds: map[int]EngineKind{0: "1.13"}}, wantErr: "must be 20.10 or 29"},
		{name: "bad environment", env: "x", n: 1, wantErr: "SWARM_ENGINE_KIND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SWARM_ENGINE_KIND", tt.env)
			got, err := kindsFor(tt.n, tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("kindsFor = %q, %v; want an error saying %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("kindsFor = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestStartEnginesWithRejectsBadKinds: bad kinds fail before any build,
// claim or start.
func TestStartEnginesWithRejectsBadKinds(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SWARM_TEST_DIR", dir)
	t.Setenv("SWARM_ENGINE_KIND", "")
	for _, cfg := range []EnginesConfig{
		{Kind: "30"},
		{Kinds: map[int]EngineKind{1: Engine29}},
		{Kinds: map[int]EngineKind{0: "latest"}},
	} {
		engs, err := StartEnginesWith(1, cfg)
		if err == nil {
			StopEngines(engs)
			t.Fatalf("StartEnginesWith(1, %+v) did not fail", cfg)
		}
	}
	if e, err := NewEngine(1, nil); err == nil && e.Running() {
		t.Fatalf("%v runs", e)
	}
}
