#!/usr/bin/env bash
# image.sh: build the swarm image (see the Dockerfile) and load it into
# Docker engines, with no registry and no network.
#
# The binary is built here, static (CGO_ENABLED=0, stripped), and staged with
# Debian's CA bundle (package ca-certificates) and an empty /tmp under
# bin/image/rootfs. Docker's legacy builder (DOCKER_BUILDKIT=0: the docker CLI
# here has no buildx) then builds the Dockerfile, FROM scratch, on the first
# engine; the other engines get the very same image (same ID) through
# `docker save | docker load`.
#
# Usage:
#   image.sh rootfs               stage bin/image/rootfs only, print its path
#   image.sh load [ENGINE...]     build on the first ENGINE, load into the
#                                 others, print the image ID
#   image.sh save FILE [ENGINE]   build on ENGINE, write the image to FILE as a
#                                 `docker load` archive
# ENGINE is host:port, tcp://host:port or unix:///path; with none, the docker
# CLI's default ($DOCKER_HOST, or /var/run/docker.sock).
#
# Environment:
#   SWARM_IMAGE        image name (default swarm), tagged :latest and :$VERSION
#   VERSION, COMMIT    what `swarm --version` says (default: from git, as in
#                      the Makefile)
#   DOCKER_TLS_VERIFY, DOCKER_CERT_PATH
#                      for engines that require TLS (read by the docker CLI)
#   SWARM_DOCKER_CLI   docker client to use (default: docker in PATH)
#   GO                 go command (default: go; /usr/local/go/bin is in PATH)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
IMAGE=${SWARM_IMAGE:-swarm}
DOCKER_CLI=${SWARM_DOCKER_CLI:-docker}
GO=${GO:-go}
PATH=$PATH:/usr/local/go/bin
STAGE=$ROOT/bin/image
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
MODULE=github.com/swarm-project/swarm

die() {
	echo "image.sh: $*" >&2
	exit 1
}

log() {
	echo "image.sh: $*" >&2
}

usage() {
	sed -n '/^# Usage:/,/^# Environment:/p' "$0" | sed 's/^# \{0,1\}//' | sed '$d' >&2
	exit 2
}

# host_flag ENGINE prints the docker -H value for ENGINE.
host_flag() {
	case $1 in
	*://*) echo "$1" ;;
	*:*) echo "tcp://$1" ;;
	*) die "engine '$1' is not host:port, tcp://host:port or unix:///path" ;;
	esac
}

# dock ENGINE ARGS...: the docker CLI against ENGINE ("" for its default).
dock() {
	local engine=$1
	shift
	if [[ -n $engine ]]; then
		"$DOCKER_CLI" -H "$(host_flag "$engine")" "$@"
	else
		"$DOCKER_CLI" "$@"
	fi
}

# version_vars sets VERSION and COMMIT as the Makefile does.
version_vars() {
	VERSION=${VERSION:-$(git -C "$ROOT" describe --tags --always --dirty 2>/dev/null || echo dev)}
	COMMIT=${COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}
	[[ $VERSION =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "VERSION '$VERSION' cannot be an image tag"
}

# stage_rootfs builds the static binary and lays out bin/image/rootfs.
# The caller holds the lock.
stage_rootfs() {
	[[ -s $CA_BUNDLE ]] || die "$CA_BUNDLE is missing (apt-get install ca-certificates)"
	command -v "$GO" >/dev/null || die "$GO not found"
	local rootfs=$STAGE/rootfs
	rm -rf "$rootfs"
	mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/tmp"
	chmod 1777 "$rootfs/tmp"
	log "building the static binary ($VERSION)"
	(cd "$ROOT" && CGO_ENABLED=0 GOOS=linux "$GO" build -trimpath \
		-ldflags "-s -w -X $MODULE/cli.Version=$VERSION -X $MODULE/cli.GitCommit=$COMMIT" \
		-o "$rootfs/swarm" .) || die "go build failed"
	cp "$CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
	chmod 644 "$rootfs/etc/ssl/certs/ca-certificates.crt"
}

# lock serializes users of bin/image (fd 8, held until the script exits).
lock() {
	mkdir -p "$STAGE"
	exec 8>"$STAGE/.lock"
	flock 8
}

# build_on ENGINE builds the image on ENGINE and prints its ID.
build_on() {
	local engine=$1
	stage_rootfs
	log "building $IMAGE:latest on ${engine:-the default engine}"
	# The build's output (and the CLI's notice that the legacy builder is
	# deprecated) is shown only when it fails.
	local out
	if ! out=$(DOCKER_BUILDKIT=0 dock "$engine" build --no-cache --force-rm \
		--label "org.opencontainers.image.version=$VERSION" \
		--label "org.opencontainers.image.revision=$COMMIT" \
		-t "$IMAGE:latest" -t "$IMAGE:$VERSION" -f "$ROOT/Dockerfile" "$ROOT" 2>&1); then
		echo "$out" >&2
		die "docker build on ${engine:-the default engine} failed"
	fi
	local id size
	id=$(dock "$engine" image inspect -f '{{.Id}}' "$IMAGE:latest") || die "no $IMAGE:latest after the build"
	size=$(dock "$engine" image inspect -f '{{.Size}}' "$IMAGE:latest")
	log "$IMAGE:latest is $id, $((size / 1024)) KiB"
	echo "$id"
}

cmd_rootfs() {
	(($# == 0)) || die "rootfs: no arguments expected"
	version_vars
	lock
	stage_rootfs
	echo "$STAGE/rootfs"
}

cmd_load() {
	local engines=("$@") first id e
	if ((${#engines[@]} == 0)); then
		engines=("")
	fi
	for e in "${engines[@]}"; do
		[[ -z $e ]] || host_flag "$e" >/dev/null
	done
	version_vars
	lock
	first=${engines[0]}
	id=$(build_on "$first")
	for e in "${engines[@]:1}"; do
		log "loading $IMAGE into $e"
		dock "$first" save "$IMAGE:latest" "$IMAGE:$VERSION" | dock "$e" load -q >/dev/null ||
			die "loading $IMAGE into $e failed"
		[[ $(dock "$e" image inspect -f '{{.Id}}' "$IMAGE:latest") == "$id" ]] ||
			die "$e has another $IMAGE:latest than $first"
	done
	echo "$id"
}

cmd_save() {
	(($# >= 1 && $# <= 2)) || die "save: want FILE [ENGINE]"
	local file=$1 engine=${2:-}
	[[ -z $engine ]] || host_flag "$engine" >/dev/null
	version_vars
	lock
	build_on "$engine" >/dev/null
	dock "$engine" save -o "$file" "$IMAGE:latest" "$IMAGE:$VERSION" || die "docker save failed"
	echo "$file"
}

main() {
	(($# > 0)) || usage
	local cmd=$1
	shift
	case $cmd in
	rootfs) cmd_rootfs "$@" ;;
	load) cmd_load "$@" ;;
	save) cmd_save "$@" ;;
	-h | --help | help) usage ;;
	*)
		echo "image.sh: unknown command '$cmd'" >&2
		usage
		;;
	esac
}

# One line, read whole before it runs (see engines.sh).
main "$@"; exit $?
