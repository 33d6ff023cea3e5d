#!/usr/bin/env bash
# test/stores.sh: install, start and stop the real key/value stores the
# discovery integration tests run against, on loopback only.
#
#   test/stores.sh install  etcd|etcd-tls|zk|consul|all   install (consul: build once, cached)
#   test/stores.sh start    etcd|etcd-tls|zk|consul|all   install if needed, start, wait until ready
#   test/stores.sh stop     etcd|etcd-tls|zk|consul|all   stop by PID (only what this script started)
#   test/stores.sh restart  etcd|etcd-tls|zk|consul|all   stop and start again, keeping the data
#   test/stores.sh clean    etcd|etcd-tls|zk|consul|all   stop and delete the data
#   test/stores.sh status   etcd|etcd-tls|zk|consul|all
#   test/stores.sh env                                    print the addresses as shell variables
#
# Addresses (override with the environment variables of the same name):
#   SWARM_TEST_ETCD=127.0.0.1:22379     etcd client URL (peer on 22380)
#   SWARM_TEST_ETCD_TLS=127.0.0.1:22389 etcd with TLS and client certificates (store etcd-tls;
#                                       certificates in $SWARM_STORES_DIR/etcd-tls/certs)
#   SWARM_TEST_ZK=127.0.0.1:22181       ZooKeeper client port (admin server off)
#   SWARM_TEST_CONSUL=127.0.0.1:28500   Consul HTTP API (other Consul ports 28501-28502, DNS off)
#
# A store's data survives stop/start (Consul runs in dev mode: in memory).
# CI should run `test/stores.sh install all` before `go test`: the first
# Consul build takes several minutes, more than a test binary should wait.
# State (data dirs, logs, pid files) lives under SWARM_STORES_DIR
# (default /tmp/swarm-test-stores). Consul has no Debian package and its module
# cannot be `go install`ed (replace directives), so it is built once from its
# module source, pinned, and cached outside the repository under
# SWARM_CONSUL_CACHE (default /var/cache/swarm-test/consul-$CONSUL_VERSION).
set -euo pipefail

CONSUL_VERSION=1.16.6
STATE=${SWARM_STORES_DIR:-/tmp/swarm-test-stores}
CONSUL_CACHE=${SWARM_CONSUL_CACHE:-/var/cache/swarm-test/consul-$CONSUL_VERSION}
CONSUL_BIN=$CONSUL_CACHE/consul

ETCD_ADDR=${SWARM_TEST_ETCD:-127.0.0.1:22379}
ETCD_TLS_ADDR=${SWARM_TEST_ETCD_TLS:-127.0.0.1:22389}
ETCD_TLS_PEER=${SWARM_TEST_ETCD_TLS_PEER:-127.0.0.1:22390}
ETCD_PEER=${SWARM_TEST_ETCD_PEER:-127.0.0.1:22380}
ZK_ADDR=${SWARM_TEST_ZK:-127.0.0.1:22181}
CONSUL_ADDR=${SWARM_TEST_CONSUL:-127.0.0.1:28500}

# shellcheck source-path=SCRIPTDIR source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

log() { echo "stores.sh: $*" >&2; }
die() { log "$*"; exit 1; }

apt_install() {
	apt_ensure "$STATE/locks" "$@" || die "cannot install $*"
}

# ---------- install ----------

install_etcd() {
	command -v etcd >/dev/null 2>&1 || apt_install etcd-server
	# The Debian package enables a system etcd on the default ports; we run our own.
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
		systemctl stop etcd >/dev/null 2>&1 || true
	fi
}

install_zk() {
	[ -d /usr/share/zookeeper ] || apt_install zookeeper
	command -v java >/dev/null 2>&1 || apt_install default-jre-headless
}

install_consul() {
	if [ -x "$CONSUL_BIN" ] && "$CONSUL_BIN" version 2>/dev/null | grep -q "v$CONSUL_VERSION"; then
		return 0
	fi
	command -v go >/dev/null 2>&1 || die "go is needed to build consul"
	local lock=$CONSUL_CACHE.lock
	mkdir -p "$(dirname "$CONSUL_CACHE")"
	# One build at a time; a second caller waits for the first.
	exec 9>"$lock"
	flock 9
	if [ -x "$CONSUL_BIN" ]; then exec 9>&-; return 0; fi
	log "building consul v$CONSUL_VERSION (once, takes minutes)"
	local dir src scratch
	dir=$(go mod download -json "github.com/hashicorp/consul@v$CONSUL_VERSION" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
	if [ -z "$dir" ] || [ ! -d "$dir" ]; then die "could not download the consul module"; fi
	scratch=$(mktemp -d /tmp/consul-build.XXXXXX)
	src=$scratch/consul
	cp -r "$dir" "$src"
	chmod -R u+w "$src"
	(
		cd "$src"
		# Drop replace directives (single-line and block form).
		awk '
			/^replace[[:space:]]*\(/ { skip = 1; next }
			skip && /^\)/ { skip = 0; next }
			skip { next }
			/^replace[[:space:]]/ { next }
			{ print }
		' go.mod >go.mod.new && mv go.mod.new go.mod
		# The troubleshoot sub-commands depend on unpublished nested modules.
		sed -i '/troubleshoot\/ports\|troubleshoot\/proxy\|troubleshoot\/upstreams/d' command/registry.go
		sed -i '/troubleshootports\.\|troubleshootproxy\.\|troubleshootupstreams\./d' command/registry.go
		rm -rf command/troubleshoot/ports command/troubleshoot/proxy command/troubleshoot/upstreams
		GOFLAGS=-mod=mod GONOSUMDB=github.com/hashicorp/consul GOWORK=off \
			go build -p 2 -o "$CONSUL_BIN.tmp" . >"$scratch/build.log" 2>&1 ||
			{ tail -30 "$scratch/build.log" >&2; exit 1; }
	) || die "consul build failed (log in $scratch/build.log)"
	mv "$CONSUL_BIN.tmp" "$CONSUL_BIN"
	rm -rf "$scratch"
	exec 9>&- # release the lock; the agent started next must not inherit it
	log "consul built: $CONSUL_BIN"
}

# ---------- start / stop ----------

pidfile() { echo "$STATE/$1/pid"; }

running() {
	local pf
	pf=$(pidfile "$1")
	[ -f "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null
}

wait_ready() { # name, check command...
	local name=$1
	shift
	for _ in $(seq 1 120); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		running "$name" || { tail -20 "$STATE/$name/log" >&2; die "$name exited during start"; }
		sleep 0.5
	done
	tail -20 "$STATE/$name/log" >&2
	die "$name did not become ready"
}

port_of() { echo "${1##*:}"; }
host_of() { echo "${1%:*}"; }

tcp_open() { (exec 3<>"/dev/tcp/$(host_of "$1")/$(port_of "$1")") 2>/dev/null; }

start_etcd() {
	install_etcd
	running etcd && return 0
	local d=$STATE/etcd
	mkdir -p "$d"
	setsid etcd --name swarm-test --data-dir "$d/data" \
		--listen-client-urls "http://$ETCD_ADDR" --advertise-client-urls "http://$ETCD_ADDR" \
		--listen-peer-urls "http://$ETCD_PEER" --initial-advertise-peer-urls "http://$ETCD_PEER" \
		--initial-cluster "swarm-test=http://$ETCD_PEER" \
		>"$d/log" 2>&1 </dev/null &
	echo $! >"$(pidfile etcd)"
	wait_ready etcd curl -fsS "http://$ETCD_ADDR/health"
}

# make_certs DIR: a CA, a server certificate for 127.0.0.1 and a client
# certificate, all made fresh with openssl.
make_certs() {
	local c=$1
	mkdir -p "$c"
	command -v openssl >/dev/null 2>&1 || apt_install openssl
	(
		cd "$c"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
			-subj "/CN=swarm-test-ca" -keyout ca-key.pem -out ca.pem
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
			-keyout server-key.pem -out server.csr
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 \
			-extfile server.ext -out server.pem
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=swarm-test-client" \
			-keyout client-key.pem -out client.csr
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 \
			-extfile client.ext -out client.pem
	) >/dev/null 2>&1 || die "could not make test certificates in $c"
}

start_etcd_tls() {
	install_etcd
	running etcd-tls && return 0
	local d=$STATE/etcd-tls
	mkdir -p "$d"
	[ -f "$d/certs/client.pem" ] || make_certs "$d/certs"
	local c=$d/certs
	setsid etcd --name swarm-test-tls --data-dir "$d/data" \
		--listen-client-urls "https://$ETCD_TLS_ADDR" --advertise-client-urls "https://$ETCD_TLS_ADDR" \
		--listen-peer-urls "http://$ETCD_TLS_PEER" --initial-advertise-peer-urls "http://$ETCD_TLS_PEER" \
		--initial-cluster "swarm-test-tls=http://$ETCD_TLS_PEER" \
		--cert-file "$c/server.pem" --key-file "$c/server-key.pem" \
		--trusted-ca-file "$c/ca.pem" --client-cert-auth \
		>"$d/log" 2>&1 </dev/null &
	echo $! >"$(pidfile etcd-tls)"
	wait_ready etcd-tls curl -fsS --cacert "$c/ca.pem" --cert "$c/client.pem" --key "$c/client-key.pem" "https://$ETCD_TLS_ADDR/health"
}

start_zk() {
	install_zk
	running zk && return 0
	local d=$STATE/zk
	mkdir -p "$d/data"
	cat >"$d/zoo.cfg" <<EOF
tickTime=500
initLimit=10
syncLimit=5
dataDir=$d/data
clientPort=$(port_of "$ZK_ADDR")
clientPortAddress=$(host_of "$ZK_ADDR")
admin.enableServer=false
4lw.commands.whitelist=ruok,stat
maxSessionTimeout=60000
minSessionTimeout=1000
EOF
	cat >"$d/log4j.properties" <<EOF
log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d %-5p [%c{1}] %m%n
EOF
	local cp="$d:/etc/zookeeper/conf"
	for j in /usr/share/java/zookeeper*.jar /usr/share/java/*.jar; do cp="$cp:$j"; done
	setsid java -Xmx256m -Dzookeeper.log.dir="$d" -Dlog4j.configuration="file:$d/log4j.properties" \
		-cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$d/zoo.cfg" \
		>"$d/log" 2>&1 </dev/null &
	echo $! >"$(pidfile zk)"
	wait_ready zk zk_ok
}

# zk_ok: the server serves client sessions. `ruok` answers imok as soon
# as the process runs, before it takes sessions (a manager started then
# failed with "zk: could not connect to a server"); `stat` names the mode
# only once it serves.
zk_ok() {
	local out
	exec 3<>"/dev/tcp/$(host_of "$ZK_ADDR")/$(port_of "$ZK_ADDR")" || return 1
	printf stat >&3
	out=$(timeout 2 cat <&3 || true)
	exec 3<&-
	case $out in
	*"Mode: standalone"* | *"Mode: leader"* | *"Mode: follower"*) return 0 ;;
	esac
	return 1
}

start_consul() {
	install_consul
	running consul && return 0
	local d=$STATE/consul base
	base=$(port_of "$CONSUL_ADDR")
	mkdir -p "$d"
	# session_ttl_min lets the tests use short session TTLs (Consul's default minimum is 10s).
	cat >"$d/config.json" <<EOF
{
  "bind_addr": "127.0.0.1",
  "client_addr": "$(host_of "$CONSUL_ADDR")",
  "advertise_addr": "127.0.0.1",
  "session_ttl_min": "1s",
  "disable_update_check": true,
  "ports": {
    "http": $base,
    "https": -1,
    "dns": -1,
    "grpc": -1,
    "grpc_tls": -1,
    "server": $((base + 1)),
    "serf_lan": $((base + 2)),
    "serf_wan": -1
  }
}
EOF
	setsid "$CONSUL_BIN" agent -dev -node swarm-test -data-dir "$d/data" -config-file "$d/config.json" \
		>"$d/log" 2>&1 </dev/null &
	echo $! >"$(pidfile consul)"
	wait_ready consul consul_ok
}

consul_ok() {
	local leader
	leader=$(curl -fsS "http://$CONSUL_ADDR/v1/status/leader") || return 1
	[ -n "$leader" ] && [ "$leader" != '""' ]
}

stop_one() {
	local name=$1 pf pid
	pf=$(pidfile "$name")
	[ -f "$pf" ] || return 0
	pid=$(cat "$pf")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
	fi
	rm -f "$pf"
}

status_one() {
	if running "$1"; then echo "$1 running (pid $(cat "$(pidfile "$1")"))"; else echo "$1 stopped"; fi
}

cmd=${1:-}
which=${2:-}
case "$cmd" in
install)
	case "$which" in
	etcd | etcd-tls) install_etcd ;; zk) install_zk ;; consul) install_consul ;;
	all) install_etcd; install_zk; install_consul ;;
	*) die "unknown store '$which' (want etcd, etcd-tls, zk, consul or all)" ;;
	esac
	;;
start)
	mkdir -p "$STATE"
	case "$which" in
	etcd) start_etcd ;; etcd-tls) start_etcd_tls ;; zk) start_zk ;; consul) start_consul ;;
	all) start_etcd; start_etcd_tls; start_zk; start_consul ;;
	*) die "unknown store '$which' (want etcd, etcd-tls, zk, consul or all)" ;;
	esac
	;;
stop)
	case "$which" in
	etcd | etcd-tls | zk | consul) stop_one "$which" ;;
	all) stop_one etcd; stop_one etcd-tls; stop_one zk; stop_one consul ;;
	*) die "unknown store '$which' (want etcd, etcd-tls, zk, consul or all)" ;;
	esac
	;;
restart)
	case "$which" in
	etcd | etcd-tls | zk | consul) stop_one "$which"; "start_${which//-/_}" ;;
	all) for x in etcd etcd-tls zk consul; do stop_one "$x"; "start_${x//-/_}"; done ;;
	*) die "unknown store '$which' (want etcd, etcd-tls, zk, consul or all)" ;;
	esac
	;;
clean)
	case "$which" in
	etcd | etcd-tls | zk | consul) stop_one "$which"; rm -rf "${STATE:?}/$which" ;;
	all) for x in etcd etcd-tls zk consul; do stop_one "$x"; rm -rf "${STATE:?}/$x"; done ;;
	*) die "unknown store '$which' (want etcd, etcd-tls, zk, consul or all)" ;;
	esac
	;;
status)
	case "$which" in
	etcd | etcd-tls | zk | consul) status_one "$which" ;;
	all | "") status_one etcd; status_one etcd-tls; status_one zk; status_one consul ;;
	*) die "unknown store '$which'" ;;
	esac
	;;
env)
	echo "SWARM_TEST_ETCD=$ETCD_ADDR"
	echo "SWARM_TEST_ETCD_TLS=$ETCD_TLS_ADDR"
	echo "SWARM_TEST_ETCD_TLS_CERTS=$STATE/etcd-tls/certs"
	echo "SWARM_TEST_ZK=$ZK_ADDR"
	echo "SWARM_TEST_CONSUL=$CONSUL_ADDR"
	;;
*)
	sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
