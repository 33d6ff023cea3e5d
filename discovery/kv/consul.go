package kv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"
)

// consulWait bounds one blocking query; the watch then simply asks again.
const consulWait = 30 * time.Second

// consulLockDelay replaces Consul's default 15s lock delay: after a session
// lapses its keys must be writable again at once by the next registration.
const consulLockDelay = time.Millisecond

// Consul is a Store over Consul's KV API. A Put acquires its key with a
// session created with a TTL and behavior "delete"; the next Put renews the
// session. When Puts stop, Consul invalidates the session and deletes the
// key. Consul invalidates a session between its TTL and twice its TTL, so
// the session TTL is half the requested TTL: the key goes away between
// ttl/2 and ttl after the last Put, and Puts must come more often than
// ttl/2. Consul refuses session TTLs under its session_ttl_min (10s unless
// the agent's configuration lowers it).
type Consul struct {
	client *api.Client

	mu         sync.Mutex
	session    string            // guarded by mu: the current session ("" if none)
	sessionTTL time.Duration     // guarded by mu: the TTL session was created with
	held       map[string]string // guarded by mu: key -> session that acquired it
	locks      map[string]string // guarded by mu: lock key -> its own session
}

// NewConsul makes a client for the Consul agent at cfg.Endpoints[0]; Consul
// is reached through one agent, so more endpoints are an error.
func NewConsul(cfg Config) (*Consul, error) {
	if len(cfg.Endpoints) != 1 {
		return nil, fmt.Errorf("consul: want exactly one agent address, got %d (%s)", len(cfg.Endpoints), strings.Join(cfg.Endpoints, ","))
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	scheme := "http"
	if cfg.TLS != nil {
		transport.TLSClientConfig = cfg.TLS.Clone()
		scheme = "https"
	}
	c, err := api.NewClient(&api.Config{
		Address:    cfg.Endpoints[0],
		Scheme:     scheme,
		HttpClient: &http.Client{Transport: transport},
	})
	if err != nil {
		return nil, fmt.Errorf("consul: %w", err)
	}
	return &Consul{client: c, held: make(map[string]string), locks: make(map[string]string)}, nil
}

// Put acquires key with this Store's session, renewing or creating it.
func (s *Consul) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkKey(key); err != nil {
		return err
	}
	sessionTTL := ttl / 2
	id, err := s.liveSession(ctx, sessionTTL)
	if err != nil {
		return err
	}
	s.mu.Lock()
	heldBy := s.held[key]
	s.mu.Unlock()
	if heldBy == id {
		return nil // the renewed session keeps the key
	}
	w := (&api.WriteOptions{}).WithContext(ctx)
	pair := &api.KVPair{Key: key, Value: value, Session: id}
	ok, _, err := s.client.KV().Acquire(pair, w)
	if err != nil {
		return fmt.Errorf("consul: acquire %s: %w", key, unwrapURL(err))
	}
	if !ok {
		// Another session (an earlier run of this address) still holds the
		// key: take it over.
		if _, err := s.client.KV().Delete(key, w); err != nil {
			return fmt.Errorf("consul: take over %s: %w", key, unwrapURL(err))
		}
		if ok, _, err = s.client.KV().Acquire(pair, w); err != nil {
			return fmt.Errorf("consul: acquire %s: %w", key, unwrapURL(err))
		}
		if !ok {
			return fmt.Errorf("consul: %s is held by another session", key)
		}
	}
	s.mu.Lock()
	s.held[key] = id
	s.mu.Unlock()
	return nil
}

// liveSession renews the current session or creates one with ttl.
func (s *Consul) liveSession(ctx context.Context, ttl time.Duration) (string, error) {
	s.mu.Lock()
	id, cur := s.session, s.sessionTTL
	s.mu.Unlock()
	w := (&api.WriteOptions{}).WithContext(ctx)
	if id != "" && cur == ttl {
		entry, _, err := s.client.Session().Renew(id, w)
		if err != nil {
			return "", fmt.Errorf("consul: renew session: %w", unwrapURL(err))
		}
		if entry != nil {
			return id, nil
		}
		// The session lapsed; its keys are gone.
	}
	id, _, err := s.client.Session().Create(&api.SessionEntry{
		Name:      "swarm-discovery",
		TTL:       ttl.String(),
		Behavior:  api.SessionBehaviorDelete,
		LockDelay: consulLockDelay,
	}, w)
	if err != nil {
		return "", fmt.Errorf("consul: create session with TTL %v: %w", ttl, unwrapURL(err))
	}
	s.mu.Lock()
	s.session, s.sessionTTL = id, ttl
	s.held = make(map[string]string)
	s.mu.Unlock()
	return id, nil
}

// Delete removes key.
func (s *Consul) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.held, key)
	s.mu.Unlock()
	if _, err := s.client.KV().Delete(key, (&api.WriteOptions{}).WithContext(ctx)); err != nil {
		return fmt.Errorf("consul: delete %s: %w", key, unwrapURL(err))
	}
	return nil
}

// WatchTree follows dir with blocking queries: each query returns when the
// index of the keys under dir moves past the last one seen (or after
// consulWait), and fn is called when the index changed. A failed query (the
// agent is down) ends WatchTree; the caller starts again from index 0.
func (s *Consul) WatchTree(ctx context.Context, dir string, fn func(names []string)) error {
	prefix := Join(dir) + "/"
	var index uint64
	first := true
	for {
		q := (&api.QueryOptions{WaitIndex: index, WaitTime: consulWait}).WithContext(ctx)
		keys, meta, err := s.client.KV().Keys(prefix, "/", q)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("consul: watch %s: %w", prefix, unwrapURL(err))
		}
		if meta.LastIndex < index {
			// The index went backwards (the store was reset): start over.
			index = 0
			first = true
			continue
		}
		if first || meta.LastIndex != index {
			names := make([]string, 0, len(keys))
			for _, k := range keys {
				name := strings.TrimPrefix(k, prefix)
				if name != "" && !strings.Contains(name, "/") {
					names = append(names, name)
				}
			}
			fn(names)
			first = false
		}
		index = meta.LastIndex
	}
}

// Close destroys this Store's sessions (their keys go with them).
func (s *Consul) Close() error {
	s.mu.Lock()
	ids := make([]string, 0, 1+len(s.locks))
	if s.session != "" {
		ids = append(ids, s.session)
	}
	for _, id := range s.locks {
		ids = append(ids, id)
	}
	s.session = ""
	s.locks = make(map[string]string)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, id := range ids {
		if _, err := s.client.Session().Destroy(id, (&api.WriteOptions{}).WithContext(ctx)); err != nil {
			errs = append(errs, fmt.Errorf("consul: destroy session: %w", unwrapURL(err)))
		}
	}
	return errors.Join(errs...)
}

// Get returns the value of key.
func (s *Consul) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	pair, _, err := s.client.KV().Get(key, (&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("consul: get %s: %w", key, unwrapURL(err))
	}
	if pair == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return pair.Value, nil
}

// Set writes key with no session.
func (s *Consul) Set(ctx context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if _, err := s.client.KV().Put(&api.KVPair{Key: key, Value: value}, (&api.WriteOptions{}).WithContext(ctx)); err != nil {
		return fmt.Errorf("consul: put %s: %w", key, unwrapURL(err))
	}
	return nil
}

// List returns the keys directly under dir with their values.
func (s *Consul) List(ctx context.Context, dir string) (map[string][]byte, error) {
	prefix := Join(dir) + "/"
	pairs, _, err := s.client.KV().List(prefix, (&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("consul: list %s: %w", prefix, unwrapURL(err))
	}
	out := make(map[string][]byte, len(pairs))
	for _, p := range pairs {
		name := strings.TrimPrefix(p.Key, prefix)
		if name != "" && !strings.Contains(name, "/") {
			out[name] = p.Value
		}
	}
	return out, nil
}

// TryLock holds key with a session of its own, created with TTL ttl/2
// and behavior "delete", renewed on each call; the key is acquired with
// that session (Consul's lock), which succeeds only when no other session
// holds it.
func (s *Consul) TryLock(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, []byte, error) {
	if err := checkKey(key); err != nil {
		return false, nil, err
	}
	w := (&api.WriteOptions{}).WithContext(ctx)
	s.mu.Lock()
	id := s.locks[key]
	s.mu.Unlock()
	if id != "" {
		entry, _, err := s.client.Session().Renew(id, w)
		if err != nil {
			return false, nil, fmt.Errorf("consul: renew lock session: %w", unwrapURL(err))
		}
		if entry == nil {
			id = "" // lapsed: the key went with it
		}
	}
	if id == "" {
		pair, _, err := s.client.KV().Get(key, (&api.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return false, nil, fmt.Errorf("consul: get %s: %w", key, unwrapURL(err))
		}
		if pair != nil && pair.Session != "" {
			return false, pair.Value, nil
		}
		id, _, err = s.client.Session().Create(&api.SessionEntry{
			Name:      "swarm-leader",
			TTL:       (ttl / 2).String(),
			Behavior:  api.SessionBehaviorDelete,
			LockDelay: consulLockDelay,
		}, w)
		if err != nil {
			return false, nil, fmt.Errorf("consul: create lock session with TTL %v: %w", ttl/2, unwrapURL(err))
		}
	}
	s.mu.Lock()
	s.locks[key] = id
	s.mu.Unlock()
	ok, _, err := s.client.KV().Acquire(&api.KVPair{Key: key, Value: value, Session: id}, w)
	if err != nil {
		return false, nil, fmt.Errorf("consul: acquire %s: %w", key, unwrapURL(err))
	}
	if ok {
		return true, value, nil
	}
	pair, _, err := s.client.KV().Get(key, (&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return false, nil, fmt.Errorf("consul: get %s: %w", key, unwrapURL(err))
	}
	if pair == nil {
		return false, nil, nil
	}
	return false, pair.Value, nil
}

// Unlock destroys the lock's session, which deletes the key.
func (s *Consul) Unlock(ctx context.Context, key string) error {
	s.mu.Lock()
	id := s.locks[key]
	delete(s.locks, key)
	s.mu.Unlock()
	if id == "" {
		return nil
	}
	if _, err := s.client.Session().Destroy(id, (&api.WriteOptions{}).WithContext(ctx)); err != nil {
		return fmt.Errorf("consul: unlock %s: %w", key, unwrapURL(err))
	}
	return nil
}

// unwrapURL drops net/http's `Get "url":` wrapper, which repeats the whole
// query URL in every message.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
