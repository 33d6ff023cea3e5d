package main

import (
	"sort"
	"time"
)

// samples is a series of durations.
type samples []time.Duration

// quantile returns the q-quantile (0..1) by nearest rank; 0 when empty.
func (s samples) quantile(q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	sorted := append(samples(nil), s...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	i := int(q*float64(len(sorted)-1) + 0.5)
	return sorted[i]
}

// median is the 0.5 quantile.
func (s samples) median() time.Duration { return s.quantile(0.5) }

// ratio is a/b, 0 when b is 0.
func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
