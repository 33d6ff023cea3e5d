package kv

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// etcdCallTimeout bounds one request so that a store that is down fails the
// call instead of blocking it until the store is back.
const etcdCallTimeout = 5 * time.Second

// Etcd is a Store over etcd v3. A Put binds its key to a lease of the given
// TTL; the next Put of the key renews the lease (KeepAliveOnce), or grants a
// new one if the lease is gone (expired, or the store lost it). When Puts
// stop, etcd revokes the lease after its TTL and deletes the key.
type Etcd struct {
	client *clientv3.Client

	mu     sync.Mutex
	leases map[string]clientv3.LeaseID // guarded by mu: the lease of each key this Store put
	locks  map[string]clientv3.LeaseID // guarded by mu: the lease of each lock this Store holds
}

// NewEtcd connects to the etcd cluster in cfg.Endpoints. It does not wait
// for a connection: requests fail (and are retried by the caller) while the
// store is unreachable.
func NewEtcd(cfg Config) (*Etcd, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("etcd: no endpoints")
	}
	scheme := "http://"
	if cfg.TLS != nil {
		scheme = "https://"
	}
	eps := make([]string, len(cfg.Endpoints))
	for i, e := range cfg.Endpoints {
		eps[i] = scheme + e
	}
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   eps,
		DialTimeout: etcdCallTimeout,
		TLS:         cfg.TLS,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("etcd: %w", err)
	}
	return &Etcd{client: c, leases: make(map[string]clientv3.LeaseID), locks: make(map[string]clientv3.LeaseID)}, nil
}

// Put writes key bound to a lease of ttl (rounded up to whole seconds).
func (s *Etcd) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkKey(key); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, etcdCallTimeout)
	defer cancel()

	s.mu.Lock()
	id, ok := s.leases[key]
	s.mu.Unlock()
	if ok {
		_, err := s.client.KeepAliveOnce(ctx, id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, rpctypes.ErrLeaseNotFound) {
			return fmt.Errorf("etcd: renew lease of %s: %w", key, err)
		}
		// The lease lapsed (or the store lost it): start again.
	}
	secs := int64(math.Ceil(ttl.Seconds()))
	if secs < 1 {
		secs = 1
	}
	lease, err := s.client.Grant(ctx, secs)
	if err != nil {
		return fmt.Errorf("etcd: grant lease: %w", err)
	}
	if _, err := s.client.Put(ctx, key, string(value), clientv3.WithLease(lease.ID)); err != nil {
		return fmt.Errorf("etcd: put %s: %w", key, err)
	}
	s.mu.Lock()
	s.leases[key] = lease.ID
	s.mu.Unlock()
	return nil
}

// Delete removes key and revokes its lease.
func (s *Etcd) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, etcdCallTimeout)
	defer cancel()
	s.mu.Lock()
	id, ok := s.leases[key]
	delete(s.leases, key)
	s.mu.Unlock()
	if _, err := s.client.Delete(ctx, key); err != nil {
		return fmt.Errorf("etcd: delete %s: %w", key, err)
	}
	if ok {
		if _, err := s.client.Revoke(ctx, id); err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
			return fmt.Errorf("etcd: revoke lease of %s: %w", key, err)
		}
	}
	return nil
}

// WatchTree lists dir and then follows it with an etcd watch starting right
// after the listed revision, so no change is missed between the two. The
// client library re-establishes the watch stream by itself after a
// connection drop; a watch the server cancels (compaction, lost leader)
// ends WatchTree with an error and the caller starts again.
func (s *Etcd) WatchTree(ctx context.Context, dir string, fn func(names []string)) error {
	prefix := Join(dir) + "/"
	rev, names, err := s.list(ctx, prefix)
	if err != nil {
		return err
	}
	fn(names)
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	wch := s.client.Watch(wctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1), clientv3.WithKeysOnly())
	for resp := range wch {
		if err := resp.Err(); err != nil {
			return fmt.Errorf("etcd: watch %s: %w", prefix, err)
		}
		if len(resp.Events) == 0 {
			continue // progress notification
		}
		_, names, err := s.list(ctx, prefix)
		if err != nil {
			return err
		}
		fn(names)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("etcd: watch %s closed", prefix)
}

// list returns the store revision and the child names under prefix.
func (s *Etcd) list(ctx context.Context, prefix string) (int64, []string, error) {
	ctx, cancel := context.WithTimeout(ctx, etcdCallTimeout)
	defer cancel()
	resp, err := s.client.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return 0, nil, fmt.Errorf("etcd: list %s: %w", prefix, err)
	}
	names := make([]string, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		name := strings.TrimPrefix(string(kv.Key), prefix)
		if name != "" && !strings.Contains(name, "/") {
			names = append(names, name)
		}
	}
	return resp.Header.Revision, names, nil
}

// Close closes the connection.
func (s *Etcd) Close() error { return s.client.Close() }

// Get returns the value of key.
func (s *Etcd) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, etcdCallTimeout)
	defer cancel()
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("etcd: get %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return resp.Kvs[0].Value, nil
}

// Set writes key with no lease.
func (s *Etcd) Set(ctx context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, etcdCallTimeout)
	defer cancel()
	if _, err := s.client.Put(ctx, key, string(value)); err != nil {
		return fmt.Errorf("etcd: put %s: %w", key, err)
	}
	return nil
}

// List returns the keys directly under dir with their values.
func (s *Etcd) List(ctx context.Context, dir string) (map[string][]byte, error) {
	prefix := Join(dir) + "/"
	ctx, cancel := context.WithTimeout(ctx, etcdCallTimeout)
	defer cancel()
	resp, err := s.client.Get(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("etcd: list %s: %w", prefix, err)
	}
	out := make(map[string][]byte, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		name := strings.TrimPrefix(string(kv.Key), prefix)
		if name != "" && !strings.Contains(name, "/") {
			out[name] = kv.Value
		}
	}
	return out, nil
}

// TryLock holds key with a lease of ttl: a held lock's lease is renewed
// (KeepAliveOnce) and checked to still carry the key; a free key is taken
// in a transaction that writes it only if it does not exist.
func (s *Etcd) TryLock(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, []byte, error) {
	if err := checkKey(key); err != nil {
		return false, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, etcdCallTimeout)
	defer cancel()
	s.mu.Lock()
	id, ok := s.locks[key]
	s.mu.Unlock()
	if ok {
		_, err := s.client.KeepAliveOnce(ctx, id)
		if err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
			return false, nil, fmt.Errorf("etcd: renew lock %s: %w", key, err)
		}
		if err == nil {
			resp, err := s.client.Get(ctx, key)
			if err != nil {
				return false, nil, fmt.Errorf("etcd: get %s: %w", key, err)
			}
			if len(resp.Kvs) == 1 && clientv3.LeaseID(resp.Kvs[0].Lease) == id {
				return true, resp.Kvs[0].Value, nil
			}
		}
		// The lease lapsed, or the key went: the lock is no longer ours.
		s.forgetLock(ctx, key, id)
	}
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return false, nil, fmt.Errorf("etcd: get %s: %w", key, err)
	}
	if len(resp.Kvs) > 0 {
		return false, resp.Kvs[0].Value, nil
	}
	secs := int64(math.Ceil(ttl.Seconds()))
	if secs < 1 {
		secs = 1
	}
	lease, err := s.client.Grant(ctx, secs)
	if err != nil {
		return false, nil, fmt.Errorf("etcd: grant lease: %w", err)
	}
	txn, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value), clientv3.WithLease(lease.ID))).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		_, _ = s.client.Revoke(ctx, lease.ID)
		return false, nil, fmt.Errorf("etcd: lock %s: %w", key, err)
	}
	if !txn.Succeeded {
		_, _ = s.client.Revoke(ctx, lease.ID)
		var holder []byte
		if rr := txn.Responses[0].GetResponseRange(); rr != nil && len(rr.Kvs) > 0 {
			holder = rr.Kvs[0].Value
		}
		return false, holder, nil
	}
	s.mu.Lock()
	s.locks[key] = lease.ID
	s.mu.Unlock()
	return true, value, nil
}

// forgetLock drops a lock this Store no longer holds and revokes its lease.
func (s *Etcd) forgetLock(ctx context.Context, key string, id clientv3.LeaseID) {
	s.mu.Lock()
	if s.locks[key] == id {
		delete(s.locks, key)
	}
	s.mu.Unlock()
	_, _ = s.client.Revoke(ctx, id)
}

// Unlock revokes the lock's lease, which deletes the key.
func (s *Etcd) Unlock(ctx context.Context, key string) error {
	s.mu.Lock()
	id, ok := s.locks[key]
	delete(s.locks, key)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, etcdCallTimeout)
	defer cancel()
	if _, err := s.client.Revoke(ctx, id); err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		return fmt.Errorf("etcd: unlock %s: %w", key, err)
	}
	return nil
}
