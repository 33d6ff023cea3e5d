package engine

import (
	"strings"
	"testing"
)

func TestMapSize(t *testing.T) {
	tests := []struct {
		m    map[string]string
		want int
	}{
		{nil, 0},
		{map[string]string{"a": "bc"}, 3},
		{map[string]string{"big": strings.Repeat("x", largeObject)}, largeObject + 3},
	}
	for _, tt := range tests {
		if got := mapSize(tt.m); got != tt.want {
			t.Errorf("mapSize(%d keys) = %d, want %d", len(tt.m), got, tt.want)
		}
	}
}
