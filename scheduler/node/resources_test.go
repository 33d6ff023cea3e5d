package node

import "testing"

func TestPortProtocol(t *testing.T) {
	tests := []struct {
		name string
		port Port
		want string
	}{
		{name: "default tcp", port: Port{HostPort: 80}, want: "tcp"},
		{name: "udp", port: Port{HostPort: 53, Proto: "udp"}, want: "udp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.port.Protocol(); got != tt.want {
				t.Errorf("Protocol() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPortKey(t *testing.T) {
	tests := []struct {
		name   string
		port   uint16
		proto  string
		want   uint32
		wantOK bool
	}{
		{name: "default tcp", port: 80, want: 80 << 8, wantOK: true},
		{name: "tcp", port: 80, proto: "TCP", want: 80 << 8, wantOK: true},
		{name: "udp", port: 53, proto: "udp", want: 53<<8 | 1, wantOK: true},
		{name: "sctp", port: 9, proto: "sctp", want: 9<<8 | 2, wantOK: true},
		{name: "other", port: 9, proto: "dccp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := PortKey(tt.port, tt.proto)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("PortKey = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestPortAnyAddr(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		{"", true}, {"0.0.0.0", true}, {"::", true}, {"[::]", true},
		{"127.0.0.1", false}, {"::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			if got := (Port{HostIP: tt.ip}).AnyAddr(); got != tt.want {
				t.Errorf("AnyAddr(%q) = %v, want %v", tt.ip, got, tt.want)
			}
		})
	}
}
