// Package drills holds the reliability drills of docs/reliability.md: each
// drill starts real engines and a real manager through test/harness, does
// to them what an operator fears (an engine or the manager killed -9 under
// load, the discovery store restarted, a thousand clients at once, clients
// TLS must refuse, a 1 GB build context), asserts what the manager
// promises, and logs the measured figures (t.Logf) that the document
// quotes.
//
// The drills take minutes and load the machine, so they are not part of
// `make test`: every test file carries the build tag drills (this file does
// not, so that `go vet ./...` and `go test ./...` see an empty package).
// Run them with
//
//	make drills
//	go test -tags drills -count=1 -p 1 -timeout 60m -v -run TestDrillEngineKill ./test/drills/
//
// Every drill runs under its own context deadline, so a hang ends as a
// failure, not as a stuck run. The discovery drill starts its own etcd on
// other ports than test/stores.sh's default (SWARM_DRILLS_ETCD, default
// 127.0.0.1:22479, state under $SWARM_TEST_DIR/drills-stores), so that
// restarting it disturbs no other test.
package drills
