#!/usr/bin/env bash
# Installs what the tests need that Go cannot fetch, from Debian's packages:
#   chromium      for the browser tests (/usr/bin/chromium)
#   redis-server  for the tests of the Redis stores (redis-server on PATH);
#                 the tests start their own server on a private socket, so no
#                 system service is started here.
#   postgresql    for the tests of the registry's PostgreSQL store (initdb and
#                 postgres in /usr/lib/postgresql/<version>/bin); the tests
#                 make their own throw-away cluster, so no system service is
#                 started here either.
#   nodejs, npm   for the federation audit's subgraphs (internal/fedaudit),
#                 which need Node.js 20.12 or newer: Debian 13's nodejs is 20,
#                 Debian 12's is 18, too old (a warning says so; install a
#                 newer Node.js by hand there).
# Safe to run again: it does nothing when all are already there.
# The browser, Redis and PostgreSQL tests skip without theirs, unless
# WEFT_REQUIRE_BROWSER=1, WEFT_REQUIRE_REDIS=1 and WEFT_REQUIRE_POSTGRES=1
# make them fail, so CI runs this first and sets those. The federation
# audit's tests skip only when the audit's folder is absent; with it, they
# fail without Node.js and npm.
set -euo pipefail

log() { printf 'install-test-deps: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# missing lists the Debian packages to install; hints says what to do by hand
# when they cannot be.
missing=()
hints=()
need_chromium=
need_redis=
need_postgres=
need_node=

if [[ -x /usr/bin/chromium ]]; then
	log "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown')"
else
	need_chromium=1
	missing+=(chromium fonts-liberation)
	hints+=("install Chromium by hand and point WEFT_CHROMIUM at it")
fi

if command -v redis-server >/dev/null 2>&1; then
	log "redis-server present: $(redis-server --version 2>/dev/null || echo 'version unknown')"
else
	need_redis=1
	missing+=(redis-server)
	hints+=("install redis-server by hand and put it on PATH (or point WEFT_REDIS_SERVER at it)")
fi

# postgres_bin prints the first directory holding both initdb and postgres:
# $WEFT_POSTGRES_BIN, else Debian's, newest version first (as internal/pgtest
# looks).
postgres_bin() {
	local d
	for d in ${WEFT_POSTGRES_BIN:-} $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -rn); do
		if [[ -x $d/initdb && -x $d/postgres ]]; then
			printf '%s\n' "$d"
			return 0
		fi
	done
	return 1
}
if pg_bin=$(postgres_bin); then
	log "postgresql present: $("$pg_bin/postgres" --version 2>/dev/null || echo 'version unknown') in $pg_bin"
else
	need_postgres=1
	missing+=(postgresql)
	hints+=("install PostgreSQL by hand and point WEFT_POSTGRES_BIN at the directory holding initdb and postgres")
fi

node_hint="install Node.js 20.12 or newer with npm by hand and put node and npm on PATH"
if command -v node >/dev/null 2>&1; then
	log "node present: $(node --version 2>/dev/null || echo 'version unknown')"
else
	need_node=1
	missing+=(nodejs)
fi
if command -v npm >/dev/null 2>&1; then
	log "npm present: $(npm --version 2>/dev/null || echo 'version unknown')"
else
	need_node=1
	missing+=(npm)
fi
if [[ -n $need_node ]]; then
	hints+=("$node_hint")
fi

# check_node warns when node is older than the federation audit's server
# needs (it imports util.styleText, new in 20.12). A warning, not an error:
# without the audit's folder those tests skip, and with it they fail saying
# the same.
check_node() {
	local v major minor
	v=$(node --version 2>/dev/null) || { log "warning: node --version failed"; return; }
	if [[ $v =~ ^v([0-9]+)\.([0-9]+)\. ]]; then
		major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
		if ((major > 20 || (major == 20 && minor >= 12))); then
			return
		fi
	fi
	log "warning: node is $v; the federation audit's tests need Node.js 20.12 or newer: $node_hint"
}

if [[ ${#missing[@]} -eq 0 ]]; then
	check_node
	exit 0
fi

hint=${hints[0]}
for h in "${hints[@]:1}"; do hint+="; and $h"; done

command -v apt-get >/dev/null 2>&1 ||
	die "${missing[*]} missing and apt-get is not available: ${hint}"

# sudo drops the environment by default, so DEBIAN_FRONTEND goes through env.
if [[ $(id -u) -eq 0 ]]; then
	as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
else
	die "installing ${missing[*]} needs root: run this script as root or install sudo"
fi

apt_log=$(mktemp)
# policy_rc is set when this script put a policy-rc.d in place, so that the
# exit trap removes only its own.
policy_rc=
cleanup() {
	rm -f "$apt_log"
	if [[ -n $policy_rc ]]; then
		"${as_root[@]}" rm -f "$policy_rc" || log "could not remove $policy_rc; remove it by hand"
	fi
}
trap cleanup EXIT

run_quiet() {
	if ! "${as_root[@]}" "$@" >>"$apt_log" 2>&1; then
		log "'$*' failed; its output:"
		cat "$apt_log" >&2
		return 1
	fi
}

# redis-server's package would start a system-wide server on port 6379 where
# an init system runs, and postgresql's one on port 5432; the tests need
# neither, and a stray one would answer a test that connects to the wrong
# address. Exit status 101 of policy-rc.d tells invoke-rc.d not to start
# services. An existing policy is left as it is.
if [[ (-n $need_redis || -n $need_postgres) && ! -e /usr/sbin/policy-rc.d ]]; then
	policy_rc=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\n# Put here by install-test-deps.sh while it installs; removed when it ends.\nexit 101\n' |
		"${as_root[@]}" tee "$policy_rc" >/dev/null || die "could not write $policy_rc"
	"${as_root[@]}" chmod 755 "$policy_rc" || die "could not make $policy_rc executable"
fi

install_missing() {
	run_quiet apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The package lists are refreshed only when they do not know a package yet, or
# when they are stale enough that the mirror no longer has the listed version.
known() {
	local p
	for p in "${missing[@]}"; do
		apt-cache show "$p" >/dev/null 2>&1 || return 1
	done
}
if known && install_missing 2>/dev/null; then
	:
else
	log "refreshing apt package lists"
	: >"$apt_log"
	run_quiet apt-get update -q || die "apt-get update failed (is a Debian mirror reachable?)"
	log "installing ${missing[*]}"
	install_missing || die "apt-get install ${missing[*]} failed: ${hint}"
fi

if [[ -n $need_chromium ]]; then
	[[ -x /usr/bin/chromium ]] || die "chromium was installed but /usr/bin/chromium is missing"
	log "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
fi
if [[ -n $need_redis ]]; then
	command -v redis-server >/dev/null 2>&1 || die "redis-server was installed but is not on PATH"
	log "installed $(redis-server --version 2>/dev/null || echo redis-server)"
fi
if [[ -n $need_postgres ]]; then
	pg_bin=$(postgres_bin) || die "postgresql was installed but no initdb and postgres in /usr/lib/postgresql/*/bin"
	log "installed $("$pg_bin/postgres" --version 2>/dev/null || echo postgresql) in $pg_bin"
fi
if [[ -n $need_node ]]; then
	command -v node >/dev/null 2>&1 || die "nodejs was installed but node is not on PATH"
	command -v npm >/dev/null 2>&1 || die "npm was installed but is not on PATH"
	log "installed node $(node --version 2>/dev/null) and npm $(npm --version 2>/dev/null)"
fi
check_node
