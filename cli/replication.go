package cli

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/swarm-project/swarm/cluster/leader"
	"github.com/swarm-project/swarm/cluster/state"
	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/discovery/kv"
)

// Messages of `swarm manage --replication`; the first two are classic
// Swarm's word for word.
var (
	errReplicationAdvertise = errors.New("--advertise address must be provided when using --leader-election")
	errAdvertiseFormat      = errors.New("--advertise should be of the form ip:port or hostname:port")
)

// checkReplication checks the replication flags (before the discovery, as
// the other flags).
func (o *manageOptions) checkReplication() error {
	if !o.replication {
		return nil
	}
	if o.advertise == "" {
		return errReplicationAdvertise
	}
	if !validAdvertise(o.advertise) {
		return errAdvertiseFormat
	}
	if o.replicationTTL <= 0 {
		return fmt.Errorf("invalid --replication-ttl: %v: must be a positive duration, e.g. 20s", o.replicationTTL)
	}
	return nil
}

// validAdvertise accepts host:port with a non-empty host and a port in
// 1-65535.
func validAdvertise(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || strings.TrimSpace(host) == "" || strings.ContainsAny(host, "/ ") {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n < 65536
}

// sharedStore is the discovery's key/value store as the managers use it:
// their shared state and, with --replication, the election's lock.
type sharedStore struct {
	store kv.Store
	state state.Store
	base  string // the discovery URL's path
}

// openShared opens the store behind a consul, etcd or zk discovery URL. It
// returns nil (and no error) for discovery with no store, unless
// --replication needs one. With --replication, ZooKeeper's session
// timeout is the replication TTL (the lock is an ephemeral node).
func openShared(o *manageOptions, uri string, opts discovery.Options) (*sharedStore, error) {
	ttl := opts.TTL
	if o.replication {
		ttl = o.replicationTTL
	}
	store, base, err := discovery.OpenStore(uri, opts, ttl)
	if errors.Is(err, discovery.ErrNoStore) {
		if o.replication {
			// Classic Swarm's sentence, then which URLs work.
			return nil, fmt.Errorf("Leader election is only supported with consul, etcd and zookeeper discovery. --replication needs consul://, etcd:// or zk:// (%w)", err)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("manage: %w", err)
	}
	return &sharedStore{store: store, state: state.NewKV(store, base, kv.ErrNotFound), base: base}, nil
}

// newElection makes the manager's election for --replication.
func (sh *sharedStore) newElection(o *manageOptions, c leader.Cluster) *leader.Election {
	return leader.New(leader.Config{Key: kv.Join(sh.base, leader.Key), Addr: o.advertise, TTL: o.replicationTTL}, sh.store, c)
}
