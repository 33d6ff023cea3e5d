#!/usr/bin/env bash
# compose.sh: install the two docker compose generations the integration
# tests drive against the manager, idempotently, outside the repository.
#
#   v1  docker-compose 1.29 (Python), Debian's docker-compose package
#   v2  docker compose v2, built from its Go module (pinned below) with the
#       local Go toolchain through the Go module proxy; the first build
#       takes several minutes on 2 cores, later runs reuse the binary
#   v5  today's docker compose (v5, the release line after v2; the module
#       github.com/docker/compose/v5), built the same way and cached beside v2
#
# Usage:
#   compose.sh v1           install v1 if missing, print its path
#   compose.sh v2           build v2 if missing, print its path
#   compose.sh v5           build v5 if missing, print its path
#   compose.sh path v2|v5   print its path if it is built (exit 1 if not)
#
# Environment:
#   SWARM_COMPOSE_DIR    where v2 and v5 are built, one directory per version
#                        (default $HOME/.cache/swarm-compose)
set -euo pipefail

COMPOSE_V2_VERSION=v2.29.7
COMPOSE_V2_MODULE=github.com/docker/compose/v2
COMPOSE_V5_VERSION=v5.6.0
COMPOSE_V5_MODULE=github.com/docker/compose/v5
DIR=${SWARM_COMPOSE_DIR:-${HOME:-/root}/.cache/swarm-compose}

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

# install_go NAME VERSION MODULE HOW: build docker compose VERSION from
# MODULE's ./cmd if missing and print the binary's path. HOW is "install"
# (go install MODULE/cmd@VERSION) or "source": build in a copy of the
# module's source as the main module, for modules whose go.mod has exclude
# or replace directives, which go install refuses (v5 excludes some
# Kubernetes versions); the module's go.mod and go.sum then decide every
# dependency just the same. The build goes to a temporary directory that
# is renamed into place when complete.
install_go() {
	local name=$1 version=$2 module=$3 how=$4
	local bin=$DIR/$version/docker-compose
	if [[ -x $bin ]]; then
		echo "$bin"
		return
	fi
	command -v go >/dev/null 2>&1 || PATH=$PATH:/usr/local/go/bin
	command -v go >/dev/null 2>&1 || die "go is needed to build docker compose $version"
	mkdir -p "$DIR"
	# One build at a time: a second caller waits, then finds the binary.
	exec 9>"$DIR/.build.lock"
	flock 9
	if [[ -x $bin ]]; then
		exec 9>&-
		echo "$bin"
		return
	fi
	local tmp=$DIR/$version.tmp start=$SECONDS
	rm -rf "$tmp"
	mkdir -p "$tmp"
	echo "compose.sh: building docker compose $version ($name, $module) (takes a few minutes the first time)" >&2
	local ldflags="-s -w -X $module/internal.Version=$version"
	if [[ $how == install ]]; then
		# -mod=mod: the module's own go.mod decides every dependency version.
		(cd "$tmp" && GOFLAGS=-mod=mod GOBIN=$tmp CGO_ENABLED=0 go install \
			-ldflags "$ldflags" "$module/cmd@$version" >&2) || die "building docker compose $version failed"
		mv "$tmp/cmd" "$tmp/docker-compose"
	else
		local src
		src=$(cd "$tmp" && go mod download -json "$module@$version" |
			sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
		[[ -n $src && -d $src ]] || die "cannot download $module@$version"
		cp -r "$src" "$tmp/src"
		chmod -R u+w "$tmp/src"
		(cd "$tmp/src" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 go build \
			-ldflags "$ldflags" -o "$tmp/docker-compose" ./cmd >&2) || die "building docker compose $version failed"
		rm -rf "$tmp/src"
	fi
	rm -rf "${DIR:?}/${version:?}"
	mv "$tmp" "$DIR/$version"
	exec 9>&-
	echo "compose.sh: built docker compose $version in $((SECONDS - start))s" >&2
	echo "$bin"
}

# path_of NAME prints the binary of generation NAME (v2, v5) if built.
path_of() {
	local version
	case ${1:-} in
	v2) version=$COMPOSE_V2_VERSION ;;
	v5) version=$COMPOSE_V5_VERSION ;;
	*) die "usage: compose.sh path v2|v5" ;;
	esac
	[[ -x $DIR/$version/docker-compose ]] || exit 1
	echo "$DIR/$version/docker-compose"
}

case ${1:-} in
v1) install_v1 ;;
v2) install_go v2 "$COMPOSE_V2_VERSION" "$COMPOSE_V2_MODULE" install ;;
v5) install_go v5 "$COMPOSE_V5_VERSION" "$COMPOSE_V5_MODULE" source ;;
path) path_of "${2:-}" ;;
*)
	sed -n '/^# Usage:/,/^# Environment:/p' "$0" | sed 's/^# \{0,1\}//' | sed '$d' >&2
	exit 2
	;;
esac
