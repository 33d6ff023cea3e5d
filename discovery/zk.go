package discovery

import "github.com/swarm-project/swarm/discovery/kv"

// newZK builds the backend of "zk://h1:p1,h2:p2/path": engines are
// ephemeral nodes under /<path>/docker/swarm/nodes that live as long as the
// joining process's ZooKeeper session, whose timeout is the TTL (see
// kv.ZooKeeper); Watch uses child watches.
func newZK(u *URL, opts Options) (Backend, error) {
	cfg, dir, err := kvConfig(u, opts)
	if err != nil {
		return nil, err
	}
	s, err := kv.NewZooKeeper(cfg)
	if err != nil {
		return nil, err
	}
	return newKVBackend(s, dir, opts), nil
}
