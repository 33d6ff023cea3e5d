// Package discoverytest is the conformance suite every discovery backend
// passes: unit tests run it against nodes, file and token; integration
// tests under test/discovery run it against real Consul, etcd and
// ZooKeeper servers.
//
// A test hands Run a function that builds a fresh Fixture (a backend over an
// empty namespace: a new file, a new token, a new key prefix) for each
// sub-test; the suite then checks the Watch contract (an initial snapshot,
// one snapshot per change, channels closed on cancel) and, for writable
// backends, Register, Deregister and TTL expiry.
package discoverytest
