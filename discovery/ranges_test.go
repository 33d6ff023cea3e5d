package discovery

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestExpandRange(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string // substring of the error; "" means no error
	}{
		{name: "no range", in: "10.0.0.1:2375", want: []string{"10.0.0.1:2375"}},
		{name: "ip range", in: "10.0.0.[10:12]:2375", want: []string{"10.0.0.10:2375", "10.0.0.11:2375", "10.0.0.12:2375"}},
		{name: "name range", in: "node-[1:3]:2375", want: []string{"node-1:2375", "node-2:2375", "node-3:2375"}},
		{name: "port range", in: "10.0.0.1:[2375:2377]", want: []string{"10.0.0.1:2375", "10.0.0.1:2376", "10.0.0.1:2377"}},
		{name: "single value", in: "a-[5:5]:1", want: []string{"a-5:1"}},
		{name: "two ranges", in: "h[1:2]:[10:11]", want: []string{"h1:10", "h1:11", "h2:10", "h2:11"}},
		{name: "zero padded", in: "node-[08:10]:1", want: []string{"node-08:1", "node-09:1", "node-10:1"}},
		{name: "ipv6 literal kept", in: "[::1]:2375", want: []string{"[::1]:2375"}},
		{name: "ipv6 literal then port range", in: "[::1]:[1:2]", want: []string{"[::1]:1", "[::1]:2"}},
		{name: "reversed", in: "10.0.0.[3:1]:2375", wantErr: "greater than"},
		{name: "letters", in: "10.0.0.[a:b]:2375", wantErr: "not a non-negative number"},
		{name: "negative", in: "10.0.0.[-1:2]:2375", wantErr: "not a non-negative number"},
		{name: "missing close", in: "10.0.0.[1:3:2375", wantErr: "missing ']'"},
		{name: "stray close", in: "10.0.0.1]:2375", wantErr: "without '['"},
		{name: "no colon", in: "10.0.0.[13]:2375", wantErr: "not [from:to]"},
		{name: "empty bound", in: "10.0.0.[:3]:2375", wantErr: "empty range bound"},
		{name: "empty brackets", in: "10.0.0.[]:2375", wantErr: "not [from:to]"},
		{name: "nested", in: "a[1:[2:3]]:1", wantErr: "nested"},
		{name: "too large", in: "a[0:99999999]:1", wantErr: "more than"},
		{name: "too many combined", in: "a[0:999]b[0:999]:1", wantErr: "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandRange(tt.in)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrInvalidRange) {
					t.Fatalf("ExpandRange(%q) = %v, %v; want ErrInvalidRange", tt.in, got, err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %q does not say %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ExpandRange(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ExpandRange(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseAddrList(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr error
	}{
		{name: "one", in: "a:1", want: []string{"a:1"}},
		{name: "two sorted", in: "b:1,a:1", want: []string{"a:1", "b:1"}},
		{name: "spaces", in: " a:1 , b:1 ", want: []string{"a:1", "b:1"}},
		{name: "ranges", in: "10.0.0.[1:2]:2375,node-[1:2]:2376", want: []string{"10.0.0.1:2375", "10.0.0.2:2375", "node-1:2376", "node-2:2376"}},
		{name: "duplicates merged", in: "a:1,a:1,a:[1:1]", want: []string{"a:1"}},
		{name: "missing port", in: "a:1,b", wantErr: ErrInvalidEntry},
		{name: "range without port", in: "10.0.0.[1:2]", wantErr: ErrInvalidEntry},
		{name: "empty item", in: "a:1,,b:1", wantErr: ErrInvalidEntry},
		{name: "bad range", in: "a:1,10.0.0.[3:1]:1", wantErr: ErrInvalidRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAddrList(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseAddrList(%q) = %v, %v; want %v", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Strings(), tt.want) {
				t.Fatalf("ParseAddrList(%q) = %v, want %v", tt.in, got.Strings(), tt.want)
			}
		})
	}
}
