#!/usr/bin/env bash
# compose.sh: install the two docker compose generations the integration
# tests drive against the manager, idempotently, outside the repository.
#
#   v1  docker-compose 1.29 (Python), Debian's docker-compose package
#   v2  docker compose v2, built from its Go module (pinned below) with the
#       local Go toolchain through the Go module proxy; the first build
#       takes several minutes on 2 cores, later runs reuse the binary
#
# Usage:
#   compose.sh v1        install v1 if missing, print its path
#   compose.sh v2        build v2 if missing, print its path
#   compose.sh path v2   print v2's path if it is installed (exit 1 if not)
#
# Environment:
#   SWARM_COMPOSE_DIR    where v2 is built (default $HOME/.cache/swarm-compose)
set -euo pipefail

COMPOSE_V2_VERSION=v2.29.7
COMPOSE_V2_MODULE=github.com/docker/compose/v2
DIR=${SWARM_COMPOSE_DIR:-${HOME:-/root}/.cache/swarm-compose}
V2_BIN=$DIR/$COMPOSE_V2_VERSION/docker-compose

# shellcheck source-path=SCRIPTDIR source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

die() {
	echo "compose.sh: $*" >&2
	exit 1
}

install_v1() {
	if ! command -v docker-compose >/dev/null 2>&1 || ! docker-compose version 2>/dev/null | grep -q 'version 1\.'; then
		if [[ $(id -u) != 0 ]]; then
			die "docker-compose 1.x is missing and installing it needs root (apt-get install docker-compose)"
		fi
		apt_ensure "${SWARM_TEST_DIR:-/tmp/swarm-test}/locks" docker-compose || die "apt-get install docker-compose failed"
	fi
	command -v docker-compose
}

install_v2() {
	if [[ -x $V2_BIN ]]; then
		echo "$V2_BIN"
		return
	fi
	command -v go >/dev/null 2>&1 || die "go is needed to build docker compose $COMPOSE_V2_VERSION"
	mkdir -p "$DIR"
	# One build at a time: a second caller waits, then finds the binary.
	exec 9>"$DIR/.build.lock"
	flock 9
	if [[ -x $V2_BIN ]]; then
		echo "$V2_BIN"
		return
	fi
	local tmp=$DIR/$COMPOSE_V2_VERSION.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	echo "compose.sh: building docker compose $COMPOSE_V2_VERSION (takes a few minutes the first time)" >&2
	# -mod=mod: the module's own go.mod decides every dependency version.
	(cd "$tmp" && GOFLAGS=-mod=mod GOBIN=$tmp CGO_ENABLED=0 go install \
		-ldflags "-s -w -X $COMPOSE_V2_MODULE/internal.Version=$COMPOSE_V2_VERSION" \
		"$COMPOSE_V2_MODULE/cmd@$COMPOSE_V2_VERSION" >&2) || die "building docker compose $COMPOSE_V2_VERSION failed"
	mv "$tmp/cmd" "$tmp/docker-compose"
	rm -rf "${DIR:?}/${COMPOSE_V2_VERSION:?}"
	mv "$tmp" "$DIR/$COMPOSE_V2_VERSION"
	echo "$V2_BIN"
}

case ${1:-} in
v1) install_v1 ;;
v2) install_v2 ;;
path)
	[[ ${2:-} == v2 ]] || die "usage: compose.sh path v2"
	[[ -x $V2_BIN ]] || exit 1
	echo "$V2_BIN"
	;;
*)
	sed -n '/^# Usage:/,/^# Environment:/p' "$0" | sed 's/^# \{0,1\}//' | sed '$d' >&2
	exit 2
	;;
esac
