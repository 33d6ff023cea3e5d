#!/usr/bin/env bash
# ui.sh: install Debian's chromium for the cluster page's browser test
# (test/ui), idempotently, and print the browser's path.
#
# Usage:
#   ui.sh           install chromium if missing (as root), print its path
#   ui.sh path      print its path if installed (exit 1 if not)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

die() {
	echo "ui.sh: $*" >&2
	exit 1
}

browser() { command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null; }

case "${1:-}" in
path)
	browser || exit 1
	exit 0
	;;
"") ;;
*) die "unknown argument '$1' (usage: ui.sh [path])" ;;
esac
if ! browser >/dev/null; then
	[[ $(id -u) == 0 ]] || die "chromium is missing and installing it needs root (apt-get install chromium)"
	apt_ensure "${SWARM_TEST_DIR:-/tmp/swarm-test}/locks" chromium || die "apt-get install chromium failed"
fi
browser || die "chromium is not on PATH after installing it"
