// Package harness starts the real components that integration tests talk
// to: Docker engines (dockerd 20.10, through test/engines.sh), the swarm
// manager built from this repository, and a local image registry (through
// test/registry.sh).
//
// Flow of a typical integration test:
//
//	harness.RequireEngines(t)                    // root + packages, or t.Fatal
//	engs, err := harness.StartEngines(2, nil)    // e.g. node-11, node-12
//	t.Cleanup(func() { harness.StopEngines(engs) })
//	bin, err := harness.BuildSwarm()             // go build once per process
//	m, err := harness.StartManager(bin, engs[0].Addr+","+engs[1].Addr)
//	t.Cleanup(func() { m.Stop() })
//	out, stderr, err := harness.Docker(m.Addr, "run", "-d", "busybox", "sleep", "60")
//
// # Engines
//
// Engine N (1..99) is a dockerd named node-N with its own engine ID,
// listening on 127.0.0.1:SWARM_ENGINE_PORT_BASE+N (base 23750), with its
// state under $SWARM_TEST_DIR/engine-N (default /tmp/swarm-test) and its own
// bridge, so that two engines can publish the same host port: engine N binds
// published ports on 127.99.N.1 (Engine.PublishIP). Every engine has the
// image busybox:latest, built from Debian's busybox-static, with the same
// image ID on every engine.
//
// Nothing an engine does leaves the machine: no IP forwarding, DNS 127.0.0.1
// in containers, and registries other than loopback ones are unreachable, so
// `docker pull` of an image no local registry has fails at once.
//
// # Test hosts
//
// EnginesConfig{Hosts: true} (or NewHostEngine) starts engines as test
// hosts: engine N runs in the network namespace swarm-node-N, with the
// address 10.98.0.(100+N) (Engine.IP) on the test network, the bridge
// swnet0 (10.98.0.1/24) on the machine. Its API is at IP:2375 (Engine.Addr)
// and its published ports bind on all of that host's addresses
// (Engine.PublishIP is IP). The manager and the docker CLI stay outside and
// reach test hosts at those addresses; test hosts reach each other and the
// machine, nothing else (the machine forwards nothing). An engine keeps its
// mode across Stop, Start and Kill; StopEngines deletes the namespaces, and
// swnet0 once nothing is attached to it.
//
// Test hosts are what swarm mode needs: two of them form a swarm-mode
// cluster and an attachable overlay network carries traffic between their
// containers. A registry mirror on loopback is out of their reach and left
// out (busybox is loaded through the unix socket). See
// docs/testing-engines.md.
//
//	engs, err := harness.StartEnginesWith(2, harness.EnginesConfig{Hosts: true})
//	engs[0].MustDocker(t, "swarm", "init", "--advertise-addr", engs[0].IP)
//
// # Choosing engine numbers
//
// StartEngines picks the numbers itself, from SWARM_HARNESS_FIRST_ENGINE
// (default 11) up to 99; 1..10 are left for people and `make demo`. A number
// is taken by holding an exclusive flock(2) on
// $SWARM_TEST_DIR/locks/engine-N.lock for as long as the Engine is in use, so
// test processes running at the same time never share an engine, and a
// crashed test process frees its numbers when it dies. A number is also
// skipped when an engine someone else started (without the harness's owner
// marker) runs there, when another state directory's running engine owns the
// bridge swbN, or when its TCP port is taken. An engine left behind by a dead
// test process is purged before its number is reused. Engines from
// StartEngines always start empty (apart from busybox).
//
// StartEngines starts its engines concurrently: on 2 cores three engines
// come up in about 3s in parallel against about 6s one after another.
//
// # Stopping
//
// Engine.Stop is a clean dockerd shutdown (about 1.5s): dockerd gives each
// running container 10s to exit after SIGTERM, and a busybox shell, sleep or
// httpd running as PID 1 ignores SIGTERM, so stopping an engine with such
// containers takes over 10s. Run them with --init (or --stop-timeout 1) when
// that matters, or use Engine.Kill to simulate a crash (SIGKILL to dockerd,
// its containerd and the container shims; well under a second).
//
// # TLS
//
// NewCerts writes a throwaway CA and its certificates into a directory
// (all for 127.0.0.1, ::1 and localhost): ca.pem, cert.pem and key.pem (a
// client; the layout of DOCKER_CERT_PATH), server-cert.pem and
// server-key.pem (an engine), swarm-cert.pem and swarm-key.pem (the
// manager: server and client usage in one certificate, as docker-machine
// issues them). Engines started with EnginesConfig.TLS require TLS with a
// client certificate of that CA on their TCP port (engines.sh
// SWARM_ENGINE_TLS_DIR; the unix socket stays plain), and Engine.Docker
// then passes the client certificate. StartManagerTLS starts a manager with
// --tlsverify and the swarm certificate; StartManagerCmd runs a manager with
// an exact argument list; DockerTLS and Manager.Docker talk to either.
//
//	certs, err := harness.NewCerts(dir, "cluster")
//	engs, err := harness.StartEnginesWith(2, harness.EnginesConfig{TLS: certs})
//	m, err := harness.StartManagerTLS(bin, certs, "nodes://"+engs[0].Addr+","+engs[1].Addr)
//	info, err := harness.SwarmStatus(m.Addr, certs) // docker info's nodes, parsed
//
// # The swarm image
//
// LoadSwarmImage runs test/image.sh: it builds the static binary, builds the
// repository's Dockerfile (FROM scratch) on the first engine with the
// legacy builder and loads the same image into the other engines.
// StartTokenServer runs `swarm token-server` on a free loopback port for
// token:// discovery; StartProcess runs any other long-lived command
// (e.g. `swarm join`); StartTerminal runs a command on a pseudo-terminal
// (script(1)) for `docker run -it`.
//
// # Registry
//
// StartRegistry runs a registry holding library/busybox:latest on a free
// loopback port. Engines whose Mirror (or $SWARM_REGISTRY_MIRROR at
// StartEngines) is Registry.Mirror() pull busybox through it.
//
// # Failing, not skipping
//
// Integration tests call RequireEngines first. Without root, or when the
// packages cannot be installed, it fails the test with the reason: CI must
// prove the integration tests ran. Only `go test -short` skips them.
package harness
