package engine

import (
	"runtime/debug"
	"sync"
	"time"
)

// Large values (labels of megabytes) pass through the cache now and then.
// Go frees them inside the process at the next collection but gives the
// pages back to the system only slowly; these helpers give them back as
// soon as the cache lets go of them.

// largeObject is the size of labels or event attributes (keys and values
// summed) from which letting go of them returns the memory at once.
const largeObject = 1 << 20

// returnMemoryEvery rate-limits the forced returns: each one is a full
// collection.
const returnMemoryEvery = 10 * time.Second

var memReturn struct {
	mu      sync.Mutex
	last    time.Time
	pending bool
}

// returnMemorySoon collects garbage and returns free memory to the system
// in the background, at most once per returnMemoryEvery (a call within the
// interval schedules one at its end).
func returnMemorySoon() {
	memReturn.mu.Lock()
	defer memReturn.mu.Unlock()
	if memReturn.pending {
		return
	}
	memReturn.pending = true
	wait := max(0, returnMemoryEvery-time.Since(memReturn.last))
	time.AfterFunc(wait, func() {
		debug.FreeOSMemory()
		memReturn.mu.Lock()
		memReturn.last = time.Now()
		memReturn.pending = false
		memReturn.mu.Unlock()
	})
}

// mapSize is the bytes of a string map's keys and values.
func mapSize(m map[string]string) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
	}
	return n
}
