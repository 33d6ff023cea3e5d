package kv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Writer stores keys that live for a TTL unless written again.
type Writer interface {
	// Put writes key=value so that it disappears about ttl after the last
	// Put of the same key by this Store (renewal).
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key at once; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Watcher follows the children of a directory.
type Watcher interface {
	// WatchTree calls fn with the names of the keys directly under dir, once
	// at start and again after each change, until ctx is done or the watch
	// breaks. It returns the error that broke it, or ctx.Err(). A missing
	// dir is an empty list.
	WatchTree(ctx context.Context, dir string, fn func(names []string)) error
}

// Data keeps keys that live until deleted: the managers' shared state.
type Data interface {
	// Get returns the value of key, or an error wrapping ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set writes key=value with no TTL.
	Set(ctx context.Context, key string, value []byte) error
	// List returns the keys directly under dir (names relative to dir)
	// with their values. A missing dir is an empty map.
	List(ctx context.Context, dir string) (map[string][]byte, error)
}

// Locker is a lock with a TTL, for leader election (lock.go).
type Locker interface {
	// TryLock takes key for this Store, writing value, when nobody holds
	// it, and renews it when this Store already holds it. It reports
	// whether this Store holds the lock and the holder's value (nil when
	// nobody holds it). When TryLock reports held, the lock is this
	// Store's for at least LockGuarantee(ttl) after TryLock was called.
	TryLock(ctx context.Context, key string, value []byte, ttl time.Duration) (held bool, holder []byte, err error)
	// Unlock releases key if this Store holds it.
	Unlock(ctx context.Context, key string) error
}

// Store is one connection to a key/value store.
type Store interface {
	Writer
	Watcher
	Data
	Locker
	Close() error
}

// ErrNotFound is returned by Get for a key that holds nothing.
var ErrNotFound = errors.New("kv: key not found")

// Config holds what every Store needs to connect.
type Config struct {
	// Endpoints are host:port addresses of the store's servers.
	Endpoints []string
	// TLS, when not nil, is used for every connection to the store.
	TLS *tls.Config
	// SessionTTL is how long ZooKeeper keeps this client's ephemeral nodes
	// after it stops talking to the server (its session timeout); the other
	// stores take the TTL on each Put.
	SessionTTL time.Duration
}

// ErrInvalidKey is returned for an empty key or one with empty components.
var ErrInvalidKey = errors.New("kv: invalid key")

// Join joins path components with "/", dropping empty ones and stray
// slashes.
func Join(parts ...string) string {
	var out []string
	for _, p := range parts {
		for _, c := range strings.Split(p, "/") {
			if c != "" {
				out = append(out, c)
			}
		}
	}
	return strings.Join(out, "/")
}

func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") || strings.Contains(key, "//") {
		return fmt.Errorf("%w %q", ErrInvalidKey, key)
	}
	return nil
}

// TLSConfig builds a client TLS configuration from PEM files: caFile to
// verify the store, certFile and keyFile to present a client certificate.
// All empty gives nil (plain connections).
func TLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	if caFile == "" && certFile == "" && keyFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("kv.cacertfile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kv.cacertfile %s: no PEM certificate found", caFile)
		}
		cfg.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, fmt.Errorf("kv.certfile and kv.keyfile go together (got certfile %q, keyfile %q)", certFile, keyFile)
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("kv.certfile/kv.keyfile: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
