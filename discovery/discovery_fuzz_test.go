package discovery

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
)

// The fuzz targets of this file run their seeds (f.Add and
// testdata/fuzz/FuzzXxx) as ordinary tests under `go test`; `make fuzz`
// runs the fuzzer on each of them.

// maxAddrBytes bounds the bytes of what one pattern may expand to in the
// fuzz targets: maxExpansion addresses of at most maxPatternLen bytes.
const maxAddrBytes = maxExpansion * maxPatternLen

// FuzzExpandRange expands a pattern, and a pattern made of one range
// [lo:hi] between a prefix and a suffix. An expansion is bounded (at most
// maxExpansion addresses, maxAddrBytes bytes), holds no range brackets
// left over, and a pattern without brackets is itself. The one-range
// pattern expands to exactly hi-lo+1 addresses, in order, or is refused
// when lo > hi or the range is too large. Errors are ErrInvalidRange.
func FuzzExpandRange(f *testing.F) {
	for _, s := range []string{
		"10.0.0.[10:20]:2375", "node-[01:10]:2375", "h[1:2]:[10:11]", "[::1]:2375", "[::1]:[1:2]",
		"10.0.0.1:2375", "a[0:99999999]:1", "a[0:999]b[0:999]:1", "a[1:[2:3]]:1", "x]", "[", "[:]",
		"[0:65535]", "[00000000000000000000000000001:2]", "[99999999999999999999:1]", "h\u00e9-[1:2]:1",
		"[0:65535]" + strings.Repeat("x", 600),
	} {
		f.Add(s, "h-", uint32(1), uint32(3), ":2375")
	}
	f.Add("", "", uint32(0), uint32(65535), "")
	f.Add("", "", uint32(0), uint32(65536), "")
	f.Add("", "[1:2]", uint32(5), uint32(4), "")
	f.Fuzz(func(t *testing.T, pattern, prefix string, lo, hi uint32, suffix string) {
		out, err := ExpandRange(pattern)
		if err != nil {
			if !errors.Is(err, ErrInvalidRange) || out != nil {
				t.Fatalf("ExpandRange(%q) = %d addresses, %v: want ErrInvalidRange", pattern, len(out), err)
			}
		} else {
			checkExpansion(t, pattern, out)
			if !strings.ContainsAny(pattern, "[]") && !slices.Equal(out, []string{pattern}) {
				t.Fatalf("ExpandRange(%q) = %q, want itself", pattern, out)
			}
		}

		// One range between a prefix and a suffix without brackets.
		if strings.ContainsAny(prefix+suffix, "[]") {
			return
		}
		p := fmt.Sprintf("%s[%d:%d]%s", prefix, lo, hi, suffix)
		out, err = ExpandRange(p)
		n := int64(hi) - int64(lo) + 1
		switch {
		case lo > hi || n > maxExpansion || len(p) > maxPatternLen:
			if err == nil {
				t.Fatalf("ExpandRange(%q) = %d addresses, want an error", p, len(out))
			}
			return
		case err != nil:
			t.Fatalf("ExpandRange(%q): %v", p, err)
		}
		checkExpansion(t, p, out)
		if int64(len(out)) != n {
			t.Fatalf("ExpandRange(%q) = %d addresses, want %d", p, len(out), n)
		}
		if out[0] != fmt.Sprint(prefix, lo, suffix) || out[len(out)-1] != fmt.Sprint(prefix, hi, suffix) {
			t.Fatalf("ExpandRange(%q) runs from %q to %q", p, out[0], out[len(out)-1])
		}
	})
}

func checkExpansion(t *testing.T, pattern string, out []string) {
	t.Helper()
	if len(out) == 0 || len(out) > maxExpansion {
		t.Fatalf("ExpandRange(%q) = %d addresses", pattern, len(out))
	}
	total := 0
	for _, a := range out {
		total += len(a)
		for rest := a; strings.Contains(rest, "["); {
			_, after, _ := strings.Cut(rest, "[")
			inside, tail, ok := strings.Cut(after, "]")
			if !ok || net.ParseIP(inside) == nil {
				t.Fatalf("ExpandRange(%q) left a range in %q", pattern, a)
			}
			rest = tail
		}
	}
	if total > maxAddrBytes {
		t.Fatalf("ExpandRange(%q) = %d bytes", pattern, total)
	}
}

// FuzzParseAddrList parses a nodes:// list. What it accepts is a sorted
// set of at most maxExpansion entries, each with a host and a port from 1
// to 65535, each rendering (Entry.String) to an address that parses back
// to itself; what it refuses is an ErrInvalidEntry or ErrInvalidRange.
func FuzzParseAddrList(f *testing.F) {
	for _, s := range []string{
		"10.0.0.1:2375,10.0.0.2:2375", "10.0.0.[10:20]:2375", "h:1,h:1", "[::1]:2375,[fe80::1%eth0]:1",
		"h:0", "h:65536", "h:", ":1", "h", "h:1,,h:2", " h:1 , h:2 ", "h:+1", "h:0001", "h:1x",
		"node-é:1", "a b:1", "h/x:1", "[0:65535]:1,[0:65535]:2",
		strings.Repeat("h:[1:65535],", 3) + "h:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		es, err := ParseAddrList(list)
		if err != nil {
			if !errors.Is(err, ErrInvalidEntry) && !errors.Is(err, ErrInvalidRange) {
				t.Fatalf("ParseAddrList(%q): %v is neither ErrInvalidEntry nor ErrInvalidRange", list, err)
			}
			return
		}
		if len(es) == 0 || len(es) > maxExpansion {
			t.Fatalf("ParseAddrList(%q) = %d entries", list, len(es))
		}
		if !slices.Equal(es, es.Normalize()) {
			t.Fatalf("ParseAddrList(%q) is not normalized: %v", list, es)
		}
		for _, e := range es {
			if e.Host == "" || e.Port == "" {
				t.Fatalf("ParseAddrList(%q): entry %+v", list, e)
			}
			back, err := ParseEntry(e.String())
			if err != nil || back != e {
				t.Fatalf("entry %+v renders as %q, which parses as %+v, %v", e, e.String(), back, err)
			}
		}
		again, err := ParseEntries(es.Strings())
		if err != nil || !slices.Equal(again, es) {
			t.Fatalf("ParseEntries(%q) = %v, %v", es.Strings(), again, err)
		}
	})
}

// FuzzParseEntriesFile parses a discovery file: bounded, normalized, and
// every refusal names the file and the line.
func FuzzParseEntriesFile(f *testing.F) {
	for _, s := range []string{
		"10.0.0.1:2375\n10.0.0.2:2375\n", "# comment\n\n  h:1 # trailing\n", "10.0.0.[1:3]:2375\r\n",
		"h:1\nbad\n", "h:[1:65535]\nh2:[1:65535]\n", "\xff\xfe:1", strings.Repeat("h:1\n", 100),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ParseEntriesFile("nodes.txt", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "nodes.txt:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(es) > maxExpansion || !slices.Equal(es, es.Normalize()) {
			t.Fatalf("%d entries, normalized %v", len(es), slices.Equal(es, es.Normalize()))
		}
	})
}

// FuzzParseURL splits a discovery URL and builds the backends that need
// no server (nodes, file, token). A URL it splits renders back to a URL
// that splits the same way; every refusal wraps one of the package's
// errors, and a backend is never built from a URL it refused.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"nodes://10.0.0.1:2375,10.0.0.2:2375", "10.0.0.[10:20]:2375", "file:///etc/swarm/nodes", "file://rel/nodes",
		"token://0123456789abcdef", "token://127.0.0.1:8090/prefix/abc", "token://", "token://a/b/", "token://x/!!",
		"consul://127.0.0.1:8500/swarm", "etcd://h1:2379,h2:2379/path", "zk://h:2181", "NODES://h:1", "://h",
		"no-such://x", "sp ace://x", "a/b", "", "   ", "nodes://", "nodes://h:1/path", "file://", "h\u00e9:1",
		"nodes://h:[1:65535],h:[1:65535]",
	} {
		f.Add(s)
	}
	reg, err := NewRegistry(builtin()[:3]...) // nodes, file, token
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := ParseURL(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidURL) || u != nil {
				t.Fatalf("ParseURL(%q) = %+v, %v: want ErrInvalidURL", raw, u, err)
			}
			return
		}
		if u.Scheme == "" || u.Scheme != strings.ToLower(u.Scheme) || u.Raw != raw {
			t.Fatalf("ParseURL(%q) = %+v", raw, u)
		}
		rendered := u.Scheme + "://" + u.Hosts
		if u.Path != "" {
			rendered += "/" + u.Path
		}
		again, err := ParseURL(rendered)
		if err != nil || again.Scheme != u.Scheme || again.Hosts != u.Hosts || again.Path != u.Path {
			t.Fatalf("ParseURL(%q) = %+v; its rendering %q parses as %+v, %v", raw, u, rendered, again, err)
		}
		if u.Scheme != "nodes" && u.Scheme != "file" && u.Scheme != "token" {
			return
		}
		b, err := reg.New(raw, Options{Opts: map[string]string{}})
		if err != nil {
			if b != nil {
				t.Fatalf("New(%q) returned a backend and the error %v", raw, err)
			}
			for _, want := range []error{ErrInvalidURL, ErrInvalidEntry, ErrInvalidRange, ErrNoTokenService, ErrUnknownScheme} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("New(%q): %v wraps none of the package's errors", raw, err)
		}
		if n, ok := b.(*nodes); ok && (len(n.entries) == 0 || len(n.entries) > maxExpansion) {
			t.Fatalf("New(%q): nodes backend of %d entries", raw, len(n.entries))
		}
	})
}
