// Package harness starts the real components that integration tests talk
// to: Docker engines (dockerd 20.10, through test/engines.sh), the swarm
// manager built from this repository, and a local image registry.
//
// Flow of a typical integration test:
//
//	harness.RequireEngines(t)                 // root + packages, or t.Fatal
//	engines, err := harness.StartEngines(2, nil) // node-11, node-12, ...
//	defer harness.StopEngines(engines)
//	bin, err := harness.BuildSwarm()          // go build once per process
//	m, err := harness.StartManager(bin, "nodes://"+engines[0].Addr+","+engines[1].Addr)
//	defer m.Stop()
//	out, _, err := harness.Docker(m.Addr, "run", "-d", "busybox", "sleep", "60")
//
// # Engines
//
// Engine N (1..99) is a dockerd named node-N with its own engine ID,
// listening on 127.0.0.1:SWARM_ENGINE_PORT_BASE+N (base 23750), with its
// state under $SWARM_TEST_DIR/engine-N (default /tmp/swarm-test) and its own
// bridge, so that two engines can publish the same host port: engine N binds
// published ports on 127.99.N.1 (Engine.PublishIP). Every engine has the
// image busybox:latest, imported from Debian's busybox-static.
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
// marker) is running there, or its TCP port is taken. An engine left behind
// by a dead test process is purged before its number is reused.
//
// StartEngines starts its engines concurrently: on 2 cores three engines
// come up in about 3s in parallel against about 6s one after another.
//
// # Stopping
//
// Engine.Stop is a clean dockerd shutdown: dockerd gives each running
// container 10s to exit after SIGTERM, and a busybox shell or httpd running
// as PID 1 ignores SIGTERM, so stopping an engine with such containers takes
// over 10s. Run them with --init or --stop-timeout 1 when that matters, or
// use Engine.Kill to simulate a crash (SIGKILL, immediate).
//
// # Failing, not skipping
//
// Integration tests call RequireEngines first. Without root, or when the
// packages cannot be installed, it fails the test with the reason: CI must
// prove the integration tests ran. Only `go test -short` skips them.
package harness
