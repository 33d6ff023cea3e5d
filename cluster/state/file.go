package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// File is a Store kept in one JSON file that only this manager writes.
// Every change rewrites the file atomically (a temporary file renamed over
// it), so a crash leaves the old or the new state, never half of one.
type File struct {
	path string
	mu   sync.Mutex
	m    map[string][]byte
}

// OpenFile reads the state file at path, or starts empty when it does not
// exist. A file that is not this format is an error, never overwritten.
func OpenFile(path string) (*File, error) {
	f := &File{path: path, m: map[string][]byte{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	var disk struct {
		Keys map[string]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &disk); err != nil {
		return nil, fmt.Errorf("state file %s is not a swarm state file: %w", path, err)
	}
	for k, v := range disk.Keys {
		// The file is indented for people; values read back compact.
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return nil, fmt.Errorf("state file %s, key %s: %w", path, k, err)
		}
		f.m[k] = b.Bytes()
	}
	return f, nil
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Get implements Store.
func (f *File) Get(_ context.Context, key string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[key]
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

// Put implements Store. The value must be JSON: the file holds it as is,
// so that people can read it.
func (f *File) Put(_ context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if !json.Valid(value) {
		return fmt.Errorf("state: the value of %s is not JSON", key)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old, had := f.m[key]
	f.m[key] = append([]byte(nil), value...)
	if err := f.save(); err != nil {
		if had {
			f.m[key] = old
		} else {
			delete(f.m, key)
		}
		return err
	}
	return nil
}

// Delete implements Store.
func (f *File) Delete(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	old, had := f.m[key]
	if !had {
		return nil
	}
	delete(f.m, key)
	if err := f.save(); err != nil {
		f.m[key] = old
		return err
	}
	return nil
}

// List implements Store.
func (f *File) List(_ context.Context, dir string) (map[string][]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return children(f.m, dir), nil
}

// save writes the whole map; f.mu is held.
func (f *File) save() error {
	keys := make(map[string]json.RawMessage, len(f.m))
	for k, v := range f.m {
		keys[k] = json.RawMessage(v)
	}
	data, err := json.MarshalIndent(struct {
		Keys map[string]json.RawMessage `json:"keys"`
	}{keys}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("state file %s: %w", f.path, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(f.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("state file %s: %w", f.path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("state file %s: %w", f.path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("state file %s: %w", f.path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("state file %s: %w", f.path, err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("state file %s: %w", f.path, err)
	}
	return nil
}
