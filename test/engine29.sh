#!/usr/bin/env bash
# engine29.sh: build Docker Engine 29 (dockerd and docker-proxy) once from
# its Go module, pinned below, and cache the binaries outside the clone.
#
# Only the Go module proxy is reachable from the test machines, so the
# engine comes from the module github.com/moby/moby/v2 at a tagged version
# (the module serves tags only), built static (CGO_ENABLED=0) with the
# version stamped in through -ldflags; without that the engine would call
# itself "library-import". The first build takes about 7 minutes on 2 cores;
# later calls find the cached binaries and return at once. Two callers at the
# same time build once: the second waits on a lock, then finds the result.
#
# The binaries run on Debian's containerd and runc (from docker.io, which
# engines.sh installs); engines.sh starts them with the daemon.json they
# need (see docs/testing-engines.md).
#
# Usage:
#   engine29.sh build     build if missing, print the cache directory
#   engine29.sh path      print the cache directory if built (exit 1 if not)
#   engine29.sh version   print the engine version this script builds
#
# Environment:
#   SWARM_ENGINE29_CACHE  cache directory (default
#                         /var/cache/swarm-test/engine29-$ENGINE29_VERSION)
set -euo pipefail

MOBY_MODULE=github.com/moby/moby/v2
MOBY_VERSION=v2.0.0-beta.24
# The engine version the binary reports (docker version, /info, /version).
ENGINE29_VERSION=29.0.0-beta.24
CACHE=${SWARM_ENGINE29_CACHE:-/var/cache/swarm-test/engine29-$ENGINE29_VERSION}

die() {
	echo "engine29.sh: $*" >&2
	exit 1
}

log() {
	echo "engine29.sh: $*" >&2
}

# built: the cache holds both binaries and dockerd reports our version.
built() {
	[[ -x $CACHE/dockerd && -x $CACHE/docker-proxy ]] || return 1
	"$CACHE/dockerd" --version 2>/dev/null | grep -qF "version $ENGINE29_VERSION,"
}

cmd_build() {
	if built; then
		echo "$CACHE"
		return 0
	fi
	command -v go >/dev/null 2>&1 || PATH=$PATH:/usr/local/go/bin
	command -v go >/dev/null 2>&1 || die "go is needed to build Docker Engine $ENGINE29_VERSION"
	mkdir -p "$(dirname "$CACHE")"
	# One build at a time: a second caller waits here, then finds the
	# binaries. The lock is a file beside the cache directory.
	exec 9>"$CACHE.lock"
	flock 9
	if built; then
		exec 9>&-
		echo "$CACHE"
		return 0
	fi
	local tmp=$CACHE.tmp.$$ start=$SECONDS
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# The module has no commit hash to offer (the proxy serves zips), so
	# GitCommit carries the module version: `docker version` shows it.
	local v=$MOBY_MODULE/dockerversion
	local ldflags="-s -w -X $v.Version=$ENGINE29_VERSION -X $v.GitCommit=$MOBY_VERSION"
	ldflags+=" -X $v.BuildTime=$(date -u +%Y-%m-%dT%H:%M:%SZ) -X $v.PlatformName=swarm-test"
	log "building Docker Engine $ENGINE29_VERSION ($MOBY_MODULE@$MOBY_VERSION) into $CACHE (about 7 minutes on 2 cores the first time)"
	# Run outside any module so the engine's own go.mod decides every
	# dependency (go install pkg@version); GOPATH and GOMODCACHE stay the
	# defaults, so the downloads and the build cache persist across runs.
	(cd "$tmp" && GOBIN=$tmp CGO_ENABLED=0 GOFLAGS=-mod=mod go install \
		-ldflags "$ldflags" \
		"$MOBY_MODULE/cmd/dockerd@$MOBY_VERSION" \
		"$MOBY_MODULE/cmd/docker-proxy@$MOBY_VERSION" >&2) ||
		{
			rm -rf "$tmp"
			die "building Docker Engine $ENGINE29_VERSION failed"
		}
	"$tmp/dockerd" --version | grep -qF "version $ENGINE29_VERSION," ||
		die "the built dockerd reports '$("$tmp/dockerd" --version)', not $ENGINE29_VERSION"
	echo "$ENGINE29_VERSION $MOBY_MODULE@$MOBY_VERSION built $(date -u +%FT%TZ) in $((SECONDS - start))s" >"$tmp/BUILD"
	# Swap the finished directory in: readers see all of it or nothing.
	rm -rf "$CACHE.old"
	if [[ -e $CACHE ]]; then mv "$CACHE" "$CACHE.old"; fi
	mv "$tmp" "$CACHE"
	rm -rf "$CACHE.old"
	exec 9>&-
	log "built in $((SECONDS - start))s"
	echo "$CACHE"
}

case ${1:-} in
build) cmd_build ;;
path)
	built || exit 1
	echo "$CACHE"
	;;
version) echo "$ENGINE29_VERSION" ;;
*)
	sed -n '/^# Usage:/,/^# Environment:/p' "$0" | sed 's/^# \{0,1\}//' | sed '$d' >&2
	exit 2
	;;
esac
