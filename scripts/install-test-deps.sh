#!/usr/bin/env bash
# Installs what the browser tests need that Go cannot fetch: Debian's chromium.
# Safe to run again: it does nothing when /usr/bin/chromium is already there.
# Browser tests skip without it, unless WEFT_REQUIRE_BROWSER=1 makes them fail,
# so CI runs this first and sets that variable.
set -euo pipefail

log() { printf 'install-test-deps: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ -x /usr/bin/chromium ]]; then
	log "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown')"
	exit 0
fi

command -v apt-get >/dev/null 2>&1 ||
	die "/usr/bin/chromium is missing and apt-get is not available; install Chromium by hand and point WEFT_CHROMIUM at it"

# sudo drops the environment by default, so DEBIAN_FRONTEND goes through env.
if [[ $(id -u) -eq 0 ]]; then
	as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
else
	die "installing chromium needs root: run this script as root or install sudo"
fi

apt_log=$(mktemp)
trap 'rm -f "$apt_log"' EXIT

run_quiet() {
	if ! "${as_root[@]}" "$@" >>"$apt_log" 2>&1; then
		log "'$*' failed; its output:"
		cat "$apt_log" >&2
		return 1
	fi
}

install_chromium() {
	run_quiet apt-get install -y -q --no-install-recommends chromium fonts-liberation
}

# The package lists are refreshed only when they do not know chromium yet, or
# when they are stale enough that the mirror no longer has the listed version.
if apt-cache show chromium >/dev/null 2>&1 && install_chromium 2>/dev/null; then
	:
else
	log "refreshing apt package lists"
	: >"$apt_log"
	run_quiet apt-get update -q || die "apt-get update failed (is a Debian mirror reachable?)"
	log "installing chromium"
	install_chromium || die "apt-get install chromium failed"
fi

[[ -x /usr/bin/chromium ]] || die "chromium was installed but /usr/bin/chromium is missing"
log "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
