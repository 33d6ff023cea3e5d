#!/usr/bin/env bash
# demo.sh: start a local swarm of three real Docker engines and a manager on
# 127.0.0.1:5001, show it working, and say how to use and stop it.
#
#   demo.sh start   install what is missing, start node-1..node-3 and the manager
#   demo.sh stop    stop the manager and the three engines
#
# The engines are Debian's dockerd 20.10 unless SWARM_ENGINE_KIND=29 (or
# ENGINE=29, as in `make demo ENGINE=29`) asks for Docker Engine 29, which
# test/engine29.sh builds once (minutes) and caches. An engine last run as
# the other kind is purged first (its containers and images are lost).
#
# SWARM_DEMO_HOSTS=1 (or `make demo HOSTS=1`) starts the engines as test
# hosts, each in its own network namespace at 10.98.0.101..103 (see
# docs/testing-engines.md); an engine last run in the other mode is purged
# first too.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
state=${SWARM_TEST_DIR:-/tmp/swarm-test}
addr=${SWARM_DEMO_ADDR:-127.0.0.1:5001}
pidfile=$state/demo-manager.pid
logfile=$state/demo-manager.log
engines=(1 2 3)
kind=${SWARM_ENGINE_KIND:-${ENGINE:-20.10}}
case $kind in
20.10 | 29) ;;
*) echo "demo: engine kind must be 20.10 or 29, got '$kind'" >&2; exit 2 ;;
esac
mode=loopback
case ${SWARM_DEMO_HOSTS:-${HOSTS:-}} in
"" | 0) ;;
1) mode=host ;;
*) echo "demo: SWARM_DEMO_HOSTS (HOSTS) must be 1 or 0, got '${SWARM_DEMO_HOSTS:-${HOSTS:-}}'" >&2; exit 2 ;;
esac

start() {
	bash "$here/engines.sh" install
	"$root/test/install-go-deps.sh"
	mkdir -p "$state"
	(cd "$root" && go build -o "$root/bin/swarm" .)
	local nodes=() had
	if [[ $kind == 29 ]]; then
		echo "demo: Docker Engine 29 (the first time, it is built from source: about 7 minutes on 2 cores)"
		bash "$here/engine29.sh" build >/dev/null
	fi
	for n in "${engines[@]}"; do
		had=$(bash "$here/engines.sh" kind "$n")
		if [[ -n $had && $had != "$kind" ]]; then
			echo "demo: node-$n was engine $had; purging it to start engine $kind"
			bash "$here/engines.sh" stop "$n" --purge
		fi
		had=$(bash "$here/engines.sh" mode "$n")
		if [[ -n $had && $had != "$mode" ]]; then
			echo "demo: node-$n ran in $had mode; purging it to start it in $mode mode"
			bash "$here/engines.sh" stop "$n" --purge
		fi
		nodes+=("$(bash "$here/engines.sh" start "$n" --engine "$kind" "--$mode" --label "demo=node-$n" | tail -n 1)")
	done
	if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "demo: manager already running (pid $(cat "$pidfile"))"
	else
		local list
		list=$(IFS=,; echo "${nodes[*]}")
		"$root/bin/swarm" manage -H "$addr" --engine-refresh-min-interval 5s \
			--engine-refresh-max-interval 10s "nodes://$list" >"$logfile" 2>&1 &
		echo $! >"$pidfile"
		for _ in $(seq 1 100); do
			if docker -H "$addr" info 2>/dev/null | grep -q "Nodes: ${#engines[@]}" &&
				[[ $(docker -H "$addr" info 2>/dev/null | grep -c "Status: Healthy") == "${#engines[@]}" ]]; then
				break
			fi
			sleep 0.2
		done
	fi
	echo
	echo "\$ docker -H $addr info"
	docker -H "$addr" info 2>/dev/null | sed -n '/^Server:/,/^ Plugins:/p'
	echo "\$ docker -H $addr run --rm busybox echo hi"
	docker -H "$addr" run --rm busybox echo hi 2>/dev/null
	cat <<MSG

The manager serves the Docker API on $addr for node-1..node-3 (engine $kind,
$mode mode, at ${nodes[*]}).
Use it like one Docker engine:
  export DOCKER_HOST=tcp://$addr
  docker info; docker run -d busybox sleep 600; docker ps
  docker run -it --name box busybox sh
Manager log: $logfile
Stop everything: make demo-stop   (or: bash test/demo.sh stop)
MSG
}

stop() {
	if [[ -f $pidfile ]]; then
		local pid
		pid=$(cat "$pidfile")
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid"
			for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		fi
		rm -f "$pidfile"
	fi
	for n in "${engines[@]}"; do
		bash "$here/engines.sh" stop "$n" || true
	done
}

case ${1:-} in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
