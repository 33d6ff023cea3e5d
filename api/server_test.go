package api

import (
	"net/http"
	"testing"
	"time"
)

func TestParseHost(t *testing.T) {
	tests := []struct {
		name, in, proto, addr string
		wantErr               bool
	}{
		{"tcp url", "tcp://127.0.0.1:5001", "tcp", "127.0.0.1:5001", false},
		{"host port", "127.0.0.1:2375", "tcp", "127.0.0.1:2375", false},
		{"port only", ":4000", "tcp", ":4000", false},
		{"all interfaces", "tcp://0.0.0.0:3376", "tcp", "0.0.0.0:3376", false},
		{"trailing slash", "tcp://127.0.0.1:5001/", "tcp", "127.0.0.1:5001", false},
		{"unix", "unix:///var/run/swarm.sock", "unix", "/var/run/swarm.sock", false},
		{"unix without path", "unix://", "", "", true},
		{"no port", "127.0.0.1", "", "", true},
		{"empty port", "127.0.0.1:", "", "", true},
		{"other scheme", "http://127.0.0.1:80", "", "", true},
		{"empty", "", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proto, addr, err := ParseHost(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseHost(%q) error %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if proto != tt.proto || addr != tt.addr {
				t.Fatalf("ParseHost(%q) = %q %q, want %q %q", tt.in, proto, addr, tt.proto, tt.addr)
			}
		})
	}
}

func TestStripVersion(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"versioned", "/v1.41/containers/json", "/containers/json"},
		{"unversioned", "/containers/json", "/containers/json"},
		{"not a version", "/volumes/x", "/volumes/x"},
		{"v without digits", "/v/x", "/v/x"},
		{"ping", "/v1.24/_ping", "/_ping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stripVersion(tt.in); got != tt.want {
				t.Fatalf("stripVersion(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestContainerPath(t *testing.T) {
	tests := []struct{ name, path, ref, id, want string }{
		{"by name", "/v1.41/containers/web/start", "web", "abc123", "/containers/abc123/start"},
		{"node/name", "/containers/node-1/web/json", "node-1/web", "abc123", "/containers/abc123/json"},
		{"delete", "/v1.30/containers/web", "web", "abc123", "/containers/abc123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := containerPath(tt.path, tt.ref, tt.id); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseEventTime(t *testing.T) {
	now := time.Unix(1700000000, 0)
	tests := []struct {
		name, in string
		want     time.Time
		wantErr  bool
	}{
		{"empty", "", time.Time{}, false},
		{"seconds", "1700000001", time.Unix(1700000001, 0), false},
		{"fraction", "1700000001.5", time.Unix(1700000001, 500000000), false},
		{"nanos", "1700000001.000000007", time.Unix(1700000001, 7), false},
		{"rfc3339", "2023-11-14T22:13:20Z", time.Unix(1700000000, 0), false},
		{"duration", "10s", now.Add(-10 * time.Second), false},
		{"garbage", "yesterday", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEventTime(tt.in, now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				if statusCode(err) != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", statusCode(err))
				}
				return
			}
			if !got.Equal(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBoolValue(t *testing.T) {
	for in, want := range map[string]bool{"": false, "0": false, "false": false, "1": true, "true": true, "True": true, "yes": true} {
		if got := boolValue(in); got != want {
			t.Errorf("boolValue(%q) = %v, want %v", in, got, want)
		}
	}
}
