package kv

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
)

// ZooKeeper is a Store over ZooKeeper. A Put creates its key as an
// ephemeral node, which lives as long as this client's session: the client
// library pings the server on its own, and when the process stops (or
// loses the server for longer than the session timeout) the server expires
// the session and deletes the node. The session timeout is Config.SessionTTL
// (the registration TTL), within the server's minSessionTimeout and
// maxSessionTimeout (by default 2 and 20 ticks: 4s to 40s). A Put of a key
// that already exists under this session does nothing; one left by an
// earlier session (a restarted join) is replaced; after a session expired
// the next Put creates the node again.
//
// Ephemeral nodes were chosen over a stored expiry time because the server
// itself removes them, with no clock shared between clients and no polling
// to notice an expiry.
type ZooKeeper struct {
	conn *zk.Conn
}

// quietLogger drops the client library's connection chatter; errors reach
// the caller through return values and the watch's error channel.
type quietLogger struct{}

func (quietLogger) Printf(string, ...interface{}) {}

// NewZooKeeper connects to the ZooKeeper ensemble in cfg.Endpoints. The
// connection is made in the background and re-made after a drop.
func NewZooKeeper(cfg Config) (*ZooKeeper, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("zk: no endpoints")
	}
	timeout := cfg.SessionTTL
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	tlsCfg := cfg.TLS
	dial := func(network, address string, timeout time.Duration) (net.Conn, error) {
		d := &net.Dialer{Timeout: timeout}
		if tlsCfg == nil {
			return d.Dial(network, address)
		}
		c := tlsCfg.Clone()
		if c.ServerName == "" {
			c.ServerName, _, _ = net.SplitHostPort(address)
		}
		// The library's dialer takes no context; d.Timeout bounds the
		// connection and the handshake.
		return (&tls.Dialer{NetDialer: d, Config: c}).DialContext(context.Background(), network, address)
	}
	conn, _, err := zk.Connect(cfg.Endpoints, timeout,
		zk.WithLogger(quietLogger{}), zk.WithLogInfo(false), zk.WithDialer(dial))
	if err != nil {
		return nil, fmt.Errorf("zk: %w", err)
	}
	return &ZooKeeper{conn: conn}, nil
}

// call runs f, which may block while the client is reconnecting, and gives
// up when ctx ends first. The goroutine finishes when f returns: the client
// fails queued requests after each round over its servers and on Close.
func call[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Put creates key as an ephemeral node of this client's session. ttl is
// not used per key: the session timeout set at connection is the TTL.
func (s *ZooKeeper) Put(ctx context.Context, key string, value []byte, _ time.Duration) error {
	if err := checkKey(key); err != nil {
		return err
	}
	path := "/" + key
	if err := s.ensurePath(ctx, parentOf(path)); err != nil {
		return err
	}
	_, err := call(ctx, func() (string, error) {
		return s.conn.Create(path, value, zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, zk.ErrNodeExists) {
		return fmt.Errorf("zk: create %s: %w", path, err)
	}
	stat, err := call(ctx, func() (*zk.Stat, error) {
		_, st, err := s.conn.Exists(path)
		return st, err
	})
	if err != nil {
		return fmt.Errorf("zk: stat %s: %w", path, err)
	}
	if stat.EphemeralOwner == s.conn.SessionID() {
		return nil // ours, kept alive by the session
	}
	// Left by another session: replace it with ours.
	if _, err := call(ctx, func() (struct{}, error) { return struct{}{}, s.conn.Delete(path, -1) }); err != nil && !errors.Is(err, zk.ErrNoNode) {
		return fmt.Errorf("zk: replace %s: %w", path, err)
	}
	if _, err := call(ctx, func() (string, error) {
		return s.conn.Create(path, value, zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
	}); err != nil {
		return fmt.Errorf("zk: create %s: %w", path, err)
	}
	return nil
}

// Delete removes key.
func (s *ZooKeeper) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	path := "/" + key
	_, err := call(ctx, func() (struct{}, error) { return struct{}{}, s.conn.Delete(path, -1) })
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return fmt.Errorf("zk: delete %s: %w", path, err)
	}
	return nil
}

// WatchTree lists the children of dir with a child watch, calls fn, and
// waits for the watch to fire before listing again. The client library
// re-arms watches after a reconnection within the session; when the
// session expires the watch ends with an error and the caller starts again.
func (s *ZooKeeper) WatchTree(ctx context.Context, dir string, fn func(names []string)) error {
	path := "/" + Join(dir)
	if err := s.ensurePath(ctx, path); err != nil {
		return err
	}
	type listing struct {
		names []string
		ev    <-chan zk.Event
	}
	for {
		l, err := call(ctx, func() (listing, error) {
			names, _, ev, err := s.conn.ChildrenW(path)
			return listing{names, ev}, err
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("zk: watch %s: %w", path, err)
		}
		fn(l.names)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-l.ev:
			if ev.Err != nil {
				return fmt.Errorf("zk: watch %s: %w", path, ev.Err)
			}
			if ev.Type == zk.EventNotWatching {
				return fmt.Errorf("zk: watch %s: no longer watching", path)
			}
			if ev.Type == zk.EventNodeDeleted {
				if err := s.ensurePath(ctx, path); err != nil {
					return err
				}
			}
		}
	}
}

// ensurePath creates path and its parents as persistent nodes.
func (s *ZooKeeper) ensurePath(ctx context.Context, path string) error {
	cur := ""
	for _, c := range strings.Split(strings.Trim(path, "/"), "/") {
		if c == "" {
			continue
		}
		cur += "/" + c
		_, err := call(ctx, func() (string, error) {
			return s.conn.Create(cur, nil, zk.FlagPersistent, zk.WorldACL(zk.PermAll))
		})
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("zk: create %s: %w", cur, err)
		}
	}
	return nil
}

func parentOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// Close ends the session; the server deletes this client's ephemeral nodes.
func (s *ZooKeeper) Close() error {
	s.conn.Close()
	return nil
}

// Get returns the data of key's node.
func (s *ZooKeeper) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	data, err := call(ctx, func() ([]byte, error) {
		b, _, err := s.conn.Get("/" + key)
		return b, err
	})
	if errors.Is(err, zk.ErrNoNode) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("zk: get /%s: %w", key, err)
	}
	return data, nil
}

// Set writes key as a persistent node, creating its parents.
func (s *ZooKeeper) Set(ctx context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	path := "/" + key
	_, err := call(ctx, func() (*zk.Stat, error) { return s.conn.Set(path, value, -1) })
	if err == nil {
		return nil
	}
	if !errors.Is(err, zk.ErrNoNode) {
		return fmt.Errorf("zk: set %s: %w", path, err)
	}
	if err := s.ensurePath(ctx, parentOf(path)); err != nil {
		return err
	}
	_, err = call(ctx, func() (string, error) {
		return s.conn.Create(path, value, zk.FlagPersistent, zk.WorldACL(zk.PermAll))
	})
	if errors.Is(err, zk.ErrNodeExists) { // created meanwhile: write over it
		_, err = call(ctx, func() (*zk.Stat, error) { return s.conn.Set(path, value, -1) })
	}
	if err != nil {
		return fmt.Errorf("zk: set %s: %w", path, err)
	}
	return nil
}

// List returns the children of dir with their data.
func (s *ZooKeeper) List(ctx context.Context, dir string) (map[string][]byte, error) {
	path := "/" + Join(dir)
	names, err := call(ctx, func() ([]string, error) {
		n, _, err := s.conn.Children(path)
		return n, err
	})
	if errors.Is(err, zk.ErrNoNode) {
		return map[string][]byte{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zk: list %s: %w", path, err)
	}
	out := make(map[string][]byte, len(names))
	for _, n := range names {
		data, err := call(ctx, func() ([]byte, error) {
			b, _, err := s.conn.Get(path + "/" + n)
			return b, err
		})
		if errors.Is(err, zk.ErrNoNode) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("zk: get %s/%s: %w", path, n, err)
		}
		out[n] = data
	}
	return out, nil
}

// TryLock holds key as an ephemeral node of this client's session, whose
// timeout (Config.SessionTTL) is the lock's TTL; ttl itself is not used.
// The node is created only if it does not exist, and the lock is held when
// the node's owner is this session. Each call reads the node, a round trip
// that also tells the server the session is alive.
func (s *ZooKeeper) TryLock(ctx context.Context, key string, value []byte, _ time.Duration) (bool, []byte, error) {
	if err := checkKey(key); err != nil {
		return false, nil, err
	}
	path := "/" + key
	type node struct {
		data []byte
		stat *zk.Stat
	}
	read := func() (node, error) {
		return call(ctx, func() (node, error) {
			b, st, err := s.conn.Get(path)
			return node{b, st}, err
		})
	}
	n, err := read()
	if err == nil {
		return n.stat.EphemeralOwner == s.conn.SessionID(), n.data, nil
	}
	if !errors.Is(err, zk.ErrNoNode) {
		return false, nil, fmt.Errorf("zk: get %s: %w", path, err)
	}
	if err := s.ensurePath(ctx, parentOf(path)); err != nil {
		return false, nil, err
	}
	_, err = call(ctx, func() (string, error) {
		return s.conn.Create(path, value, zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
	})
	if err != nil && !errors.Is(err, zk.ErrNodeExists) {
		return false, nil, fmt.Errorf("zk: lock %s: %w", path, err)
	}
	if n, err = read(); err != nil {
		if errors.Is(err, zk.ErrNoNode) {
			return false, nil, nil
		}
		return false, nil, fmt.Errorf("zk: get %s: %w", path, err)
	}
	return n.stat.EphemeralOwner == s.conn.SessionID(), n.data, nil
}

// Unlock deletes key's node if this session owns it.
func (s *ZooKeeper) Unlock(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	path := "/" + key
	st, err := call(ctx, func() (*zk.Stat, error) {
		ok, st, err := s.conn.Exists(path)
		if err == nil && !ok {
			st = nil
		}
		return st, err
	})
	if err != nil {
		return fmt.Errorf("zk: unlock %s: %w", path, err)
	}
	if st == nil || st.EphemeralOwner != s.conn.SessionID() {
		return nil
	}
	_, err = call(ctx, func() (struct{}, error) { return struct{}{}, s.conn.Delete(path, st.Version) })
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return fmt.Errorf("zk: unlock %s: %w", path, err)
	}
	return nil
}
