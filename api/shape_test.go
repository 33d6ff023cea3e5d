package api

import (
	"slices"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

const testID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// inspect29 is a container as the manager reads it from Engine 29 (at
// API 1.51): DNSNames, no short ID among the aliases, the newer fields set.
func inspect29() container.InspectResponse {
	return container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{
			ID: testID, Name: "/web",
			HostConfig: &container.HostConfig{
				Annotations: map[string]string{"a": "b"},
				Mounts:      []mount.Mount{{Type: mount.TypeBind, Source: "/s", Target: "/t", BindOptions: &mount.BindOptions{ReadOnlyNonRecursive: true}}},
			},
		},
		Config: &container.Config{Healthcheck: &container.HealthConfig{StartInterval: time.Second}},
		NetworkSettings: &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{
			"app":    {Aliases: []string{"web-alias"}, DNSNames: []string{"web", testID[:12], "web-alias"}, GwPriority: 5},
			"bridge": {},
		}},
		ImageManifestDescriptor: &ocispec.Descriptor{MediaType: "x"},
	}
}

// inspect2010 is the same container read from a 20.10 engine (API 1.41).
func inspect2010() container.InspectResponse {
	return container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{ID: testID, Name: "/web", HostConfig: &container.HostConfig{}},
		Config:            &container.Config{},
		NetworkSettings: &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{
			"app":    {Aliases: []string{"web-alias", testID[:12]}},
			"bridge": {},
		}},
	}
}

func TestShapeContainer(t *testing.T) {
	t.Run("Engine 29 answer for a 1.41 client looks like 20.10's", func(t *testing.T) {
		src := inspect29()
		got := shapeContainer(src, "1.51", "1.41")
		app := got.NetworkSettings.Networks["app"]
		if !slices.Equal(app.Aliases, []string{"web-alias", testID[:12]}) || app.DNSNames != nil || app.GwPriority != 0 {
			t.Errorf("endpoint %+v", app)
		}
		if got.ImageManifestDescriptor != nil || got.HostConfig.Annotations != nil ||
			got.HostConfig.Mounts[0].BindOptions.ReadOnlyNonRecursive || got.Config.Healthcheck.StartInterval != 0 {
			t.Errorf("newer fields kept: %+v %+v %+v", got.ImageManifestDescriptor, got.HostConfig, got.Config.Healthcheck)
		}
		if b := got.NetworkSettings.Networks["bridge"]; len(b.Aliases) != 0 {
			t.Errorf("the default bridge got aliases %q", b.Aliases)
		}
		// The cached value is shared: it must not change.
		orig := inspect29()
		if !slices.Equal(src.NetworkSettings.Networks["app"].Aliases, orig.NetworkSettings.Networks["app"].Aliases) ||
			src.HostConfig.Annotations == nil || !src.HostConfig.Mounts[0].BindOptions.ReadOnlyNonRecursive ||
			src.Config.Healthcheck.StartInterval == 0 || src.NetworkSettings.Networks["app"].GwPriority != 5 {
			t.Errorf("shaping modified the cached container")
		}
	})
	t.Run("20.10 answer for a 1.51 client has DNSNames", func(t *testing.T) {
		got := shapeContainer(inspect2010(), "1.41", "1.51")
		app := got.NetworkSettings.Networks["app"]
		if !slices.Equal(app.Aliases, []string{"web-alias"}) || !slices.Equal(app.DNSNames, []string{"web", testID[:12], "web-alias"}) {
			t.Errorf("endpoint %+v", app)
		}
	})
	t.Run("same version untouched", func(t *testing.T) {
		got := shapeContainer(inspect29(), "1.51", "1.51")
		if got.NetworkSettings.Networks["app"].GwPriority != 5 || got.ImageManifestDescriptor == nil {
			t.Errorf("a 1.51 answer for a 1.51 client changed")
		}
	})
	t.Run("1.45 client keeps DNSNames, loses GwPriority", func(t *testing.T) {
		got := shapeContainer(inspect29(), "1.51", "1.45")
		app := got.NetworkSettings.Networks["app"]
		if app.DNSNames == nil || app.GwPriority != 0 || slices.Contains(app.Aliases, testID[:12]) {
			t.Errorf("endpoint %+v", app)
		}
	})
}

func TestShapeSummaryAndImages(t *testing.T) {
	s := container.Summary{ImageManifestDescriptor: &ocispec.Descriptor{}}
	s.HostConfig.Annotations = map[string]string{"a": "b"}
	s.NetworkSettings = &container.NetworkSettingsSummary{Networks: map[string]*network.EndpointSettings{"app": {GwPriority: 3}}}
	got := shapeSummary(s, "1.51", "1.41")
	if got.ImageManifestDescriptor != nil || got.HostConfig.Annotations != nil || got.NetworkSettings.Networks["app"].GwPriority != 0 {
		t.Errorf("ps entry for 1.41: %+v", got)
	}
	if s.NetworkSettings.Networks["app"].GwPriority != 3 {
		t.Errorf("shaping modified the cached entry")
	}

	img := image.Summary{Size: 100, Descriptor: &ocispec.Descriptor{}, Manifests: []image.ManifestSummary{{}}}
	for _, tt := range []struct {
		v       string
		virtual int64
		newer   bool
	}{{"1.41", 100, false}, {"1.44", 0, false}, {"1.48", 0, true}} {
		got := shapeImage(img, tt.v)
		if got.VirtualSize != tt.virtual || (got.Descriptor != nil) != tt.newer { //nolint:staticcheck
			t.Errorf("image for %s: VirtualSize %d Descriptor %v", tt.v, got.VirtualSize, got.Descriptor) //nolint:staticcheck
		}
	}
}
