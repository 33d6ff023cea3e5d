# shellcheck shell=bash
# apt.sh: install Debian packages the test scripts need, once. Sourced by
# engines.sh, registry.sh, stores.sh and compose.sh.
#
#   apt_ensure LOCKDIR PKG...   install the PKGs that are missing (as root);
#                               one installer at a time under LOCKDIR
#
# Package scripts are kept from starting services (a system dockerd,
# containerd or registry): everything the tests run is started by the
# project's own scripts. `apt-get update` runs only when something is missing.

apt_pkg_installed() {
	[[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

apt_missing() {
	local p
	for p in "$@"; do
		apt_pkg_installed "$p" || printf '%s\n' "$p"
	done
}

apt_ensure() {
	local lockdir=$1
	shift
	local missing
	mapfile -t missing < <(apt_missing "$@")
	((${#missing[@]} == 0)) && return 0
	if [[ $(id -u) != 0 ]]; then
		echo "apt.sh: installing ${missing[*]} needs root" >&2
		return 1
	fi
	mkdir -p "$lockdir"
	local lock
	exec {lock}>"$lockdir/apt-install.lock"
	flock "$lock"
	mapfile -t missing < <(apt_missing "$@")
	local rc=0
	if ((${#missing[@]} > 0)); then
		echo "apt.sh: installing ${missing[*]}" >&2
		local policy=""
		if [[ ! -e /usr/sbin/policy-rc.d ]]; then
			policy=/usr/sbin/policy-rc.d
			printf '#!/bin/sh\nexit 101\n' >"$policy"
			chmod 755 "$policy"
		fi
		{
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q &&
				DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
		} >&2 || rc=$?
		[[ -n $policy ]] && rm -f "$policy"
		((rc == 0)) || echo "apt.sh: apt-get install ${missing[*]} failed (exit $rc)" >&2
	fi
	flock -u "$lock"
	exec {lock}>&-
	return "$rc"
}
