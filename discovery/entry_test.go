package discovery

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseEntry(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Entry
		wantErr bool
	}{
		{name: "ipv4", in: "10.0.0.1:2375", want: Entry{"10.0.0.1", "2375"}},
		{name: "hostname", in: "node-1:2376", want: Entry{"node-1", "2376"}},
		{name: "ipv6", in: "[::1]:2375", want: Entry{"::1", "2375"}},
		{name: "spaces trimmed", in: "  a:1 ", want: Entry{"a", "1"}},
		{name: "leading zero port normalized", in: "a:02375", want: Entry{"a", "2375"}},
		{name: "no port", in: "10.0.0.1", wantErr: true},
		{name: "empty port", in: "10.0.0.1:", wantErr: true},
		{name: "empty host", in: ":2375", wantErr: true},
		{name: "port not a number", in: "a:http", wantErr: true},
		{name: "port zero", in: "a:0", wantErr: true},
		{name: "port too large", in: "a:65536", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "range left unexpanded", in: "10.0.0.[1:2]:2375", wantErr: true},
		{name: "url", in: "tcp://a:1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEntry(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidEntry) {
					t.Fatalf("ParseEntry(%q) = %v, %v; want ErrInvalidEntry", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseEntry(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestEntryString(t *testing.T) {
	tests := []struct {
		name string
		in   Entry
		want string
	}{
		{name: "ipv4", in: Entry{"1.2.3.4", "5"}, want: "1.2.3.4:5"},
		{name: "ipv6 bracketed", in: Entry{"::1", "5"}, want: "[::1]:5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func mustEntries(t *testing.T, addrs ...string) Entries {
	t.Helper()
	es, err := ParseEntries(addrs)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestEntriesEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		want bool
	}{
		{name: "both empty", want: true},
		{name: "same order", a: []string{"a:1", "b:2"}, b: []string{"a:1", "b:2"}, want: true},
		{name: "other order", a: []string{"b:2", "a:1"}, b: []string{"a:1", "b:2"}, want: true},
		{name: "duplicates ignored", a: []string{"a:1", "a:1"}, b: []string{"a:1"}, want: true},
		{name: "different port", a: []string{"a:1"}, b: []string{"a:2"}, want: false},
		{name: "subset", a: []string{"a:1"}, b: []string{"a:1", "b:2"}, want: false},
		{name: "empty vs one", b: []string{"a:1"}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustEntries(t, tt.a...), mustEntries(t, tt.b...)
			if got := a.Equal(b); got != tt.want {
				t.Fatalf("%v.Equal(%v) = %v, want %v", a, b, got, tt.want)
			}
			if got := b.Equal(a); got != tt.want {
				t.Fatalf("%v.Equal(%v) = %v, want %v (not symmetric)", b, a, got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	in := Entries{{"b", "1"}, {"a", "2"}, {"a", "1"}, {"b", "1"}}
	want := Entries{{"a", "1"}, {"a", "2"}, {"b", "1"}}
	if got := in.Normalize(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Normalize() = %v, want %v", got, want)
	}
	if in[0] != (Entry{"b", "1"}) {
		t.Fatal("Normalize changed its receiver")
	}
	if got := Entries(nil).Normalize(); got == nil || len(got) != 0 {
		t.Fatalf("Normalize(nil) = %#v, want empty non-nil", got)
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name           string
		old, new       []string
		removed, added []string
	}{
		{name: "nothing", removed: nil, added: nil},
		{name: "first snapshot", new: []string{"a:1", "b:1"}, added: []string{"a:1", "b:1"}},
		{name: "all gone", old: []string{"a:1", "b:1"}, removed: []string{"a:1", "b:1"}},
		{name: "same", old: []string{"a:1", "b:1"}, new: []string{"b:1", "a:1"}},
		{name: "one replaced", old: []string{"a:1", "b:1"}, new: []string{"a:1", "c:1"}, removed: []string{"b:1"}, added: []string{"c:1"}},
		{name: "port change is remove plus add", old: []string{"a:1"}, new: []string{"a:2"}, removed: []string{"a:1"}, added: []string{"a:2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			removed, added := Diff(mustEntries(t, tt.old...), mustEntries(t, tt.new...))
			if want := mustEntries(t, tt.removed...); !reflect.DeepEqual(removed, want) {
				t.Errorf("removed = %v, want %v", removed, want)
			}
			if want := mustEntries(t, tt.added...); !reflect.DeepEqual(added, want) {
				t.Errorf("added = %v, want %v", added, want)
			}
		})
	}
}
