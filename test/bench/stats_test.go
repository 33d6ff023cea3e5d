package main

import (
	"testing"
	"time"
)

func TestQuantiles(t *testing.T) {
	ms := func(v ...int) samples {
		out := samples{}
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	tests := []struct {
		name string
		in   samples
		q    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.5, 7 * time.Millisecond},
		{"odd median", ms(5, 1, 3), 0.5, 3 * time.Millisecond},
		{"even median rounds up", ms(4, 1, 3, 2), 0.5, 3 * time.Millisecond},
		{"p90", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 0.9, 10 * time.Millisecond},
		{"max", ms(2, 9, 4), 1, 9 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append(samples(nil), tt.in...)
			if got := tt.in.quantile(tt.q); got != tt.want {
				t.Fatalf("quantile(%v) of %v = %v, want %v", tt.q, tt.in, got, tt.want)
			}
			for i := range in {
				if in[i] != tt.in[i] {
					t.Fatal("quantile reordered its input")
				}
			}
		})
	}
	if r := ratio(3*time.Second, 2*time.Second); r != 1.5 {
		t.Fatalf("ratio = %v", r)
	}
	if r := ratio(time.Second, 0); r != 0 {
		t.Fatalf("ratio by zero = %v", r)
	}
}
