package api

import (
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/image"

	"github.com/swarm-project/swarm/test/simengine"
)

func TestListImagesAll(t *testing.T) {
	id := func(s string) string { return "sha256:" + strings.Repeat(s, 64) }
	none := func(img image.Summary) image.Summary {
		img.RepoTags, img.RepoDigests = []string{"<none>:<none>"}, []string{"<none>@<none>"}
		return img
	}
	base := image.Summary{ID: id("a"), RepoTags: []string{"busybox:latest"}, Created: 1}
	mid := none(image.Summary{ID: id("b"), ParentID: id("a"), Created: 2}) // a build's first step
	built := image.Summary{ID: id("c"), ParentID: id("b"), RepoTags: []string{"app:1"}, Created: 3}
	dangling := none(image.Summary{ID: id("d"), ParentID: id("a"), Created: 4}) // an untagged leaf
	a := newSimAPI(t,
		simengine.Config{Name: "node-1", Images: []image.Summary{base, mid, built, dangling}},
		// node-2 holds the same intermediate image, tagged there.
		simengine.Config{Name: "node-2", Images: []image.Summary{
			base, {ID: id("b"), ParentID: id("a"), RepoTags: []string{"mid:tagged"}, Created: 2},
		}},
	)
	tests := []struct {
		name  string
		query string
		want  []string // "ID-letter tags", newest first
	}{
		{"default hides untagged parents", "", []string{"d <none>:<none>", "c app:1", "b mid:tagged", "a busybox:latest"}},
		{"node-1 default", "filters=" + url.QueryEscape(`{"node":["node-1"]}`), []string{"d <none>:<none>", "c app:1", "a busybox:latest"}},
		{"node-1 all", "all=1&filters=" + url.QueryEscape(`{"node":["node-1"]}`), []string{"d <none>:<none>", "c app:1", "b <none>:<none>", "a busybox:latest"}},
		{"all merges tags without the placeholder", "all=1", []string{"d <none>:<none>", "c app:1", "b mid:tagged", "a busybox:latest"}},
		{"dangling without all", "filters=" + url.QueryEscape(`{"dangling":["true"],"node":["node-1"]}`), []string{"d <none>:<none>"}},
		{"dangling with all", "all=true&filters=" + url.QueryEscape(`{"dangling":["true"],"node":["node-1"]}`), []string{"d <none>:<none>", "b <none>:<none>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list []image.Summary
			a.getJSON("/v1.41/images/json?"+tt.query, &list)
			var got []string
			for _, img := range list {
				tags := slices.Clone(img.RepoTags)
				sort.Strings(tags)
				got = append(got, img.ID[7:8]+" "+strings.Join(tags, ","))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("images %q, want %q", got, tt.want)
			}
		})
	}
}
