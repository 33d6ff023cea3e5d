package state

import (
	"context"
	"errors"
	"strings"
)

// KVData is what KV needs of a key/value store; discovery/kv's stores
// implement it (keys are slash-separated, with no leading slash).
type KVData interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, dir string) (map[string][]byte, error)
}

// KVDir is where the managers' state lives under the discovery URL's
// path: <path>/docker/swarm/state/<key>.
const KVDir = "docker/swarm/state"

// KV is a Store kept in the discovery's key/value store (consul, etcd,
// zk), so that every manager of a replicated cluster reads the same node
// availability, labels and reschedule specs, and a new primary finds them.
type KV struct {
	data     KVData
	prefix   string
	notFound error // the store's own not-found error
}

// NewKV returns a Store over data under <base>/docker/swarm/state.
// notFound is the error (matched with errors.Is) data's Get returns for a
// missing key; it becomes ErrNotFound.
func NewKV(data KVData, base string, notFound error) *KV {
	prefix := strings.Trim(strings.Trim(base, "/")+"/"+KVDir, "/")
	return &KV{data: data, prefix: prefix, notFound: notFound}
}

func (s *KV) key(k string) string { return s.prefix + "/" + k }

// Get implements Store.
func (s *KV) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	v, err := s.data.Get(ctx, s.key(key))
	if err != nil && s.notFound != nil && errors.Is(err, s.notFound) {
		return nil, ErrNotFound
	}
	return v, err
}

// Put implements Store.
func (s *KV) Put(ctx context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.data.Set(ctx, s.key(key), value)
}

// Delete implements Store.
func (s *KV) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.data.Delete(ctx, s.key(key))
}

// List implements Store.
func (s *KV) List(ctx context.Context, dir string) (map[string][]byte, error) {
	d := strings.Trim(dir, "/")
	if d == "" {
		return s.data.List(ctx, s.prefix)
	}
	return s.data.List(ctx, s.prefix+"/"+d)
}
