package discovery

import (
	"errors"
	"fmt"
	"time"

	"github.com/swarm-project/swarm/discovery/kv"
)

// ErrNoStore is returned by OpenStore for a discovery URL that names no
// key/value store.
var ErrNoStore = errors.New("discovery has no key/value store")

// StoreSchemes are the discovery schemes backed by a key/value store,
// which manager replication and the managers' shared state need.
var StoreSchemes = []string{"consul", "etcd", "zk"}

// OpenStore opens a new connection to the key/value store of a consul://,
// etcd:// or zk:// discovery URL, with the same endpoints and TLS options
// as the discovery backend, and returns it with the base path of the URL
// (under which docker/swarm/... lives; kv.path moves only the nodes
// directory). sessionTTL is ZooKeeper's session timeout for the new
// connection. Other schemes give ErrNoStore.
func OpenStore(rawURL string, opts Options, sessionTTL time.Duration) (kv.Store, string, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, "", err
	}
	if !contains(StoreSchemes, u.Scheme) {
		return nil, "", fmt.Errorf("%w: %s:// (want one of consul://, etcd://, zk://)", ErrNoStore, u.Scheme)
	}
	cfg, _, err := kvConfig(u, opts)
	if err != nil {
		return nil, "", err
	}
	cfg.SessionTTL = sessionTTL
	var s kv.Store
	switch u.Scheme {
	case "consul":
		s, err = kv.NewConsul(cfg)
	case "etcd":
		s, err = kv.NewEtcd(cfg)
	default:
		s, err = kv.NewZooKeeper(cfg)
	}
	if err != nil {
		return nil, "", err
	}
	return s, kv.Join(u.Path), nil
}
