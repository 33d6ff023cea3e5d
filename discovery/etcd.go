package discovery

import "github.com/swarm-project/swarm/discovery/kv"

// newEtcd builds the backend of "etcd://h1:p1,h2:p2/path": engines are keys
// under <path>/docker/swarm/nodes bound to an etcd lease of the TTL (see
// kv.Etcd); Watch uses an etcd watch.
func newEtcd(u *URL, opts Options) (Backend, error) {
	cfg, dir, err := kvConfig(u, opts)
	if err != nil {
		return nil, err
	}
	s, err := kv.NewEtcd(cfg)
	if err != nil {
		return nil, err
	}
	return newKVBackend(s, dir, opts), nil
}
