package discovery

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarm-project/swarm/discovery/kv"
)

// nodesDir is where engines are registered under the URL's path.
const nodesDir = "docker/swarm/nodes"

// kvBackend is the watch-and-register logic consul, etcd and zk share: an
// engine registers as the key <dir>/<host:port> with a TTL, and Watch lists
// the keys under dir.
type kvBackend struct {
	store kv.Store
	dir   string
	opts  Options
}

// kvConfig reads what the key/value backends take from the URL and the
// options: the endpoints, the directory and the TLS files.
func kvConfig(u *URL, opts Options) (kv.Config, string, error) {
	if u.Hosts == "" {
		return kv.Config{}, "", fmt.Errorf("%w %q: missing store address (want %s://host:port/path)", ErrInvalidURL, u.Raw, u.Scheme)
	}
	var eps []string
	for _, h := range strings.Split(u.Hosts, ",") {
		h = strings.TrimSpace(h)
		if _, err := ParseEntry(h); err != nil {
			return kv.Config{}, "", fmt.Errorf("%w %q: store address: %w", ErrInvalidURL, u.Raw, err)
		}
		eps = append(eps, h)
	}
	dir := kv.Join(u.Path, nodesDir)
	if p := opts.option("kv.path"); p != "" {
		dir = kv.Join(p)
		if dir == "" {
			return kv.Config{}, "", fmt.Errorf("%w kv.path=%q: want a path", ErrInvalidOption, p)
		}
	}
	tlsCfg, err := kv.TLSConfig(opts.option("kv.cacertfile"), opts.option("kv.certfile"), opts.option("kv.keyfile"))
	if err != nil {
		return kv.Config{}, "", fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	return kv.Config{Endpoints: eps, TLS: tlsCfg, SessionTTL: opts.ttl()}, dir, nil
}

func newKVBackend(store kv.Store, dir string, opts Options) *kvBackend {
	return &kvBackend{store: store, dir: dir, opts: opts}
}

// Watch follows the store's native watch. When the watch breaks (the store
// restarted, the connection dropped) the error is reported and the watch
// starts again after a back-off; a snapshot is sent only when the set
// changed, also across such restarts.
func (b *kvBackend) Watch(ctx context.Context) (<-chan Entries, <-chan error) {
	entries, errs := newWatchChans()
	go func() {
		defer close(errs)
		defer close(entries)
		var (
			last    Entries
			sent    bool
			backoff Backoff
		)
		for ctx.Err() == nil {
			err := b.store.WatchTree(ctx, b.dir, func(names []string) {
				backoff.Reset()
				es := make(Entries, 0, len(names))
				for _, n := range names {
					e, err := ParseEntry(n)
					if err != nil {
						reportErr(errs, fmt.Errorf("discovery: ignoring key %s/%s: %w", b.dir, n, err))
						continue
					}
					es = append(es, e)
				}
				es = es.Normalize()
				if sent && es.Equal(last) {
					return
				}
				if sendEntries(ctx, entries, es) {
					last, sent = es, true
				}
			})
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				reportErr(errs, err)
			}
			if !backoff.Wait(ctx) {
				return
			}
		}
	}()
	return entries, errs
}

// Register puts <dir>/<addr> with the TTL of the options.
func (b *kvBackend) Register(ctx context.Context, addr string) error {
	e, err := ParseEntry(addr)
	if err != nil {
		return err
	}
	return b.store.Put(ctx, kv.Join(b.dir, e.String()), []byte(e.String()), b.opts.ttl())
}

// Deregister deletes <dir>/<addr>.
func (b *kvBackend) Deregister(ctx context.Context, addr string) error {
	e, err := ParseEntry(addr)
	if err != nil {
		return err
	}
	return b.store.Delete(ctx, kv.Join(b.dir, e.String()))
}

// Close closes the store connection.
func (b *kvBackend) Close() error { return b.store.Close() }
