#!/usr/bin/env bash
# Runs the load benchmark: installs wrk when it is missing (Debian's package,
# with sudo when not root), builds weft and weft-bench, and runs every case.
# Safe to run again: the install is skipped when wrk is on the PATH.
#
# Settings come from flags (passed through to `weft-bench run`) or from the
# environment; the defaults keep a full run under about four minutes:
#   BENCH_DURATION=8s     measured time per row (--duration)
#   BENCH_WARMUP=2s       warm-up per row, thrown away (--warmup)
#   BENCH_CONNECTIONS=32  wrk connections (--connections)
#   BENCH_THREADS=1       wrk threads (--threads)
#   BENCH_CASES=          regular expression over case names, e.g. 'small|large' (--cases)
#   BENCH_MERGE=on,off    gateway rows per case: on, off, default (--merge)
#   BENCH_JSON=           also save the results as JSON (--json)
# Examples:
#   make bench
#   BENCH_CASES=small BENCH_DURATION=4s make bench
#   ./scripts/bench.sh --cases fanout --json /tmp/fanout.json
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

install_wrk() {
	if command -v wrk >/dev/null 2>&1; then
		return
	fi
	command -v apt-get >/dev/null 2>&1 ||
		die "wrk is missing and apt-get is not available; install wrk by hand (https://github.com/wg/wrk)"

	# sudo drops the environment by default, so DEBIAN_FRONTEND goes through env.
	local as_root
	if [[ $(id -u) -eq 0 ]]; then
		as_root=(env DEBIAN_FRONTEND=noninteractive)
	elif command -v sudo >/dev/null 2>&1; then
		as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
	else
		die "installing wrk needs root: run this script as root or install sudo"
	fi

	local apt_log
	apt_log=$(mktemp)
	# shellcheck disable=SC2064 # the path is fixed now, on purpose
	trap "rm -f '$apt_log'" EXIT

	run_quiet() {
		if ! "${as_root[@]}" "$@" >>"$apt_log" 2>&1; then
			log "'$*' failed; its output:"
			cat "$apt_log" >&2
			return 1
		fi
	}
	# taskset (util-linux) is part of every Debian install; it is asked for
	# so that a trimmed image pins the processes too.
	install_pkgs() { run_quiet apt-get install -y -q --no-install-recommends wrk util-linux; }

	# The package lists are refreshed only when they do not know wrk yet, or
	# when they are stale enough that the mirror no longer has the listed version.
	if apt-cache show wrk >/dev/null 2>&1 && install_pkgs 2>/dev/null; then
		:
	else
		log "refreshing apt package lists"
		: >"$apt_log"
		run_quiet apt-get update -q || die "apt-get update failed (is a Debian mirror reachable?)"
		log "installing wrk"
		install_pkgs || die "apt-get install wrk failed"
	fi
	rm -f "$apt_log"
	trap - EXIT
	command -v wrk >/dev/null 2>&1 || die "wrk was installed but is not on the PATH"
	log "installed $(wrk -v 2>&1 | head -n1 || true)"
}

install_wrk

bin=.bench/bin
mkdir -p "$bin"
log "building weft and weft-bench"
go build -o "$bin/weft" ./cmd/weft
go build -o "$bin/weft-bench" ./cmd/weft-bench

args=(
	--weft "$bin/weft"
	--wrk "$(command -v wrk)"
	--duration "${BENCH_DURATION:-8s}"
	--warmup "${BENCH_WARMUP:-2s}"
	--connections "${BENCH_CONNECTIONS:-32}"
	--threads "${BENCH_THREADS:-1}"
	--merge "${BENCH_MERGE:-on,off}"
)
if [[ -n ${BENCH_CASES:-} ]]; then args+=(--cases "$BENCH_CASES"); fi
if [[ -n ${BENCH_JSON:-} ]]; then args+=(--json "$BENCH_JSON"); fi

# exec: Ctrl-C goes to the harness, which stops every process it started.
exec "$bin/weft-bench" run "${args[@]}" "$@"
