package discovery

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestNewRegistryRejectsDuplicates(t *testing.T) {
	f := func(*URL, Options) (Backend, error) { return nil, nil }
	tests := []struct {
		name    string
		regs    []Registration
		wantErr bool
	}{
		{name: "distinct", regs: []Registration{{Scheme: "a", Factory: f}, {Scheme: "b", Factory: f}}},
		{name: "duplicate", regs: []Registration{{Scheme: "a", Factory: f}, {Scheme: "a", Factory: f}}, wantErr: true},
		{name: "nil factory", regs: []Registration{{Scheme: "a"}}, wantErr: true},
		{name: "empty scheme", regs: []Registration{{Factory: f}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRegistry(tt.regs...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewRegistry() error = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestBuiltinRegistry(t *testing.T) {
	r, err := DefaultRegistry()
	if err != nil {
		t.Fatal(err)
	}
	want := "consul,etcd,file,nodes,token,zk"
	if got := strings.Join(r.Schemes(), ","); got != want {
		t.Fatalf("schemes = %s, want %s", got, want)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    URL
		wantErr bool
	}{
		{name: "nodes", in: "nodes://a:1,b:2", want: URL{Scheme: "nodes", Hosts: "a:1,b:2"}},
		{name: "bare list is nodes", in: "a:1,b:2", want: URL{Scheme: "nodes", Hosts: "a:1,b:2"}},
		{name: "bare single", in: "10.0.0.[1:3]:2375", want: URL{Scheme: "nodes", Hosts: "10.0.0.[1:3]:2375"}},
		{name: "file absolute", in: "file:///tmp/x", want: URL{Scheme: "file", Path: "tmp/x"}},
		{name: "etcd list and path", in: "etcd://h1:1,h2:2/a/b", want: URL{Scheme: "etcd", Hosts: "h1:1,h2:2", Path: "a/b"}},
		{name: "scheme case folded", in: "CONSUL://h:1", want: URL{Scheme: "consul", Hosts: "h:1"}},
		{name: "token", in: "token://abc", want: URL{Scheme: "token", Hosts: "abc"}},
		{name: "empty", in: "  ", wantErr: true},
		{name: "missing scheme", in: "://a:1", wantErr: true},
		{name: "bad scheme", in: "a b://x", wantErr: true},
		{name: "bare path", in: "/tmp/file", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseURL(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidURL) {
					t.Fatalf("ParseURL(%q) = %+v, %v; want ErrInvalidURL", tt.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Raw = tt.in
			if *got != tt.want {
				t.Fatalf("ParseURL(%q) = %+v, want %+v", tt.in, *got, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		opts    map[string]string
		wantErr error
		say     string // the message must mention this
	}{
		{name: "unknown scheme names the valid ones", url: "foo://x", wantErr: ErrUnknownScheme, say: "consul, etcd, file, nodes, token, zk"},
		{name: "empty", url: "", wantErr: ErrInvalidURL},
		{name: "nodes without addresses", url: "nodes://", wantErr: ErrInvalidURL},
		{name: "nodes with path", url: "nodes://a:1/x", wantErr: ErrInvalidURL},
		{name: "nodes missing port", url: "nodes://a:1,b", wantErr: ErrInvalidEntry, say: "missing port"},
		{name: "bare malformed range", url: "10.0.0.[3:1]:2375", wantErr: ErrInvalidRange, say: "greater than"},
		{name: "bare letters range", url: "node-[a:b]:2375", wantErr: ErrInvalidRange},
		{name: "range missing bracket", url: "nodes://node-[1:3:2375", wantErr: ErrInvalidRange, say: "missing ']'"},
		{name: "file without path", url: "file://", wantErr: ErrInvalidURL},
		{name: "option not for nodes", url: "nodes://a:1", opts: map[string]string{"kv.path": "x"}, wantErr: ErrInvalidOption, say: "kv.path"},
		{name: "option typo for file", url: "file:///x", opts: map[string]string{"kv.cacert": "x"}, wantErr: ErrInvalidOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.url, Options{Opts: tt.opts})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New(%q) = %v, %v; want %v", tt.url, b, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.say) {
				t.Fatalf("error %q does not mention %q", err, tt.say)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is more than one line", err)
			}
		})
	}
}

func TestNewNodes(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want string
	}{
		{name: "scheme", url: "nodes://b:1,a:1", want: "a:1 b:1"},
		{name: "bare", url: "a:1,b:1", want: "a:1 b:1"},
		{name: "ranges", url: "nodes://10.0.0.[1:2]:2375,node-[1:2]:2375", want: "10.0.0.1:2375 10.0.0.2:2375 node-1:2375 node-2:2375"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			es, _ := b.Watch(ctx)
			got := strings.Join((<-es).Strings(), " ")
			if got != tt.want {
				t.Fatalf("entries = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want bool
	}{
		{name: "nodes", url: "nodes://a:1", want: true},
		{name: "file", url: "file:///x", want: true},
		{name: "token", url: "token://127.0.0.1:1/abc", want: false},
		{name: "etcd", url: "etcd://127.0.0.1:1", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer Close(b)
			if got := ReadOnly(b); got != tt.want {
				t.Fatalf("ReadOnly(%s) = %v, want %v", tt.url, got, tt.want)
			}
		})
	}
}
