package node

import "testing"

func TestCPUsFrom(t *testing.T) {
	tests := []struct {
		name      string
		shares    int64
		nano      int64
		wantNanos int64
	}{
		{name: "nothing", wantNanos: 0},
		{name: "shares are cores", shares: 2, wantNanos: 2 * NanoCPU},
		{name: "nano cpus win", shares: 2, nano: 1_500_000_000, wantNanos: 1_500_000_000},
		{name: "negative shares", shares: -1, wantNanos: 0},
		{name: "negative nano falls back to shares", shares: 1, nano: -5, wantNanos: NanoCPU},
		{name: "huge shares saturate", shares: 1 << 62, wantNanos: (int64(^uint64(0)>>1) / NanoCPU) * NanoCPU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CPUsFrom(tt.shares, tt.nano); got != tt.wantNanos {
				t.Errorf("CPUsFrom(%d, %d) = %d, want %d", tt.shares, tt.nano, got, tt.wantNanos)
			}
		})
	}
}

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
