package engine

import "testing"

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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchAny(tt.patterns, tt.values...); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
