package engine

import (
	"path"
	"regexp"
	"strings"
	"sync"
)

// maxFilterRegexp bounds the /regexp/ patterns of list filters, as the
// placement expressions are bounded (1 KiB).
const maxFilterRegexp = 1024

// filterRegexps caches compiled list-filter patterns: a filter is matched
// against every container, and compiling it each time cost more than the
// match. It is emptied when it reaches maxCachedRegexps entries.
var filterRegexps struct {
	mu sync.Mutex
	m  map[string]*regexp.Regexp // nil value: the pattern does not compile
}

const maxCachedRegexps = 256

// filterRegexp compiles the pattern between slashes once; nil when it does
// not compile or is over maxFilterRegexp.
func filterRegexp(expr string) *regexp.Regexp {
	if len(expr) > maxFilterRegexp {
		return nil
	}
	filterRegexps.mu.Lock()
	defer filterRegexps.mu.Unlock()
	if re, ok := filterRegexps.m[expr]; ok {
		return re
	}
	if filterRegexps.m == nil || len(filterRegexps.m) >= maxCachedRegexps {
		filterRegexps.m = map[string]*regexp.Regexp{}
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		re = nil
	}
	filterRegexps.m[expr] = re
	return re
}

// MatchAny matches values against list-filter patterns, as classic Swarm's
// node filters did: exact, glob, or a regular expression between slashes.
// Empty values never match.
func MatchAny(patterns []string, values ...string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if v == "" {
				continue
			}
			if p == v {
				return true
			}
			if len(p) > 2 && strings.HasPrefix(p, "/") && strings.HasSuffix(p, "/") {
				if re := filterRegexp(p[1 : len(p)-1]); re != nil && re.MatchString(v) {
					return true
				}
				continue
			}
			if ok, _ := path.Match(p, v); ok {
				return true
			}
		}
	}
	return false
}

// Union appends to a the strings of b it lacks (image tags and digests
// merged over the nodes that hold an image).
func Union(a, b []string) []string {
	seen := make(map[string]bool, len(a))
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			a = append(a, s)
			seen[s] = true
		}
	}
	return a
}
