package engine

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestInspectKeepsNothingOfItsBuffer reads two containers whose answers
// share the pooled read buffer, the second one's written over the
// first's, and checks that the first container's fields are intact.
func TestInspectKeepsNothingOfItsBuffer(t *testing.T) {
	answers := map[string]string{
		"aaa": `{"Id":"aaa","Name":"/first-container","Image":"sha256:1111","State":{"Status":"running","Running":true},` +
			`"Config":{"Image":"busybox:first","Labels":{"team":"alpha-team-label-value"}},"HostConfig":{"NetworkMode":"bridge"}}`,
		"bbb": `{"Id":"bbb","Name":"/zz","Image":"sha256:2222","State":{"Status":"exited"},` +
			`"Config":{"Image":"zz:latest","Labels":{"team":"zz"}},"HostConfig":{"NetworkMode":"host"},"Path":"` + strings.Repeat("x", 4096) + `"}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for id, body := range answers {
			if strings.HasSuffix(r.URL.Path, "/containers/"+id+"/json") {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, body)
				return
			}
		}
		http.Error(w, `{"message":"No such container"}`, http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	e, err := New(strings.TrimPrefix(srv.URL, "http://"), &Options{Transport: &http.Transport{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := e.inspect(ctx, "aaa")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // the pool may hand the same buffer back
		if _, err := e.inspect(ctx, "bbb"); err != nil {
			t.Fatal(err)
		}
	}
	if first.ID() != "aaa" || first.Name() != "first-container" || first.Image() != "busybox:first" ||
		first.ImageID() != "sha256:1111" || first.State() != "running" || first.Labels()["team"] != "alpha-team-label-value" {
		t.Fatalf("the first container changed after later reads: id %q name %q image %q/%q state %q labels %v",
			first.ID(), first.Name(), first.Image(), first.ImageID(), first.State(), first.Labels())
	}
	if _, err := e.inspect(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "No such container") {
		t.Fatalf("inspect of a missing container: %v", err)
	}
}
