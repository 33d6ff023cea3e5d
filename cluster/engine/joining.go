package engine

import (
	"context"
	"sync"
)

// Joining counts the engines of a fleet whose first round has not ended
// (answered or failed), and lets others wait until none is left. Its
// zero value is not ready: use NewJoining.
type Joining struct {
	mu   sync.Mutex
	n    int
	none chan struct{} // closed while n is 0
}

// NewJoining returns a count of zero.
func NewJoining() *Joining {
	ch := make(chan struct{})
	close(ch)
	return &Joining{none: ch}
}

// Join counts one more joining engine and returns the function that ends
// its count; calls after the first do nothing.
func (j *Joining) Join() (done func()) {
	j.mu.Lock()
	if j.n == 0 {
		j.none = make(chan struct{})
	}
	j.n++
	j.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			j.mu.Lock()
			defer j.mu.Unlock()
			if j.n--; j.n == 0 {
				close(j.none)
			}
		})
	}
}

// Len returns how many engines are joining.
func (j *Joining) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
}

// Wait waits until no engine is joining; false when ctx ended first.
func (j *Joining) Wait(ctx context.Context) bool {
	for {
		j.mu.Lock()
		n, none := j.n, j.none
		j.mu.Unlock()
		if n == 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-none:
		}
	}
}
