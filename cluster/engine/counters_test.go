package engine

import (
	"errors"
	"testing"
)

// TestRefreshErrors: every failed refresh counts, whatever the health
// state it leaves; a success does not reset the counter.
func TestRefreshErrors(t *testing.T) {
	tests := []struct {
		name     string
		failures int
		retry    int
	}{
		{"none", 0, 3},
		{"below the retry limit", 2, 3},
		{"past the retry limit", 5, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewFixture(Fixture{Addr: "a:1", Name: "n", Health: Healthy, FailureRetry: tt.retry})
			for i := 0; i < tt.failures; i++ {
				e.recordFailure(errors.New("connection refused"))
			}
			e.recordSuccess()
			if got := e.RefreshErrors(); got != uint64(tt.failures) {
				t.Errorf("RefreshErrors = %d, want %d", got, tt.failures)
			}
			if got := e.EventStreamErrors(); got != 0 {
				t.Errorf("EventStreamErrors = %d, want 0", got)
			}
		})
	}
}
