#!/usr/bin/env bash
# test/ha/drill.sh: the failover drill of docs/ha.md. It runs the
# replication acceptance scenario (three managers, --replication-ttl 10s,
# two real engines) on each store ROUNDS times and prints the measured
# times: first election, kill -9 of the primary to a new primary
# (docker info), and SIGSTOP of the primary to a new primary; then
# TestTakeOverEtcd (three engines of its own): the primary and an engine
# killed together, to a new primary and to the engine's policy container
# running again elsewhere; and TestTakeOverFreshManagerEtcd: every
# manager and an engine killed, a new manager rescheduling from the store.
#
#   test/ha/drill.sh [ROUNDS]        (default 1; needs root, like test/ha)
#
# It is a drill, not a timed test: nothing here fails on a slow machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rounds=${1:-1}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for i in $(seq "$rounds"); do
	go test -count=1 -v -run 'TestReplication(Etcd|Consul|ZooKeeper)$|TestTakeOver(Etcd|FreshManagerEtcd)$' ./test/ha/ >"$out" 2>&1 || {
		cat "$out" >&2
		exit 1
	}
	grep -E 'primary after|ran c1' "$out" | sed -E "s/^ *[a-z_]+_test.go:[0-9]+: /round $i: /"
done
