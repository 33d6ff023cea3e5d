package filters

import (
	"errors"
	"slices"
	"testing"
)

func TestRegistry(t *testing.T) {
	if registryErr != nil {
		t.Fatalf("registry: %v", registryErr)
	}
	want := []string{"health", "port", "containerslots", "dependency", "affinity", "constraint", "whitelist"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			f, err := New(name)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name() != name {
				t.Errorf("New(%q).Name() = %q", name, f.Name())
			}
		})
	}
}

func TestRegistryErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "unknown", in: "nope"},
		{name: "empty", in: ""},
		{name: "wrong case", in: "Health"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.in); !errors.Is(err, ErrUnknownFilter) {
				t.Errorf("New(%q) error = %v, want ErrUnknownFilter", tt.in, err)
			}
		})
	}
}

func TestBuildRegistryDuplicate(t *testing.T) {
	_, err := buildRegistry([]entry{{"a", func() Filter { return Health{} }}, {"a", func() Filter { return Health{} }}})
	if err == nil {
		t.Error("want an error for a duplicate name")
	}
}
