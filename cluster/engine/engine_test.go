package engine

import (
	"testing"

	"github.com/docker/docker/api/types"
)

// TestNegotiateAgainAfterUpgrade: an engine upgraded in place from 20.10
// (API 1.41) to Engine 29 (1.56, minimum 1.44) must not keep being spoken
// to at 1.41, which Engine 29 refuses.
func TestNegotiateAgainAfterUpgrade(t *testing.T) {
	e, err := New("127.0.0.1:1", &Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		ping, want string
	}{
		{"1.41", "1.41"},
		{"1.41", "1.41"}, // the same engine: same clients
		{"1.56", ""},     // upgraded: the client's own newest, whatever it is, above 1.41
		{"1.41", "1.41"}, // downgraded again
	}
	var last *clients
	for i, st := range steps {
		if err := e.negotiate(types.Ping{APIVersion: st.ping}); err != nil {
			t.Fatal(err)
		}
		cl := e.clients.Load()
		got := cl.api.ClientVersion()
		if st.want != "" && got != st.want {
			t.Fatalf("step %d (ping %s): client speaks %s, want %s", i, st.ping, got, st.want)
		}
		if st.want == "" && (got == "1.41" || got == "") {
			t.Fatalf("step %d: after an upgrade to %s the client still speaks %s", i, st.ping, got)
		}
		if events := cl.events.ClientVersion(); events != got {
			t.Fatalf("step %d: event client speaks %s, request client %s", i, events, got)
		}
		if i == 1 && cl.api != last.api {
			t.Fatalf("a second ping of the same version replaced the clients")
		}
		last = cl
	}
}
