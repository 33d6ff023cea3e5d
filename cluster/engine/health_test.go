package engine

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"testing"
)

func TestHealthState(t *testing.T) {
	type step struct {
		ok      bool
		want    Health
		changed bool
	}
	tests := []struct {
		name  string
		retry int
		steps []step
	}{
		{"pending to healthy", 3, []step{{true, Healthy, true}, {true, Healthy, false}}},
		{"unhealthy after retry failures", 3, []step{
			{true, Healthy, true}, {false, Healthy, false}, {false, Healthy, false},
			{false, Unhealthy, true}, {false, Unhealthy, false}}},
		{"a success resets the count", 2, []step{
			// The success changes the score (not the state).
			{true, Healthy, true}, {false, Healthy, false}, {true, Healthy, true},
			{false, Healthy, false}, {false, Unhealthy, true}}},
		{"recovers", 1, []step{{true, Healthy, true}, {false, Unhealthy, true}, {true, Healthy, true}}},
		{"pending never reached", 2, []step{{false, Pending, false}, {false, Unhealthy, true}}},
		{"zero retry acts as one", 0, []step{{true, Healthy, true}, {false, Unhealthy, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := healthState{retry: tt.retry}
			for i, s := range tt.steps {
				var changed bool
				if s.ok {
					changed = h.success()
				} else {
					changed = h.failure()
				}
				if h.state != s.want || changed != s.changed {
					t.Fatalf("step %d: state %v changed %v, want %v changed %v", i, h.state, changed, s.want, s.changed)
				}
			}
		})
	}
}

func TestHealthScore(t *testing.T) {
	tests := []struct {
		name            string
		retry, failures int
		want            int
	}{
		{"no failure", 3, 0, 100},
		{"one of three", 3, 1, 67},
		{"two of three", 3, 2, 34},
		{"unhealthy", 3, 3, 0},
		{"beyond retry", 3, 7, 0},
		{"one of five", 5, 1, 80},
		{"one of fifty", 50, 1, 98},
		{"zero retry acts as one", 0, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := healthState{state: Healthy, retry: tt.retry}
			for range tt.failures {
				h.failure()
			}
			if got := h.score(); got != tt.want {
				t.Fatalf("score after %d failures of %d = %d, want %d", tt.failures, tt.retry, got, tt.want)
			}
		})
	}
}

func TestObserveCall(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	answered := Errorf(ErrNotFound, "No such image: x")
	tests := []struct {
		name       string
		calls      []error
		wantScore  int
		wantHealth Health
	}{
		{"success", []error{nil}, 100, Healthy},
		{"a refused connection counts", []error{refused}, 80, Healthy},
		{"wrapped", []error{EngineError(fmt.Errorf("create: %w", refused))}, 80, Healthy},
		{"an engine's answer does not count", []error{answered, answered}, 100, Healthy},
		{"a canceled call does not count", []error{context.Canceled}, 100, Healthy},
		{"a success clears the count", []error{refused, refused, nil}, 100, Healthy},
		{"failures add up", []error{refused, refused, refused}, 40, Healthy},
		{"unhealthy after retry", []error{refused, refused, refused, refused, refused}, 0, Unhealthy},
		{"a call does not revive an unhealthy engine", []error{refused, refused, refused, refused, refused, nil}, 0, Unhealthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewFixture(Fixture{Addr: "a:1", Name: "n", Health: Healthy, FailureRetry: 5})
			gen := e.Generation()
			for _, err := range tt.calls {
				if got := e.ObserveCall(err); got != err {
					t.Fatalf("ObserveCall returned %v, want its argument %v", got, err)
				}
			}
			if got := e.HealthScore(); got != tt.wantScore {
				t.Errorf("score %d, want %d", got, tt.wantScore)
			}
			if got := e.Health(); got != tt.wantHealth {
				t.Errorf("health %v, want %v", got, tt.wantHealth)
			}
			if tt.wantScore != 100 && e.Generation() == gen {
				t.Errorf("the generation did not move: the scheduler would not see the new score")
			}
		})
	}
}
