#!/usr/bin/env bash
# Runs every test, and every benchmark once. Installs what the tests need
# first (Chromium for the playground's browser tests, redis-server for the
# Redis stores' tests, PostgreSQL for the registry's PostgreSQL store, Node.js
# and npm for the federation audit's subgraphs), so a fresh machine with only
# Go passes too.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-deps.sh
# Browser, Redis and PostgreSQL tests fail rather than skip here: what they
# need was just installed.
export WEFT_REQUIRE_BROWSER=1
export WEFT_REQUIRE_REDIS=1
export WEFT_REQUIRE_POSTGRES=1

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -race -count=1 ./...
# The hostile-operation bounds (answered or refused in under 100 ms) are
# the issue's own numbers, which the race detector's slowdown hides.
go test -count=1 -run 'TestHostileOperations' ./virtualservices/
# Every benchmark once, so none rots between the runs that measure them.
go test -run '^$' -bench . -benchtime 1x ./... >/dev/null
