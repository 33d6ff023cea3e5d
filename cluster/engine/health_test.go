package engine

import "testing"

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
			{true, Healthy, true}, {false, Healthy, false}, {true, Healthy, false},
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
