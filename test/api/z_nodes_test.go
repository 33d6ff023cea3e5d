package apitest

import (
	"fmt"
	"testing"
	"time"
)

// TestNodeEvents stops one engine and starts it again: the manager's own
// events say so in the same stream as the engines' events. It runs last
// (file order) because it takes a node away for a while.
func TestNodeEvents(t *testing.T) {
	e := engines[len(engines)-1]
	// --since replays from the manager's history, so nothing is missed
	// while the stream subscribes.
	ch := streamEvents(t, "--since", fmt.Sprint(time.Now().Unix()), "--filter", "type=swarm")
	if err := e.Kill(); err != nil {
		t.Fatalf("kill %s: %v", e.Name, err)
	}
	waitLine(t, ch, "swarm engine_disconnect "+e.Name, 60*time.Second)
	if err := e.Start(); err != nil {
		t.Fatalf("start %s: %v", e.Name, err)
	}
	waitLine(t, ch, "swarm engine_reconnect "+e.Name, 60*time.Second)
	if err := waitHealthy(len(engines)); err != nil {
		t.Fatal(err)
	}
}
