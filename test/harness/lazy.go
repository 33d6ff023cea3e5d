package harness

import (
	"sync"
	"testing"
)

// LazyEngines starts N engines the first time a test asks for them and
// shares them with every later test of the package: for packages in which
// only some tests need engines. Stop them from TestMain.
type LazyEngines struct {
	N int

	once sync.Once
	engs []*Engine
	err  error
}

// Get returns the engines, starting them on the first call; it skips t
// when real engines cannot be had (RequireEngines) and fails it when they
// do not start.
func (l *LazyEngines) Get(t testing.TB) []*Engine {
	t.Helper()
	RequireEngines(t)
	l.once.Do(func() { l.engs, l.err = StartEngines(l.N, nil) })
	if l.err != nil {
		t.Fatal(l.err)
	}
	return l.engs
}

// Stop stops the engines if they were started.
func (l *LazyEngines) Stop() {
	if l.engs != nil {
		StopEngines(l.engs)
	}
}
