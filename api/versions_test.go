package api

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/cluster/engine"
)

func TestEngineVersion(t *testing.T) {
	tests := []struct {
		name, client, lo, hi, want string
	}{
		{"served as asked", "1.41", "1.12", "1.41", "1.41"},
		{"too old for Engine 29", "1.41", "1.44", "1.56", "1.44"},
		{"too new for 20.10", "1.51", "1.12", "1.41", "1.41"},
		{"inside Engine 29's range", "1.51", "1.44", "1.56", "1.51"},
		{"oldest client, newest engine", "1.24", "1.44", "1.56", "1.44"},
		{"engine not reached yet", "1.41", "", "", "1.41"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := engineVersion(tt.client, tt.lo, tt.hi); got != tt.want {
				t.Fatalf("engineVersion(%s, [%s, %s]) = %s, want %s", tt.client, tt.lo, tt.hi, got, tt.want)
			}
		})
	}
}

func fixture(name, lo, hi string, health engine.Health) *engine.Engine {
	return engine.NewFixture(engine.Fixture{Addr: name + ":2375", Name: name, ID: "ID-" + name, Health: health, APIVersion: hi, MinAPIVersion: lo})
}

func TestCapAPI(t *testing.T) {
	tests := []struct{ newest, want string }{
		{"", DefaultAPIVersion}, // no healthy engine
		{"1.41", "1.41"},        // 20.10 only
		{"1.56", MaxAPIVersion}, // Engine 29: capped at the manager's types
		{"1.46", "1.46"},        // in between
		{"1.12", MinAPIVersion}, // older than any client the manager takes
	}
	for _, tt := range tests {
		if got := capAPI(tt.newest); got != tt.want {
			t.Errorf("capAPI(%q) = %s, want %s", tt.newest, got, tt.want)
		}
	}
}

func TestTranslateRequest(t *testing.T) {
	old := fixture("node-1", "1.12", "1.41", engine.Healthy)
	tests := []struct {
		name, method, path, body, client, target string
		wantErr                                  string // a substring; "" for none
		wantBody                                 string // the body the engine gets
	}{
		{name: "same version passes", method: "POST", path: "/containers/x/stop?signal=SIGINT", client: "1.41", target: "1.41"},
		{name: "stop signal to an old engine", method: "POST", path: "/containers/x/stop?signal=SIGINT", client: "1.51", target: "1.41",
			wantErr: `the "signal" parameter needs Engine API 1.42 or newer, and node node-1 serves API 1.41 at most`},
		{name: "stop without signal", method: "POST", path: "/containers/x/stop?t=3", client: "1.51", target: "1.41"},
		{name: "push of one platform", method: "POST", path: "/images/busybox/push?platform=x", client: "1.51", target: "1.41",
			wantErr: `"platform" parameter needs Engine API 1.46`},
		{name: "exec console size dropped", method: "POST", path: "/containers/x/exec", client: "1.51", target: "1.41",
			body: `{"Cmd":["sh"],"ConsoleSize":[24,80],"Tty":true}`, wantBody: `{"Cmd":["sh"],"Tty":true}`},
		{name: "exec start console size dropped", method: "POST", path: "/exec/e1/start", client: "1.51", target: "1.41",
			body: `{"Detach":false,"ConsoleSize":[24,80]}`, wantBody: `{"Detach":false}`},
		{name: "exec for an engine that takes the size", method: "POST", path: "/containers/x/exec", client: "1.51", target: "1.44",
			body: `{"ConsoleSize":[24,80]}`, wantBody: `{"ConsoleSize":[24,80]}`},
		{name: "older client to a newer engine", method: "POST", path: "/containers/x/exec", client: "1.41", target: "1.44",
			body: `{"Cmd":["sh"]}`, wantBody: `{"Cmd":["sh"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest(tt.method, tt.path, body)
			p, _, _ := strings.Cut(tt.path, "?")
			out, err := translateRequest(r, p, tt.client, tt.target, old)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || statusCode(err) != 400 {
					t.Fatalf("error %v (status %d), want a 400 with %q", err, statusCode(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantBody != "" {
				got, _ := io.ReadAll(out.Body)
				if string(got) != tt.wantBody || out.ContentLength != int64(len(got)) {
					t.Fatalf("body %s (length %d), want %s", got, out.ContentLength, tt.wantBody)
				}
				if tt.wantBody != tt.body && out == r {
					t.Fatal("the incoming request was modified instead of cloned")
				}
			}
		})
	}
}
