package harness

import "testing"

func TestLoadSwarmImageArguments(t *testing.T) {
	plain := &Engine{N: 1, Addr: "127.0.0.1:1"}
	tlsA := &Engine{N: 2, Addr: "127.0.0.1:2", TLS: &Certs{Dir: "/a"}}
	tlsB := &Engine{N: 3, Addr: "127.0.0.1:3", TLS: &Certs{Dir: "/b"}}
	tests := []struct {
		name string
		engs []*Engine
	}{
		{name: "no engines", engs: nil},
		{name: "plain and TLS", engs: []*Engine{plain, tlsA}},
		{name: "TLS and plain", engs: []*Engine{tlsA, plain}},
		{name: "two CAs", engs: []*Engine{tlsA, tlsB}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := LoadSwarmImage(tt.engs...); err == nil {
				t.Fatal("LoadSwarmImage succeeded")
			}
		})
	}
}
