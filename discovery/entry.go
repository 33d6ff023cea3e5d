package discovery

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Entry is one engine address found by a backend.
type Entry struct {
	Host string
	Port string
}

// String returns host:port (IPv6 hosts in brackets).
func (e Entry) String() string { return net.JoinHostPort(e.Host, e.Port) }

// ParseEntry parses "host:port". The host must not be empty and the port
// must be a number from 1 to 65535.
func ParseEntry(addr string) (Entry, error) {
	addr = strings.TrimSpace(addr)
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if !strings.Contains(addr, ":") {
			return Entry{}, fmt.Errorf("%w %q: missing port (want host:port)", ErrInvalidEntry, addr)
		}
		return Entry{}, fmt.Errorf("%w %q: want host:port", ErrInvalidEntry, addr)
	}
	if host == "" {
		return Entry{}, fmt.Errorf("%w %q: missing host", ErrInvalidEntry, addr)
	}
	if strings.ContainsAny(host, " /[]") {
		return Entry{}, fmt.Errorf("%w %q: bad host %q", ErrInvalidEntry, addr, host)
	}
	if port == "" {
		return Entry{}, fmt.Errorf("%w %q: missing port (want host:port)", ErrInvalidEntry, addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return Entry{}, fmt.Errorf("%w %q: port %q is not a number from 1 to 65535", ErrInvalidEntry, addr, port)
	}
	return Entry{Host: host, Port: strconv.Itoa(n)}, nil
}

// Entries is a full snapshot of what a backend holds.
type Entries []Entry

// ParseEntries parses each address with ParseEntry and returns the
// normalized set.
func ParseEntries(addrs []string) (Entries, error) {
	out := make(Entries, 0, len(addrs))
	for _, a := range addrs {
		e, err := ParseEntry(a)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out.Normalize(), nil
}

// Normalize returns a sorted copy of es without duplicates. It never returns
// nil, so an empty snapshot is an empty, non-nil slice.
func (es Entries) Normalize() Entries {
	out := make(Entries, 0, len(es))
	seen := make(map[Entry]bool, len(es))
	for _, e := range es {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Host != out[j].Host {
			return out[i].Host < out[j].Host
		}
		return out[i].Port < out[j].Port
	})
	return out
}

// Contains reports whether e is in es.
func (es Entries) Contains(e Entry) bool {
	for _, x := range es {
		if x == e {
			return true
		}
	}
	return false
}

// Equal reports whether es and other hold the same set of entries, in any
// order, duplicates ignored.
func (es Entries) Equal(other Entries) bool {
	return slices.Equal(es.Normalize(), other.Normalize())
}

// Strings returns host:port for every entry, in order.
func (es Entries) Strings() []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.String()
	}
	return out
}

// Diff compares two snapshots: removed is what is in old but not in new,
// added is what is in new but not in old, both sorted. A consumer applies
// removed before added.
func Diff(old, new Entries) (removed, added Entries) {
	removed, added = Entries{}, Entries{}
	for _, e := range old.Normalize() {
		if !new.Contains(e) {
			removed = append(removed, e)
		}
	}
	for _, e := range new.Normalize() {
		if !old.Contains(e) {
			added = append(added, e)
		}
	}
	return removed, added
}
