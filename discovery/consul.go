package discovery

import "github.com/swarm-project/swarm/discovery/kv"

// newConsul builds the backend of "consul://host:port/path": engines are
// keys under <path>/docker/swarm/nodes held by a Consul session with a TTL
// (see kv.Consul); Watch uses blocking queries.
func newConsul(u *URL, opts Options) (Backend, error) {
	cfg, dir, err := kvConfig(u, opts)
	if err != nil {
		return nil, err
	}
	s, err := kv.NewConsul(cfg)
	if err != nil {
		return nil, err
	}
	return newKVBackend(s, dir, opts), nil
}
