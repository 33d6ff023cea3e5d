package engine

import (
	"path"
	"regexp"
	"strings"
)

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
				if re, err := regexp.Compile(p[1 : len(p)-1]); err == nil && re.MatchString(v) {
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
