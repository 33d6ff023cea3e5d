package engine

import (
	"strings"
	"testing"
)

func TestMatchAny(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		values   []string
		want     bool
	}{
		{"exact", []string{"node-1"}, []string{"node-1"}, true},
		{"glob", []string{"node-*"}, []string{"node-7"}, true},
		{"regex", []string{"/^node-[12]$/"}, []string{"node-2"}, true},
		{"regex miss", []string{"/^node-[12]$/"}, []string{"node-3"}, false},
		{"second value", []string{"abc"}, []string{"x", "abc"}, true},
		{"empty values never match", []string{"*"}, []string{""}, false},
		{"no match", []string{"a"}, []string{"b"}, false},
		{"bad regex matches nothing", []string{"/(/"}, []string{"("}, false},
		{"regex over 1 KiB matches nothing", []string{"/" + strings.Repeat("a?", 600) + "/"}, []string{"a"}, false},
		{"regex at 1 KiB still works", []string{"/^" + strings.Repeat("a?", 511) + "$/"}, []string{"aa"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchAny(tt.patterns, tt.values...); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestFilterRegexpCache: a pattern compiles once, and the cache stays
// bounded however many patterns come.
func TestFilterRegexpCache(t *testing.T) {
	a, b := filterRegexp("^x+$"), filterRegexp("^x+$")
	if a == nil || a != b {
		t.Fatalf("the same pattern compiled twice: %p, %p", a, b)
	}
	for i := 0; i < 3*maxCachedRegexps; i++ {
		filterRegexp(strings.Repeat("y", i%50) + string(rune('a'+i%26)) + strings.Repeat("z", i/26))
	}
	filterRegexps.mu.Lock()
	n := len(filterRegexps.m)
	filterRegexps.mu.Unlock()
	if n > maxCachedRegexps {
		t.Fatalf("%d cached patterns, want at most %d", n, maxCachedRegexps)
	}
}
