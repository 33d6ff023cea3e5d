#!/usr/bin/env bash
# install-go-deps.sh: make sure Go is usable and the module's dependencies
# are downloaded. Idempotent.
set -euo pipefail
export PATH=$PATH:/usr/local/go/bin
if ! command -v go >/dev/null 2>&1; then
	echo "install-go-deps.sh: Go is not installed (expected /usr/local/go/bin/go)" >&2
	exit 1
fi
cd "$(dirname "$0")/.."
go mod download
