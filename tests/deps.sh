#!/bin/bash
# deps.sh - install what building and testing vegvisard needs, if missing.
#
# Called by `make deps` (and so by `make test` and .ci/run). When everything
# is present it only asks dpkg and compares a lockfile stamp, so it is cheap
# enough to run before every test. It never reads stdin: CI has none.
set -eu

cd "$(dirname "$0")/.."

# Debian packages, checked with dpkg-query. libclang-rt-dev carries libFuzzer
# and clang's sanitizer runtimes: clang only recommends it, and we install
# without recommends. groff-base and man-db check the man page in
# check-systemd.sh.
DEB_PKGS=(
	build-essential pkg-config
	libwebsockets-dev libwebsockets-evlib-ev libev-dev
	libjansson-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev libsystemd-dev
	libcmocka-dev libstemmer-dev
	systemd groff-base man-db
	clang libclang-rt-dev valgrind sqlite3
	chromium esbuild
	ca-certificates
)
# The black-box tests use `node --test --test-concurrency` and playwright-core
# wants node 20; Debian 12 ships 18, so a newer node (NodeSource's, which also
# provides npm) may already be installed and must be left alone.
NODE_MIN_MAJOR=20
LOCK_STAMP=node_modules/.vegvisar-lock-stamp

missing_debs()
{
	local installed
	# Unknown packages make dpkg-query exit 1; they count as missing.
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${DEB_PKGS[@]}" \
		2>/dev/null | awk '$2 == "ii" { print $1 }' || true)
	local p
	for p in "${DEB_PKGS[@]}"; do
		grep -qxF "$p" <<<"$installed" || echo "$p"
	done
	# Node and npm are checked as commands, not packages: see above.
	command -v node >/dev/null 2>&1 || echo nodejs
	command -v npm >/dev/null 2>&1 || echo npm
}

# Run a command as root: directly, or through sudo when it needs no password.
as_root()
{
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo -n "$@"
	fi
}

can_be_root()
{
	[ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null
}

install_debs()
{
	local apt_env=(env DEBIAN_FRONTEND=noninteractive)
	local apt_opts=(-q -y --no-install-recommends
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

	if ! can_be_root; then
		echo "deps: missing Debian packages: $*" >&2
		echo "deps: not root and sudo needs a password; run this, then retry:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $*" >&2
		exit 1
	fi
	echo "deps: installing Debian packages: $*"
	as_root "${apt_env[@]}" apt-get -q update </dev/null
	as_root "${apt_env[@]}" apt-get install "${apt_opts[@]}" "$@" </dev/null
}

check_node_version()
{
	local major
	major=$(node -p 'process.versions.node.split(".")[0]')
	if [ "$major" -lt "$NODE_MIN_MAJOR" ]; then
		echo "deps: node $(node --version) is too old: the tests need node >= $NODE_MIN_MAJOR" >&2
		echo "deps: (Debian 12's nodejs is 18; install a newer nodejs package with npm)" >&2
		exit 1
	fi
}

lock_hash()
{
	sha256sum package-lock.json | cut -d' ' -f1
}

# node_modules is in sync when its stamp holds the hash of the lockfile it
# was installed from.
node_modules_in_sync()
{
	[ -f "$LOCK_STAMP" ] && [ "$(cat "$LOCK_STAMP")" = "$(lock_hash)" ]
}

install_node_modules()
{
	echo "deps: node_modules missing or out of date: npm ci"
	# playwright-core downloads no browser; this makes sure nothing else does.
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund </dev/null
	lock_hash >"$LOCK_STAMP"
}

main()
{
	local missing
	mapfile -t missing < <(missing_debs)
	if [ "${#missing[@]}" -gt 0 ]; then
		install_debs "${missing[@]}"
		mapfile -t missing < <(missing_debs)
		if [ "${#missing[@]}" -gt 0 ]; then
			echo "deps: still missing after apt-get install: ${missing[*]}" >&2
			exit 1
		fi
	fi
	check_node_version

	if ! node_modules_in_sync; then
		install_node_modules
	fi
	echo "deps: ok (${#DEB_PKGS[@]} Debian packages, node $(node --version), node_modules in sync)"
}

main
