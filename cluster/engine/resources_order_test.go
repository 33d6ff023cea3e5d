package engine

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestOlderListDoesNotReplaceNewer checks that a network list read that
// started before another, and is answered after it, is not stored: the
// first read gets the list from before a removal, the second the list
// from after, and the cache must keep the second.
func TestOlderListDoesNotReplaceNewer(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/networks") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			close(arrived)
			<-release // answered after the second read
			fmt.Fprint(w, `[{"Name":"bridge","Id":"b1"},{"Name":"removed","Id":"r1"}]`)
			return
		}
		fmt.Fprint(w, `[{"Name":"bridge","Id":"b1"}]`)
	}))
	t.Cleanup(srv.Close)
	e, err := New(strings.TrimPrefix(srv.URL, "http://"), &Options{Transport: &http.Transport{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	older := make(chan error, 1)
	go func() { older <- e.RefreshNetworks(ctx) }()
	<-arrived
	if err := e.RefreshNetworks(ctx); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-older; err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range e.Networks() {
		names = append(names, n.Name)
	}
	if strings.Join(names, ",") != "bridge" {
		t.Fatalf("cached networks %v, want [bridge]: the older list replaced the newer one", names)
	}
}
