#!/usr/bin/env bash
# engines.sh: start and stop real Docker engines side by side on this
# machine, for the integration tests and `make demo`. Two kinds of engine:
#   20.10  Debian's docker.io (dockerd 20.10, API 1.41), the default
#   29     Docker Engine 29 (API 1.56, minimum 1.44), built once from its Go
#          module by test/engine29.sh and cached under /var/cache/swarm-test;
#          it runs on the same containerd and runc (Debian's) with a
#          daemon.json of its own (see docs/testing-engines.md)
# Both kinds get the same name, address, network, TLS and busybox scheme
# below; every command works on both.
#
# Engine N (1..99) is:
#   name      node-N (own UTS namespace) and its own engine ID (own /etc/docker)
#   address   tcp://127.0.0.1:$((SWARM_ENGINE_PORT_BASE + N))   (base 23750)
#   state     $SWARM_TEST_DIR/engine-N   (default /tmp/swarm-test/engine-N)
#   network   Linux bridge swbN, 10.99.N.1/24; containers get 10.99.N.0/24;
#             user networks come from 10.(100+N).0.0/16; published ports are
#             bound on 127.99.N.1 so two engines can publish the same port.
#
# With --host, engine N is a test host with a network stack of its own: it
# runs in the network namespace swarm-node-N, whose eth0 (a veth into the
# host bridge swnet0, 10.98.0.1/24, made on first need) has
# 10.98.0.(100+N)/24. It then listens on tcp://10.98.0.(100+N):2375, its
# bridge swbN lives inside the namespace and published ports bind on all of
# that host's addresses (0.0.0.0 there). Test hosts reach each other and the
# host through swnet0 (swarm mode, overlay networks); the host forwards
# nothing. A registry mirror on loopback is out of their reach and left out.
# Stopping the engine deletes its namespace (with its veth and bridges), and
# swnet0 once nothing is attached to it.
#
# Nothing reaches off this machine: containers get no iptables rules, no IP
# forwarding (the host's net.ipv4.ip_forward stays 0) and 127.0.0.1 as DNS
# server, and dockerd's registry traffic goes through a dead loopback proxy,
# so only loopback registries (a mirror from test/registry.sh) answer; other
# pulls fail at once. Containers reach each other on their engine's bridge
# and the host through published ports.
#
# Every engine has busybox:latest, built from Debian's busybox-static (the
# same image ID on every engine and in registry.sh's registry).
#
# Usage:
#   engines.sh install                 install docker.io, busybox-static, ... if missing
#   engines.sh start N [--engine 20.10|29] [--host|--loopback] [--label k=v]...
#                                      start engine N (idempotent), print its address
#   engines.sh stop N [--purge]        stop engine N; --purge also deletes its state
#   engines.sh kill N [--purge]        SIGKILL engine N, its containerd and shims (a crash)
#   engines.sh stop-all [--purge]      stop every engine under $SWARM_TEST_DIR
#   engines.sh status                  one line per engine: N addr pid running|stopped kind mode
#   engines.sh addr N                  print engine N's address
#   engines.sh busybox-image           build (once) busybox:latest, print its directory
#   engines.sh kind N                  print the kind engine N was last started as
#   engines.sh mode N                  print the mode engine N was last started in (host|loopback)
#
# The kind of a start is --engine, else $SWARM_ENGINE_KIND, else the kind the
# engine's state directory was last started as, else 20.10. An engine keeps
# its kind for its data's life: starting it as the other kind fails until it
# is purged (stop --purge), since neither dockerd reads the other's data.
# The mode works the same way: --host or --loopback, else the mode the state
# directory was last started in, else loopback; switching needs a purge (the
# engine's address and its containers' networks would change under it).
#
# Environment:
#   SWARM_TEST_DIR             state directory (default /tmp/swarm-test)
#   SWARM_ENGINE_PORT_BASE     TCP port base (default 23750)
#   SWARM_REGISTRY_MIRROR      e.g. http://127.0.0.1:5000, passed as --registry-mirror
#   SWARM_ENGINE_TLS_DIR       a directory holding ca.pem, server-cert.pem and
#                              server-key.pem: the engine's TCP listener then
#                              requires TLS and a client certificate signed by
#                              ca.pem (dockerd --tlsverify, as docker-machine
#                              sets engines up); the files are copied into the
#                              engine's state directory. The unix socket stays
#                              plain.
#   SWARM_ENGINE_START_TIMEOUT seconds to wait for the API (default 60)
#   SWARM_ENGINE_STOP_TIMEOUT  seconds between SIGTERM and SIGKILL (default 25;
#                              dockerd gives each container 10s to stop and
#                              needs a few seconds more itself)
#   SWARM_DOCKER_CLI           docker client to use (default: docker in PATH)
#   SWARM_ENGINE_KIND          20.10 or 29: the kind `start` starts (see above)
#   SWARM_ENGINE29_CACHE       where engine29.sh caches Engine 29 (see there)
#   SWARM_ENGINE29_IMAGE_STORE containerd (default: Engine 29's own default)
#                              or overlay2 (the 20.10 image store, so image
#                              IDs match 20.10 engines); purge an engine
#                              before switching it
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE_DIR=$(realpath -ms -- "${SWARM_TEST_DIR:-/tmp/swarm-test}")
PORT_BASE=${SWARM_ENGINE_PORT_BASE:-23750}
START_TIMEOUT=${SWARM_ENGINE_START_TIMEOUT:-60}
STOP_TIMEOUT=${SWARM_ENGINE_STOP_TIMEOUT:-25}
DOCKER_CLI=${SWARM_DOCKER_CLI:-docker}
PACKAGES=(docker.io busybox-static iproute2 util-linux ca-certificates)
# shellcheck source-path=SCRIPTDIR source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
if ! [[ $PORT_BASE =~ ^[0-9]+$ ]] || ((PORT_BASE < 1 || PORT_BASE + 99 > 65535)); then
	echo "engines.sh: SWARM_ENGINE_PORT_BASE=$PORT_BASE is not a usable port base" >&2
	exit 1
fi
# A loopback address where nothing listens (the discard port).
DEAD_PROXY=http://127.0.0.1:9

die() {
	echo "engines.sh: $*" >&2
	exit 1
}

log() {
	echo "engines.sh: $*" >&2
}

usage() {
	sed -n '/^# Usage:/,/^# Environment:/p' "$0" | sed 's/^# \{0,1\}//' | sed '$d' >&2
	exit 2
}

# check_n validates an engine number.
check_n() {
	[[ ${1:-} =~ ^[0-9]+$ ]] || die "engine number must be an integer 1..99, got '${1:-}'"
	((10#$1 >= 1 && 10#$1 <= 99)) || die "engine number must be 1..99, got $1"
}

# engine_vars sets the per-engine variables for engine $1.
engine_vars() {
	N=$((10#$1))
	DIR=$STATE_DIR/engine-$N
	DATA=$DIR/data
	EXEC=$DIR/exec
	ETC=$DIR/etc-docker
	PIDFILE=$DIR/docker.pid
	SOCK=$DIR/docker.sock
	LOG=$DIR/dockerd.log
	PORT=$((PORT_BASE + N))
	ADDR=127.0.0.1:$PORT
	BRIDGE=swb$N
	BRIDGE_CIDR=10.99.$N.1/24
	POOL=10.$((100 + N)).0.0/16
	PUBLISH_IP=127.99.$N.1
	KIND_FILE=$DIR/kind
	MODE_FILE=$DIR/mode
	NETNS=swarm-node-$N
	VETH=swv$N
	HOST_IP=10.98.0.$((100 + N))
	mode_vars "$(recorded_mode)"
}

# The test network of host-mode engines.
TESTNET_BRIDGE=swnet0
TESTNET_GW=10.98.0.1
TESTNET_CIDR=10.98.0.0/24

# mode_vars MODE sets the address variables of the current engine for MODE
# (host or loopback; "" is loopback).
mode_vars() {
	if [[ ${1:-} == host ]]; then
		ADDR=$HOST_IP:2375
		PUBLISH_IP=
	else
		ADDR=127.0.0.1:$PORT
		PUBLISH_IP=127.99.$N.1
	fi
}

# recorded_mode prints the mode the current engine was last started in
# (loopback for state directories from before modes existed), or nothing
# when it has no state.
recorded_mode() {
	if [[ -s $MODE_FILE ]]; then
		cat "$MODE_FILE"
	elif [[ -d $DATA ]]; then
		echo loopback
	fi
}

# check_kind validates an engine kind.
check_kind() {
	case ${1:-} in
	20.10 | 29) ;;
	*) die "engine kind must be 20.10 or 29, got '${1:-}'" ;;
	esac
}

# recorded_kind prints the kind the current engine was last started as
# (20.10 for state directories from before kinds existed), or nothing when
# it has no state.
recorded_kind() {
	if [[ -s $KIND_FILE ]]; then
		cat "$KIND_FILE"
	elif [[ -d $DATA ]]; then
		echo 20.10
	fi
}

# ---------------------------------------------------------------- install


cmd_install() {
	need_root
	apt_ensure "$STATE_DIR/locks" "${PACKAGES[@]}" || die "cannot install ${PACKAGES[*]}"
}

need_root() {
	[[ $(id -u) == 0 ]] || die "must run as root (dockerd, bridges and namespaces need it)"
}

# ---------------------------------------------------------------- processes

# pid_is_ours PID PATTERN: PID is alive and its command line contains PATTERN.
pid_is_ours() {
	local pid=$1 pattern=$2
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ -r /proc/$pid/cmdline ]] || return 1
	tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -qF -- "$pattern"
}

# dockerd_pid prints the live dockerd PID of the current engine, or fails.
dockerd_pid() {
	[[ -f $PIDFILE ]] || return 1
	local pid
	pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
	pid_is_ours "$pid" "--data-root $DATA" || return 1
	echo "$pid"
}

# descendants PID prints all descendants of PID (children first level first).
descendants() {
	local kids k
	kids=$(ps -o pid= --ppid "$1" 2>/dev/null || true)
	for k in $kids; do
		echo "$k"
		descendants "$k"
	done
}

# leftover_pids prints PIDs of processes started by the current engine that
# can outlive dockerd: its containerd (pidfile), container shims and the
# container processes (init.pid files, shim = parent of init).
leftover_pids() {
	local f pid ppid
	if [[ -f $EXEC/containerd/containerd.pid ]]; then
		pid=$(cat "$EXEC/containerd/containerd.pid" 2>/dev/null || true)
		if pid_is_ours "$pid" "$EXEC/containerd"; then echo "$pid"; fi
	fi
	[[ -d $EXEC/containerd ]] || return 0
	while IFS= read -r f; do
		pid=$(cat "$f" 2>/dev/null || true)
		[[ $pid =~ ^[0-9]+$ ]] || continue
		ppid=$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
		if [[ -n $ppid ]] && pid_is_ours "$ppid" "$EXEC/containerd"; then
			echo "$ppid"
			echo "$pid"
		fi
	done < <(find "$EXEC/containerd" -name init.pid 2>/dev/null)
}

# is_alive PID: the process exists and is not a zombie (killed processes
# whose parent died wait for PID 1 to reap them).
is_alive() {
	local stat
	stat=$(cat /proc/"$1"/stat 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# proc_start PID prints the process's start time (in clock ticks since
# boot), which tells a process from a later one that reuses its PID.
proc_start() {
	local stat
	stat=$(cat /proc/"$1"/stat 2>/dev/null) || return 0
	stat=${stat##*) }
	# shellcheck disable=SC2086 # split the fields on purpose
	set -- $stat
	echo "${20}"
}

# with_start_time turns PIDs on stdin into PID:STARTTIME lines.
with_start_time() {
	local pid
	while read -r pid; do
		[[ $pid =~ ^[0-9]+$ ]] && echo "$pid:$(proc_start "$pid")"
	done
	return 0
}

# wait_gone TIMEOUT PID...: wait until none of the PIDs is alive.
wait_gone() {
	local timeout=$1 deadline p alive
	shift
	deadline=$((SECONDS + timeout))
	while :; do
		alive=0
		for p in "$@"; do
			if is_alive "$p"; then alive=1; fi
		done
		((alive == 0)) && return 0
		((SECONDS >= deadline)) && return 1
		sleep 0.2
	done
}

# ---------------------------------------------------------------- network

# bridge_owner prints the state directory recorded on bridge swbN (its
# alias), if any.
bridge_owner() {
	cat /sys/class/net/"$BRIDGE"/ifalias 2>/dev/null || true
}

# bridge_foreign: swbN belongs to a running engine of another state directory
# (another SWARM_TEST_DIR using the same number).
bridge_foreign() {
	local owner pid
	owner=$(bridge_owner)
	[[ -n $owner && $owner != "$DIR" ]] || return 1
	pid=$(cat "$owner/docker.pid" 2>/dev/null) || return 1
	pid_is_ours "$pid" "--data-root $owner/data"
}

bridge_up() {
	if bridge_foreign; then
		die "node-$N: bridge $BRIDGE is used by the running engine in $(bridge_owner); pick another engine number"
	fi
	if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
		ip link add "$BRIDGE" type bridge 2>/dev/null || ip link show "$BRIDGE" >/dev/null 2>&1 ||
			die "cannot create bridge $BRIDGE"
	fi
	ip link set "$BRIDGE" alias "$DIR"
	if ! ip -4 addr show dev "$BRIDGE" | grep -qF "inet $BRIDGE_CIDR"; then
		ip addr flush dev "$BRIDGE"
		ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
	fi
	ip link set "$BRIDGE" up
}

bridge_down() {
	if bridge_foreign; then
		log "node-$N: leaving bridge $BRIDGE alone: it belongs to the engine in $(bridge_owner)"
		return 0
	fi
	if ip link show "$BRIDGE" >/dev/null 2>&1; then
		ip link del "$BRIDGE" 2>/dev/null || log "could not delete bridge $BRIDGE"
	fi
	# Bridges of user-defined networks (br-*) stay behind when dockerd
	# stops; they carry addresses from this engine's pool 10.(100+N)/16.
	# dockerd recreates them when it starts again.
	local dev
	for dev in $(ip -o -4 addr show type bridge 2>/dev/null |
		awk -v pfx="10.$((100 + N))." 'index($4, pfx) == 1 && $2 ~ /^br-/ {print $2}' | sort -u); do
		ip link del "$dev" 2>/dev/null || log "could not delete bridge $dev"
	done
}

# ---------------------------------------------------------------- test hosts

# netns_owner prints the state directory recorded on the veth swvN (its
# alias), if any.
netns_owner() {
	cat /sys/class/net/"$VETH"/ifalias 2>/dev/null || true
}

# netns_foreign: namespace swarm-node-N belongs to a running engine of
# another state directory (another SWARM_TEST_DIR using the same number).
netns_foreign() {
	local owner pid
	owner=$(netns_owner)
	[[ -n $owner && $owner != "$DIR" ]] || return 1
	pid=$(cat "$owner/docker.pid" 2>/dev/null) || return 1
	pid_is_ours "$pid" "--data-root $owner/data"
}

netns_exists() {
	[[ -e /var/run/netns/$NETNS ]]
}

# lock_testnet serializes changes to swnet0 across engines and state
# directories (fd 8, released by unlock_testnet).
lock_testnet() {
	mkdir -p /run/lock
	exec 8>/run/lock/swarm-test-swnet0.lock
	flock 8
}

unlock_testnet() {
	exec 8>&-
}

# testnet_up makes sure swnet0 exists, has 10.98.0.1/24 and is up.
testnet_up() {
	if ! ip link show "$TESTNET_BRIDGE" >/dev/null 2>&1; then
		ip link add "$TESTNET_BRIDGE" type bridge || die "cannot create bridge $TESTNET_BRIDGE"
	fi
	if ! ip -4 addr show dev "$TESTNET_BRIDGE" | grep -qF "inet $TESTNET_GW/24"; then
		ip addr add "$TESTNET_GW/24" dev "$TESTNET_BRIDGE" || die "cannot give $TESTNET_BRIDGE the address $TESTNET_GW/24"
	fi
	ip link set "$TESTNET_BRIDGE" up
}

# testnet_gc deletes swnet0 when nothing is attached to it any more.
testnet_gc() {
	[[ -d /sys/class/net/$TESTNET_BRIDGE/brif ]] || return 0
	if [[ -z $(ls -A /sys/class/net/"$TESTNET_BRIDGE"/brif 2>/dev/null) ]]; then
		ip link del "$TESTNET_BRIDGE" 2>/dev/null || log "could not delete bridge $TESTNET_BRIDGE"
	fi
}

# host_net_up creates the test host's namespace swarm-node-N: eth0 (a veth
# into swnet0) with 10.98.0.(100+N)/24, lo, a default route via the host,
# and the engine's bridge swbN inside it.
host_net_up() {
	if netns_foreign; then
		die "node-$N: namespace $NETNS is used by the running engine in $(netns_owner); pick another engine number"
	fi
	# Whatever an earlier run of this engine left (its processes are gone:
	# dockerd is not running and stop_engine killed the rest).
	host_net_down
	lock_testnet
	testnet_up
	if timeout 0.5 bash -c "exec 3<>/dev/tcp/$HOST_IP/2375" 2>/dev/null; then
		unlock_testnet
		die "node-$N: $HOST_IP:2375 is taken by another program; pick another engine number"
	fi
	ip netns add "$NETNS" || die "node-$N: cannot create network namespace $NETNS"
	ip link add "$VETH" type veth peer name eth0 netns "$NETNS" ||
		die "node-$N: cannot create the veth pair $VETH/eth0 into $NETNS"
	ip link set "$VETH" alias "$DIR"
	ip link set "$VETH" master "$TESTNET_BRIDGE" up
	unlock_testnet
	ip -n "$NETNS" link set lo up
	ip -n "$NETNS" addr add "$HOST_IP/24" dev eth0
	ip -n "$NETNS" link set eth0 up
	ip -n "$NETNS" route add default via "$TESTNET_GW"
	ip -n "$NETNS" link add "$BRIDGE" type bridge
	ip -n "$NETNS" addr add "$BRIDGE_CIDR" dev "$BRIDGE"
	ip -n "$NETNS" link set "$BRIDGE" up
}

# host_net_down deletes the test host's namespace (with its veth and the
# bridges in it) unless it belongs to another state directory's running
# engine, and swnet0 once nothing is attached to it.
host_net_down() {
	if netns_foreign; then
		log "node-$N: leaving namespace $NETNS alone: it belongs to the engine in $(netns_owner)"
		return 0
	fi
	netns_exists || [[ -e /sys/class/net/$VETH ]] || return 0
	lock_testnet
	if [[ -e /sys/class/net/$VETH ]]; then
		ip link del "$VETH" 2>/dev/null || log "could not delete veth $VETH"
	fi
	if netns_exists; then
		ip netns del "$NETNS" 2>/dev/null || log "could not delete network namespace $NETNS"
	fi
	testnet_gc
	unlock_testnet
}

# cgroups_clean removes the (empty) cgroup parents the engine's containers used.
cgroups_clean() {
	local d
	for d in /sys/fs/cgroup/*/swarm-node-"$N" /sys/fs/cgroup/swarm-node-"$N"; do
		[[ -d $d ]] || continue
		find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$d" 2>/dev/null || true
	done
}

# ---------------------------------------------------------------- busybox

# busybox_image prints the directory of the busybox:latest image, built
# once by test/images/busybox.sh.
busybox_image() {
	SWARM_TEST_DIR=$STATE_DIR bash "$HERE/images/busybox.sh"
}

# ensure_busybox loads busybox:latest into the current engine if missing.
ensure_busybox() {
	if "$DOCKER_CLI" -H "unix://$SOCK" image inspect busybox:latest >/dev/null 2>&1; then
		return 0
	fi
	local img
	img=$(busybox_image)
	"$DOCKER_CLI" -H "unix://$SOCK" load -q -i "$img/image.tar" >/dev/null ||
		die "node-$N: loading busybox:latest failed"
}

# ---------------------------------------------------------------- commands

# lock_engine serializes start and stop of the current engine (fd 9, held
# until the script exits; dockerd does not inherit it).
lock_engine() {
	mkdir -p "$STATE_DIR/locks"
	exec 9>"$STATE_DIR/locks/engine-$N.op"
	flock 9
}

cmd_start() {
	check_n "${1:-}"
	engine_vars "$1"
	shift
	local labels=() kind=${SWARM_ENGINE_KIND:-} mode=
	while (($# > 0)); do
		case $1 in
		--host)
			mode=host
			shift
			;;
		--loopback)
			mode=loopback
			shift
			;;
		--engine)
			[[ $# -ge 2 ]] || die "--engine needs 20.10 or 29"
			kind=$2
			shift 2
			;;
		--engine=*)
			kind=${1#--engine=}
			shift
			;;
		--label)
			[[ $# -ge 2 ]] || die "--label needs key=value"
			[[ $2 =~ ^[^=]+=.*$ ]] || die "bad label '$2' (want key=value)"
			labels+=(--label "$2")
			shift 2
			;;
		--label=*)
			[[ ${1#--label=} =~ ^[^=]+=.*$ ]] || die "bad label '${1#--label=}' (want key=value)"
			labels+=(--label "${1#--label=}")
			shift
			;;
		*) die "start: unknown argument '$1'" ;;
		esac
	done
	if [[ -n $kind ]]; then check_kind "$kind"; fi
	if [[ -n ${SWARM_ENGINE_TLS_DIR:-} ]]; then
		tls_check "$SWARM_ENGINE_TLS_DIR"
	fi
	need_root
	cmd_install
	lock_engine
	local had
	had=$(recorded_kind)
	if [[ -z $kind ]]; then kind=${had:-20.10}; fi
	if [[ -n $had && $had != "$kind" ]]; then
		die "node-$N was started as engine $had; purge it first (engines.sh stop $N --purge) to start it as $kind"
	fi
	had=$(recorded_mode)
	if [[ -z $mode ]]; then mode=${had:-loopback}; fi
	if [[ -n $had && $had != "$mode" ]]; then
		die "node-$N was started in $had mode; purge it first (engines.sh stop $N --purge) to start it in $mode mode"
	fi
	mode_vars "$mode"
	local dockerd=dockerd bindir=
	if [[ $kind == 29 ]]; then
		# Built once, then cached: later calls return at once.
		bindir=$(bash "$HERE/engine29.sh" build) || die "node-$N: cannot build Docker Engine 29"
		dockerd=$bindir/dockerd
	fi

	local pid
	if pid=$(dockerd_pid); then
		log "node-$N already running (pid $pid, engine $kind, $mode mode)"
		if [[ -n ${SWARM_ENGINE_TLS_DIR:-} && ! -d $DIR/tls ]] || [[ -z ${SWARM_ENGINE_TLS_DIR:-} && -d $DIR/tls ]]; then
			log "node-$N: warning: it runs $([[ -d $DIR/tls ]] && echo with || echo without) TLS; stop it first to change that"
		fi
		wait_api "$pid"
		ensure_busybox
		echo "$ADDR"
		return 0
	fi

	# containerd's sockets live under the exec-root; unix socket paths are
	# limited to 108 bytes.
	local longest=$EXEC/containerd/containerd.sock.ttrpc
	((${#longest} < 100)) || die "SWARM_TEST_DIR is too long for unix socket paths: $longest"

	if [[ $mode == loopback ]] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
		die "node-$N: port $PORT is taken by another program; pick another engine number"
	fi
	mkdir -p "$DATA" "$EXEC" "$ETC" /etc/docker
	echo "$kind" >"$KIND_FILE"
	echo "$mode" >"$MODE_FILE"
	rm -f "$PIDFILE" "$SOCK"
	if [[ -n ${SWARM_ENGINE_TLS_DIR:-} ]]; then
		tls_setup "$SWARM_ENGINE_TLS_DIR"
	else
		rm -rf "$DIR/tls"
	fi
	# dockerd reuses the containerd named in this pidfile if that PID
	# exists at all; after a kill it can be a zombie not yet reaped, after a
	# reboot someone else. Keep the file only if it names our containerd.
	local cpid
	if [[ -f $EXEC/containerd/containerd.pid ]]; then
		cpid=$(cat "$EXEC/containerd/containerd.pid" 2>/dev/null || true)
		pid_is_ours "$cpid" "$EXEC/containerd" || rm -f "$EXEC/containerd/containerd.pid"
	fi
	if [[ $mode == host ]]; then
		host_net_up
	else
		bridge_up
	fi
	if [[ -S /run/containerd/containerd.sock ]]; then
		log "node-$N: a system containerd runs (/run/containerd/containerd.sock); dockerd will use it (namespace swarm-node-$N)"
	fi

	local args=(
		--data-root "$DATA" --exec-root "$EXEC" --pidfile "$PIDFILE"
		-H "unix://$SOCK" -H "tcp://$ADDR"
		--iptables=false --ip6tables=false --ip-forward=false
		--bridge "$BRIDGE"
		--default-address-pool "base=$POOL,size=24"
		--dns 127.0.0.1
		--cgroup-parent "/swarm-node-$N"
		--containerd-namespace "swarm-node-$N"
		--containerd-plugins-namespace "swarm-node-$N-plugins"
	)
	if [[ -n $PUBLISH_IP ]]; then
		args+=(--ip "$PUBLISH_IP")
	fi
	if [[ -n ${SWARM_REGISTRY_MIRROR:-} ]]; then
		if [[ $mode == host ]] && mirror_is_loopback "$SWARM_REGISTRY_MIRROR"; then
			log "node-$N: leaving out the registry mirror $SWARM_REGISTRY_MIRROR: a test host cannot reach the host's loopback"
		else
			args+=(--registry-mirror "$SWARM_REGISTRY_MIRROR")
		fi
	fi
	local scheme=tcp
	if [[ -n ${SWARM_ENGINE_TLS_DIR:-} ]]; then
		args+=(--tlsverify --tlscacert "$DIR/tls/ca.pem" --tlscert "$DIR/tls/server-cert.pem" --tlskey "$DIR/tls/server-key.pem")
		scheme="tcp (TLS)"
	elif [[ $mode == host ]]; then
		# Plain TCP on an address other than loopback: without an explicit
		# --tls=false dockerd 20.10 sleeps 15s at start to make the point,
		# and newer engines refuse it.
		args+=(--tls=false)
	fi
	if ((${#labels[@]} > 0)); then
		args+=("${labels[@]}")
	fi
	if [[ $kind == 29 ]]; then
		engine29_config
		args+=(--config-file "$DIR/daemon.json")
	fi

	# The launcher runs in new UTS and mount namespaces: it names the host
	# node-N and hides the real /etc/docker (key.json holds the engine ID)
	# behind this engine's own directory, then becomes dockerd.
	# It also shows dockerd a /proc/sys/net/ipv4/ip_forward that reads 1:
	# forwarding stays off on the host, but dockerd would otherwise add
	# "IPv4 forwarding is disabled. Networking will not work." to every
	# `docker run`, which is untrue here (bridge and published ports work)
	# and would clutter what tests read on stderr.
	local launcher=$DIR/launch.sh
	echo 1 >"$DIR/ip_forward"
	cat >"$launcher" <<'EOF'
#!/bin/sh
# Generated by test/engines.sh: runs inside unshare -u -m.
set -e
hostname "$1"
mount --bind "$2" /etc/docker
mount --bind "$3" /proc/sys/net/ipv4/ip_forward
dockerd=$4
shift 4
exec "$dockerd" "$@"
EOF
	chmod 755 "$launcher"

	{
		echo "---- $(date -u +%FT%TZ) engines.sh start $N (engine $kind, $mode mode): $dockerd ${args[*]}"
	} >>"$LOG"
	# Registries other than loopback ones (a mirror from registry.sh) are
	# out of bounds: send them to a proxy address where nothing listens,
	# so a pull of an unknown image fails at once instead of leaving the
	# machine. Go's HTTP client never proxies loopback addresses.
	# The test network is exempt too: swarm mode's gRPC between engines
	# honours the proxy variables.
	# Engine 29 finds its own docker-proxy first on PATH; containerd, its
	# shim and runc are Debian's for both kinds.
	# A test host's dockerd enters its namespace with nsenter: `ip netns
	# exec` would remount /sys, and dockerd then finds no devices cgroup.
	local netns=()
	if [[ $mode == host ]]; then
		netns=(nsenter "--net=/var/run/netns/$NETNS")
	fi
	local no_proxy=127.0.0.0/8,localhost,$TESTNET_CIDR
	PATH=${bindir:+$bindir:}$PATH \
		HTTP_PROXY=$DEAD_PROXY HTTPS_PROXY=$DEAD_PROXY NO_PROXY=$no_proxy \
		http_proxy=$DEAD_PROXY https_proxy=$DEAD_PROXY no_proxy=$no_proxy \
		${netns[@]+"${netns[@]}"} setsid unshare -u -m --propagation private "$launcher" "node-$N" "$ETC" "$DIR/ip_forward" "$dockerd" "${args[@]}" \
		</dev/null >>"$LOG" 2>&1 8>&- 9>&- &
	pid=$!
	echo "$pid" >"$DIR/launch.pid"

	wait_api "$pid"
	ensure_busybox
	log "node-$N running (pid $pid, engine $kind, $mode mode) at $scheme://$ADDR"
	echo "$ADDR"
}

# mirror_is_loopback URL: the registry mirror URL names a loopback host.
mirror_is_loopback() {
	local host=${1#*://}
	host=${host%%/*}
	host=${host%:*}
	[[ $host == localhost || $host == 127.* || $host == "[::1]" ]]
}

# engine29_config writes Engine 29's daemon.json (passed with --config-file;
# everything else stays a flag, and the two must not set the same option).
#   features.time-namespaces=false  Engine 29 gives containers a time
#       namespace; Debian's runc 1.1 does not know it and every container
#       start fails with 'namespace {"time" ""} does not exist'.
#   min-api-version=1.44  the floor Engine 29 releases enforce; this beta
#       still defaults to 1.40, which would hide clients (and managers) that
#       speak an API version older than a real Engine 29 accepts.
#   features.containerd-snapshotter=false  only with
#       SWARM_ENGINE29_IMAGE_STORE=overlay2: images in overlay2 as on 20.10
#       (same image IDs) instead of Engine 29's default containerd store.
engine29_config() {
	local store=
	case ${SWARM_ENGINE29_IMAGE_STORE:-containerd} in
	containerd) ;;
	overlay2) store=', "containerd-snapshotter": false' ;;
	*) die "SWARM_ENGINE29_IMAGE_STORE must be containerd or overlay2, got '$SWARM_ENGINE29_IMAGE_STORE'" ;;
	esac
	cat >"$DIR/daemon.json" <<JSON
{
	"features": {"time-namespaces": false$store},
	"min-api-version": "1.44"
}
JSON
}

# tls_check SRC fails unless SRC holds the engine's TLS files.
tls_check() {
	local src=$1 f
	[[ -d $src ]] || die "node-$N: SWARM_ENGINE_TLS_DIR=$src is not a directory"
	for f in ca.pem server-cert.pem server-key.pem; do
		[[ -s $src/$f ]] || die "node-$N: SWARM_ENGINE_TLS_DIR=$src has no $f (want ca.pem, server-cert.pem, server-key.pem)"
	done
}

# tls_setup SRC copies the engine's TLS files from SRC into $DIR/tls, so the
# engine can be restarted after SRC is gone.
tls_setup() {
	local src=$1 f
	tls_check "$src"
	rm -rf "$DIR/tls"
	mkdir -p "$DIR/tls"
	chmod 700 "$DIR/tls"
	for f in ca.pem server-cert.pem server-key.pem; do
		cp "$src/$f" "$DIR/tls/$f"
	done
	chmod 600 "$DIR/tls/server-key.pem"
}

# wait_api PID waits until the engine answers `docker version`, failing early
# if PID dies.
wait_api() {
	local pid=$1 deadline
	deadline=$((SECONDS + START_TIMEOUT))
	while :; do
		# Ask through the unix socket: only this engine has it, while the
		# TCP port could be answered by someone else's engine. dockerd
		# binds all its listeners before it serves any, so an answer here
		# means the TCP port is ours too.
		if timeout 10 "$DOCKER_CLI" -H "unix://$SOCK" version >/dev/null 2>&1; then
			return 0
		fi
		if ! is_alive "$pid"; then
			start_failed "dockerd (pid $pid) exited before answering"
		fi
		if ((SECONDS >= deadline)); then
			start_failed "no answer on tcp://$ADDR within ${START_TIMEOUT}s"
		fi
		sleep 0.2
	done
}

# start_failed reports why engine N did not come up, with the end of its
# log, and takes down what was started.
start_failed() {
	echo "engines.sh: node-$N: $1; last lines of $LOG:" >&2
	tail -n 30 "$LOG" >&2 || true
	stop_engine kill >/dev/null 2>&1 || true
	exit 1
}

cmd_stop() {
	local mode=$1
	shift
	check_n "${1:-}"
	engine_vars "$1"
	shift
	local purge=0
	while (($# > 0)); do
		case $1 in
		--purge) purge=1 ;;
		*) die "$mode: unknown argument '$1'" ;;
		esac
		shift
	done
	need_root
	lock_engine
	stop_engine "$mode"
	if ((purge)); then
		rm -rf "$DIR"
	fi
}

# stop_engine MODE stops the current engine: MODE "stop" sends SIGTERM and
# waits STOP_TIMEOUT before SIGKILL; MODE "kill" sends SIGKILL at once.
# Either way it then kills whatever the engine left behind (its children,
# containerd, shims, container processes) and removes its bridge, or its
# namespace for a test host.
stop_engine() {
	local mode=$1 pid kids=()
	if pid=$(dockerd_pid); then
		# Collect dockerd's children (containerd, docker-proxy) now: once
		# it is gone they are reparented and no longer found through it.
		mapfile -t kids < <(descendants "$pid" | with_start_time)
		if [[ $mode == stop ]]; then
			kill -TERM "$pid" 2>/dev/null || true
			if ! wait_gone "$STOP_TIMEOUT" "$pid"; then
				log "node-$N: dockerd (pid $pid) still running after ${STOP_TIMEOUT}s, sending SIGKILL"
				mode="kill"
				mapfile -t kids < <(descendants "$pid" | with_start_time)
			fi
		fi
		if [[ $mode == kill ]]; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait_gone 10 "$pid" || die "node-$N: dockerd (pid $pid) does not die"
	fi
	local leftovers=() entry all=()
	mapfile -t leftovers < <(leftover_pids | with_start_time)
	# Signal only processes that are still the ones collected: same PID and
	# same start time, so a reused PID is never hit.
	for entry in ${kids[@]+"${kids[@]}"} ${leftovers[@]+"${leftovers[@]}"}; do
		[[ -n $entry ]] || continue
		if [[ $(proc_start "${entry%%:*}") == "${entry#*:}" ]] && is_alive "${entry%%:*}"; then
			all+=("${entry%%:*}")
		fi
	done
	if ((${#all[@]} > 0)); then
		if [[ $mode == stop ]]; then
			log "node-$N: stopping leftover processes ${all[*]}"
			kill -TERM "${all[@]}" 2>/dev/null || true
			wait_gone 5 "${all[@]}" || true
		fi
		kill -KILL "${all[@]}" 2>/dev/null || true
		wait_gone 10 "${all[@]}" || log "node-$N: processes ${all[*]} do not die"
	fi
	rm -f "$PIDFILE" "$DIR/launch.pid"
	if [[ $(recorded_mode) != host ]]; then
		bridge_down
	fi
	host_net_down
	cgroups_clean
}

cmd_stop_all() {
	local args=("$@") d n p pids=() rc=0
	[[ -d $STATE_DIR ]] || return 0
	for d in "$STATE_DIR"/engine-*; do
		[[ -d $d ]] || continue
		n=${d##*/engine-}
		[[ $n =~ ^[0-9]+$ ]] || continue
		# Engines are independent: stop them in parallel.
		(cmd_stop stop "$n" ${args[@]+"${args[@]}"}) &
		pids+=($!)
	done
	for p in ${pids[@]+"${pids[@]}"}; do
		wait "$p" || rc=1
	done
	((rc == 0)) || die "stop-all: some engines did not stop cleanly"
}

cmd_status() {
	local d n pid state
	[[ -d $STATE_DIR ]] || return 0
	for d in "$STATE_DIR"/engine-*; do
		[[ -d $d ]] || continue
		n=${d##*/engine-}
		[[ $n =~ ^[0-9]+$ ]] || continue
		engine_vars "$n"
		if pid=$(dockerd_pid); then
			state=running
		else
			pid=-
			state=stopped
		fi
		printf '%s %s %s %s %s %s\n' "$N" "$ADDR" "$pid" "$state" "$(recorded_kind)" "$(recorded_mode)"
	done | sort -n
}

main() {
	(($# > 0)) || usage
	local cmd=$1
	shift
	case $cmd in
	install) cmd_install ;;
	start) cmd_start "$@" ;;
	stop) cmd_stop stop "$@" ;;
	kill) cmd_stop kill "$@" ;;
	stop-all) cmd_stop_all "$@" ;;
	status) cmd_status ;;
	addr)
		check_n "${1:-}"
		engine_vars "$1"
		echo "$ADDR"
		;;
	busybox-image) busybox_image ;;
	kind)
		check_n "${1:-}"
		engine_vars "$1"
		recorded_kind
		;;
	mode)
		check_n "${1:-}"
		engine_vars "$1"
		recorded_mode
		;;
	-h | --help | help) usage ;;
	*)
		echo "engines.sh: unknown command '$cmd'" >&2
		usage
		;;
	esac
}

# One line, read whole before it runs: editing this file while it runs
# cannot make bash execute a half-read rest.
main "$@"; exit $?
