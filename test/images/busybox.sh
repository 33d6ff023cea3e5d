#!/usr/bin/env bash
# busybox.sh: build, once, the image busybox:latest from Debian's static
# busybox (package busybox-static) and print the directory holding it:
#   layer.tar    the root filesystem: /bin/busybox, its applet links,
#                /etc/passwd, /etc/group, /root, /tmp, /var/www
#   config.json  the image config (Cmd sh, PATH); its digest is the image ID
#   image.tar    the two above as a `docker load` archive
# The build is reproducible (fixed times, sorted names), so every engine of
# test/engines.sh and the registry of test/registry.sh hold the same image ID.
# It is cached in $SWARM_TEST_DIR/cache/busybox and rebuilt when the busybox
# binary changes.
#
# Usage: busybox.sh
set -euo pipefail

STATE_DIR=$(realpath -ms -- "${SWARM_TEST_DIR:-/tmp/swarm-test}")

die() {
	echo "busybox.sh: $*" >&2
	exit 1
}

busybox_image() {
	local cache=$STATE_DIR/cache out bb
	out=$cache/busybox
	bb=$(command -v busybox 2>/dev/null || true)
	[[ -x /bin/busybox ]] && bb=/bin/busybox
	[[ -n $bb ]] || die "busybox not found (apt-get install busybox-static)"
	if [[ -s $out/image.tar && $out/image.tar -nt $bb ]]; then
		echo "$out"
		return 0
	fi
	mkdir -p "$cache" "$STATE_DIR/locks"
	exec 7>"$STATE_DIR/locks/busybox.lock"
	flock 7
	if [[ ! -s $out/image.tar || $bb -nt $out/image.tar ]]; then
		build_busybox_image "$bb" "$out"
	fi
	flock -u 7
	exec 7>&-
	echo "$out"
}

build_busybox_image() {
	local bb=$1 out=$2 work root p
	"$bb" --list-full >/dev/null 2>&1 || die "$bb has no --list-full; need the static busybox (busybox-static)"
	work=$(mktemp -d "$STATE_DIR/cache/busybox.XXXXXX")
	root=$work/rootfs
	mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
		"$root/etc" "$root/root" "$root/tmp" "$root/var/www"
	chmod 1777 "$root/tmp"
	chmod 700 "$root/root"
	cp "$bb" "$root/bin/busybox"
	while IFS= read -r p; do
		[[ -n $p && $p != bin/busybox ]] || continue
		[[ -d $root/${p%/*} ]] || mkdir -p "$root/${p%/*}"
		ln -s /bin/busybox "$root/$p"
	done < <("$bb" --list-full)
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	tar --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -C "$root" -cf "$work/layer.tar" .

	local diff_id arch cfg
	diff_id=$(sha256sum <"$work/layer.tar")
	diff_id=${diff_id%% *}
	arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
	printf '%s' '{"architecture":"'"$arch"'","os":"linux","created":"1970-01-01T00:00:00Z",'\
'"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},'\
'"rootfs":{"type":"layers","diff_ids":["sha256:'"$diff_id"'"]},'\
'"history":[{"created":"1970-01-01T00:00:00Z","created_by":"test/engines.sh: Debian busybox-static"}]}' \
		>"$work/config.json"
	cfg=$(sha256sum <"$work/config.json")
	cfg=${cfg%% *}

	local arc=$work/archive
	mkdir -p "$arc/$diff_id"
	cp "$work/layer.tar" "$arc/$diff_id/layer.tar"
	cp "$work/config.json" "$arc/$cfg.json"
	printf '[{"Config":"%s.json","RepoTags":["busybox:latest"],"Layers":["%s/layer.tar"]}]' \
		"$cfg" "$diff_id" >"$arc/manifest.json"
	tar --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -C "$arc" -cf "$work/image.tar" .
	rm -rf "$root" "$arc"
	rm -rf "$out"
	mv "$work" "$out"
}

# One line, read whole before it runs (see engines.sh).
busybox_image "$@"; exit $?
