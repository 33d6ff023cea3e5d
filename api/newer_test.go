package api

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/volume"
)

func TestUnknownCreateFields(t *testing.T) {
	body := `{"Image":"busybox","Cmd":["true"],"FutureTop":1,"HostConfig":{"Memory":64,"Umask":"0027","binds":["/a:/b"]},"NetworkingConfig":{}}`
	top, host := unknownCreateFields([]byte(body))
	if len(top) != 1 || string(top["FutureTop"]) != "1" {
		t.Errorf("top-level unknown fields %v", top)
	}
	// "binds" is Binds as encoding/json matches it (case-insensitively).
	if len(host) != 1 || string(host["Umask"]) != `"0027"` {
		t.Errorf("HostConfig unknown fields %v", host)
	}
	if top, host := unknownCreateFields([]byte(`{"Image":"busybox","HostConfig":{"Memory":1}}`)); top != nil || host != nil {
		t.Errorf("a body the types know has unknown fields %v %v", top, host)
	}
}

func TestWriteInspectFor152(t *testing.T) {
	resp := inspectResponse{InspectResponse: inspect29()}
	resp.NetworkSettings.IPAddress = "172.17.0.2"
	resp.NetworkSettings.Bridge = "docker0"
	for _, tt := range []struct {
		v       string
		removed bool
	}{{"1.51", false}, {"1.52", true}, {"1.56", true}} {
		w := httptest.NewRecorder()
		if err := writeInspect(w, resp, tt.v); err != nil {
			t.Fatal(err)
		}
		var got struct {
			NetworkSettings map[string]json.RawMessage
			Config          map[string]json.RawMessage
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		_, hasIP := got.NetworkSettings["IPAddress"]
		_, hasBridge := got.NetworkSettings["Bridge"]
		_, hasNetworks := got.NetworkSettings["Networks"]
		if hasIP == tt.removed || hasBridge == tt.removed || !hasNetworks {
			t.Errorf("at %s: IPAddress %v Bridge %v Networks %v; want removed %v", tt.v, hasIP, hasBridge, hasNetworks, tt.removed)
		}
		if _, onBuild := got.Config["OnBuild"]; onBuild && tt.removed {
			t.Errorf("at %s: empty OnBuild kept", tt.v)
		}
	}
}

func TestDiskUsageFor(t *testing.T) {
	du := types.DiskUsage{
		LayersSize: 300,
		Images:     []*image.Summary{{ID: "a", Size: 100, Containers: 1}, {ID: "b", Size: 200}},
		Containers: []*container.Summary{{ID: "c1", SizeRw: 5, State: container.StateRunning}, {ID: "c2", SizeRw: 7, State: container.StateExited}},
		Volumes:    []*volume.Volume{{Name: "v", UsageData: &volume.UsageData{Size: 9, RefCount: 0}}},
		BuildCache: []*build.CacheRecord{{ID: "x", Size: 4, InUse: true}, {ID: "y", Size: 6}},
	}
	keys := func(v any) map[string]json.RawMessage {
		b, _ := json.Marshal(v)
		var m map[string]json.RawMessage
		_ = json.Unmarshal(b, &m)
		return m
	}
	tests := []struct {
		v              string
		verbose        bool
		legacy, usage  bool
		wantImageUsage string
	}{
		{"1.51", false, true, false, ""},
		{"1.52", false, true, true, `{"ActiveCount":1,"Reclaimable":200,"TotalCount":2,"TotalSize":300}`},
		{"1.53", false, false, true, `{"ActiveCount":1,"Reclaimable":200,"TotalCount":2,"TotalSize":300}`},
	}
	for _, tt := range tests {
		m := keys(diskUsageFor(du, tt.v, tt.verbose))
		_, legacy := m["LayersSize"]
		_, usage := m["ImageUsage"]
		if legacy != tt.legacy || usage != tt.usage {
			t.Errorf("at %s: legacy %v usage %v; want %v %v (%v)", tt.v, legacy, usage, tt.legacy, tt.usage, m)
		}
		if tt.wantImageUsage != "" && string(m["ImageUsage"]) != tt.wantImageUsage {
			t.Errorf("at %s: ImageUsage %s, want %s", tt.v, m["ImageUsage"], tt.wantImageUsage)
		}
		if tt.usage && (string(m["ContainerUsage"]) != `{"ActiveCount":1,"Reclaimable":7,"TotalCount":2,"TotalSize":12}` ||
			string(m["VolumeUsage"]) != `{"Reclaimable":9,"TotalCount":1,"TotalSize":9}` ||
			string(m["BuildCacheUsage"]) != `{"ActiveCount":1,"Reclaimable":6,"TotalCount":2,"TotalSize":10}`) {
			t.Errorf("at %s: %s %s %s", tt.v, m["ContainerUsage"], m["VolumeUsage"], m["BuildCacheUsage"])
		}
	}
	verbose := keys(diskUsageFor(du, "1.53", true))
	if !strings.Contains(string(verbose["ImageUsage"]), `"Items":[`) {
		t.Errorf("verbose df lacks the items: %s", verbose["ImageUsage"])
	}
}

func TestAnnotationsMatch(t *testing.T) {
	got := map[string]string{"team": "web", "tier": ""}
	for _, tt := range []struct {
		want []string
		ok   bool
	}{
		{[]string{"team"}, true},
		{[]string{"team=web"}, true},
		{[]string{"team=db"}, false},
		{[]string{"tier="}, true},
		{[]string{"team", "owner"}, false},
	} {
		if annotationsMatch(tt.want, got) != tt.ok {
			t.Errorf("annotationsMatch(%q) = %v", tt.want, !tt.ok)
		}
	}
}
