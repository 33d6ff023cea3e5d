package api

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"

	"github.com/swarm-project/swarm/test/simengine"
)

func TestListContainersIsTask(t *testing.T) {
	a := newSimAPI(t,
		simengine.Config{Name: "node-1", Containers: []simengine.Container{
			{Name: "task", Config: &container.Config{Labels: map[string]string{"com.docker.swarm.task": "x"}}},
			{Name: "empty-task", Config: &container.Config{Labels: map[string]string{"com.docker.swarm.task": ""}}},
			{Name: "plain", Config: &container.Config{Labels: map[string]string{"com.docker.swarm.task.id": "x"}}},
		}},
		simengine.Config{Name: "node-2", Containers: []simengine.Container{{Name: "other"}}},
	)
	tests := []struct {
		name   string
		filter string
		want   []string // sorted names
		code   int
		msg    string
	}{
		{name: "true", filter: `{"is-task":["true"]}`, want: []string{"/node-1/empty-task", "/node-1/task"}},
		{name: "false", filter: `{"is-task":["false"]}`, want: []string{"/node-1/plain", "/node-2/other"}},
		{name: "true wins over false", filter: `{"is-task":["false","true"]}`, want: []string{"/node-1/empty-task", "/node-1/task"}},
		{name: "with another filter", filter: `{"is-task":["true"],"name":["empty"]}`, want: []string{"/node-1/empty-task"}},
		{name: "bad value", filter: `{"is-task":["maybe"]}`, code: http.StatusBadRequest, msg: `{"message":"Invalid filter 'is-task=[maybe]'"}`},
		{name: "bad values sorted", filter: `{"is-task":["no","maybe"]}`, code: http.StatusBadRequest, msg: `{"message":"Invalid filter 'is-task=[maybe no]'"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/v1.41/containers/json?all=1&filters=" + url.QueryEscape(tt.filter)
			if tt.code != 0 {
				code, _, body := a.do("GET", path, nil)
				if code != tt.code || strings.TrimSpace(string(body)) != tt.msg {
					t.Fatalf("answer %d %s, want %d %s", code, body, tt.code, tt.msg)
				}
				return
			}
			var list []container.Summary
			a.getJSON(path, &list)
			got := []string{}
			for _, c := range list {
				got = append(got, c.Names[0])
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("names %v, want %v", got, tt.want)
			}
		})
	}
}
