package state

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
)

// ErrNotFound is returned by Get for a key that holds nothing.
var ErrNotFound = errors.New("state: key not found")

// Store is durable key/value state shared by the managers of a cluster.
type Store interface {
	// Get returns the value of key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put writes key=value durably (no TTL).
	Put(ctx context.Context, key string, value []byte) error
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the keys directly under dir (names relative to dir)
	// with their values. A missing dir is an empty map.
	List(ctx context.Context, dir string) (map[string][]byte, error)
}

// Memory is a Store in memory, for tests and for a manager that keeps
// nothing across restarts.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{m: map[string][]byte{}} }

// Get implements Store.
func (s *Memory) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

// Put implements Store.
func (s *Memory) Put(_ context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = append([]byte(nil), value...)
	return nil
}

// Delete implements Store.
func (s *Memory) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// List implements Store.
func (s *Memory) List(_ context.Context, dir string) (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return children(s.m, dir), nil
}

// children picks the direct children of dir out of m, copied.
func children(m map[string][]byte, dir string) map[string][]byte {
	prefix := strings.Trim(dir, "/") + "/"
	if prefix == "/" {
		prefix = ""
	}
	out := map[string][]byte{}
	for k, v := range m {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok || rest == "" || strings.Contains(rest, "/") {
			continue
		}
		out[rest] = append([]byte(nil), v...)
	}
	return out
}

// Keys returns the sorted names of a List answer.
func Keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// errInvalidKey is returned for an empty key, or one with a leading,
// trailing or double slash.
var errInvalidKey = errors.New("state: invalid key")

func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") || strings.Contains(key, "//") {
		return errors.Join(errInvalidKey, errors.New(key))
	}
	return nil
}
