package discovery

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// maxExpansion bounds how many addresses one pattern may expand to, so that
// a typo such as [1:99999999] is an error instead of an out-of-memory.
const maxExpansion = 65536

// maxPatternLen bounds the length of one address pattern (a host name is at
// most 253 bytes): a longer one would make the expansion of maxExpansion
// addresses take hundreds of megabytes before any address is checked.
const maxPatternLen = 512

// ExpandRange expands the numeric ranges of a pattern, in the manner of the
// classic Swarm: "10.0.0.[10:12]:2375" gives 10.0.0.10:2375, 10.0.0.11:2375
// and 10.0.0.12:2375. A range is [from:to] with from <= to, both decimal;
// it may stand anywhere, in the host or in the port. Several ranges expand
// to every combination. When from is written with leading zeros
// (node-[01:10]) every number is padded to that width. A bracketed IPv6
// address ([::1]:2375) is left as it is. A pattern without ranges expands
// to itself.
func ExpandRange(pattern string) ([]string, error) {
	if len(pattern) > maxPatternLen {
		return nil, fmt.Errorf("%w in %.40q...: longer than %d bytes", ErrInvalidRange, pattern, maxPatternLen)
	}
	out := []string{""}
	rest := pattern
	for {
		open := strings.IndexByte(rest, '[')
		closeAt := strings.IndexByte(rest, ']')
		if open < 0 {
			if closeAt >= 0 {
				return nil, fmt.Errorf("%w in %q: ']' without '['", ErrInvalidRange, pattern)
			}
			return appendAll(out, rest), nil
		}
		if closeAt >= 0 && closeAt < open {
			return nil, fmt.Errorf("%w in %q: ']' without '['", ErrInvalidRange, pattern)
		}
		end := strings.IndexByte(rest[open:], ']')
		if end < 0 {
			return nil, fmt.Errorf("%w in %q: missing ']'", ErrInvalidRange, pattern)
		}
		end += open
		out = appendAll(out, rest[:open])
		body := rest[open+1 : end]
		if strings.ContainsRune(body, '[') {
			return nil, fmt.Errorf("%w in %q: nested '['", ErrInvalidRange, pattern)
		}
		if net.ParseIP(body) != nil && strings.Count(body, ":") >= 2 {
			// A bracketed IPv6 literal, not a range.
			out = appendAll(out, rest[open:end+1])
			rest = rest[end+1:]
			continue
		}
		values, err := rangeValues(body)
		if err != nil {
			return nil, fmt.Errorf("%w in %q: %w", ErrInvalidRange, pattern, err)
		}
		if len(out)*len(values) > maxExpansion {
			return nil, fmt.Errorf("%w in %q: expands to more than %d addresses", ErrInvalidRange, pattern, maxExpansion)
		}
		next := make([]string, 0, len(out)*len(values))
		for _, prefix := range out {
			for _, v := range values {
				next = append(next, prefix+v)
			}
		}
		out = next
		rest = rest[end+1:]
	}
}

// rangeValues expands the inside of one [from:to].
func rangeValues(body string) ([]string, error) {
	from, to, ok := strings.Cut(body, ":")
	if !ok {
		return nil, fmt.Errorf("[%s] is not [from:to]", body)
	}
	lo, err := rangeBound(from)
	if err != nil {
		return nil, err
	}
	hi, err := rangeBound(to)
	if err != nil {
		return nil, err
	}
	if lo > hi {
		return nil, fmt.Errorf("[%s]: start %d is greater than end %d", body, lo, hi)
	}
	if hi-lo >= maxExpansion {
		return nil, fmt.Errorf("[%s] expands to more than %d values", body, maxExpansion)
	}
	width := 0
	if len(from) > 1 && from[0] == '0' {
		width = len(from)
	}
	values := make([]string, 0, hi-lo+1)
	for v := lo; v <= hi; v++ {
		values = append(values, fmt.Sprintf("%0*d", width, v))
	}
	return values, nil
}

func rangeBound(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty range bound")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("range bound %q is not a non-negative number", s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("range bound %q is too large", s)
	}
	return n, nil
}

func appendAll(prefixes []string, s string) []string {
	if s == "" {
		return prefixes
	}
	for i := range prefixes {
		prefixes[i] += s
	}
	return prefixes
}

// ParseAddrList parses a comma-separated list of host:port addresses, each
// of which may hold ranges (see ExpandRange), and returns the normalized set.
// The list may name at most maxExpansion addresses in all.
func ParseAddrList(list string) (Entries, error) {
	var out Entries
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("%w: empty address in list %q", ErrInvalidEntry, list)
		}
		es, err := ParsePattern(item)
		if err != nil {
			return nil, err
		}
		if out, err = appendBounded(out, es); err != nil {
			return nil, err
		}
	}
	return out.Normalize(), nil
}

// appendBounded appends es to out unless that makes more than maxExpansion
// addresses, so that a list or file of many large ranges is refused as one
// large range is.
func appendBounded(out, es Entries) (Entries, error) {
	if len(out)+len(es) > maxExpansion {
		return nil, fmt.Errorf("%w: more than %d addresses in all", ErrInvalidRange, maxExpansion)
	}
	return append(out, es...), nil
}

// ParsePattern expands one address pattern and parses every result.
func ParsePattern(pattern string) (Entries, error) {
	addrs, err := ExpandRange(pattern)
	if err != nil {
		return nil, err
	}
	out := make(Entries, 0, len(addrs))
	for _, a := range addrs {
		e, err := ParseEntry(a)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
