package api

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/cluster/engine"
)

func TestWantsNodeNames(t *testing.T) {
	tests := []struct {
		name, agent string
		want        bool
	}{
		{name: "docker CLI", agent: "Docker-Client/28.2.2 (linux)", want: true},
		{name: "compose v2", agent: "compose/v2.29.7", want: false},
		{name: "docker-py", agent: "docker-sdk-python/5.0.3", want: false},
		{name: "none", agent: "", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/networks", nil)
			r.Header.Set("User-Agent", tc.agent)
			if got := wantsNodeNames(r); got != tc.want {
				t.Errorf("wantsNodeNames(%q) = %v", tc.agent, got)
			}
		})
	}
}

func TestReferencedTags(t *testing.T) {
	args := filters.NewArgs(filters.Arg("reference", "it-*"))
	got := referencedTags(args, []string{"busybox:latest", "it-tag:1", "reg:5000/it-x:2"})
	if !slices.Equal(got, []string{"it-tag:1"}) {
		t.Errorf("referencedTags = %q", got)
	}
}

func TestDisplayEvent(t *testing.T) {
	node := &cluster.EventNode{Name: "node-1", Addr: "127.0.0.1:2375", IP: "127.0.0.1"}
	tests := []struct {
		name   string
		in     cluster.Event
		wantID string
	}{
		{name: "engine never reached", in: cluster.Event{Message: events.Message{Type: engine.ManagerEventType, Action: "engine_disconnect"}, Node: node}, wantID: "127.0.0.1:2375"},
		{name: "engine with ID", in: cluster.Event{Message: events.Message{Type: engine.ManagerEventType, Action: "engine_connect", Actor: events.Actor{ID: "ABC"}}, Node: node}, wantID: "ABC"},
		{name: "container tagged", in: cluster.Event{Message: events.Message{Type: "container", Action: "start", Actor: events.Actor{ID: "c1", Attributes: map[string]string{"name": "web"}}}, Node: node}, wantID: "c1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := displayEvent(tc.in)
			if out.Actor.ID != tc.wantID {
				t.Errorf("actor ID %q, want %q", out.Actor.ID, tc.wantID)
			}
			if out.Type == engine.ManagerEventType && (out.Actor.Attributes["name"] != "node-1" || out.Status != string(out.Action)) {
				t.Errorf("engine event shown as %+v", out)
			}
			a := out.Actor.Attributes
			if a["node.name"] != "node-1" || a["node.addr"] != "127.0.0.1:2375" || a["node.ip"] != "127.0.0.1" {
				t.Errorf("node attributes %v", a)
			}
			if out.Type == "container" && (a["name"] != "web" || out.Status != "") {
				t.Errorf("container event shown as %+v", out)
			}
			if _, ok := tc.in.Actor.Attributes["node.name"]; ok {
				t.Errorf("displayEvent changed the stored event's attributes")
			}
		})
	}
}

func TestStatusOfNodeErrors(t *testing.T) {
	inner := &cluster.NotFoundError{Kind: "image", Ref: "x"}
	err := &engine.NodeError{Node: "node-2", Err: inner}
	if got := statusCode(err); got != http.StatusNotFound {
		t.Errorf("status %d, want 404", got)
	}
	if err.Error() != "node-2: No such image: x" {
		t.Errorf("message %q", err.Error())
	}
}
