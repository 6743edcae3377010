#!/bin/bash
# check-systemd.sh - check the systemd unit and the man page that ship with
# vegvisard, without a running systemd:
#   - `systemd-analyze verify` finds no problem in the unit;
#   - `systemd-analyze security --offline=true` rates it MAX_EXPOSURE or better;
#   - the man page renders without a groff warning.
# Runs every check, then exits 1 if any failed. Called by `make test`.
set -eu

cd "$(dirname "$0")/.."

UNIT=systemd/vegvisard.service
MANPAGE=systemd/vegvisard.8
MAX_EXPOSURE=2.0

passed=0
failed=0
pass() { echo "check-systemd: ok: $*"; passed=$((passed + 1)); }
fail() { echo "check-systemd: FAIL: $*"; failed=$((failed + 1)); }
indent() { sed 's/^/    /'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# verify checks that ExecStart= is executable, so it runs on a copy of the
# unit that starts the binary we just built instead of /usr/sbin/vegvisard,
# and that Documentation=man:vegvisard(8) resolves, so it sees our man page.
find_binary()
{
	local b
	for b in "${VEGVISARD:-}" build/vegvisard build-san/vegvisard; do
		if [ -n "$b" ] && [ -x "$b" ]; then
			realpath "$b"
			return 0
		fi
	done
	return 1
}

check_verify()
{
	local bin out ours
	if ! bin=$(find_binary); then
		fail "verify: no vegvisard binary in build/ or build-san/ (run make first, or set VEGVISARD)"
		return
	fi
	mkdir -p "$tmp/unit" "$tmp/man/man8"
	sed "s#^ExecStart=/usr/sbin/vegvisard #ExecStart=$bin #" "$UNIT" >"$tmp/unit/vegvisard.service"
	if ! grep -q "^ExecStart=$bin " "$tmp/unit/vegvisard.service"; then
		fail "verify: $UNIT has no 'ExecStart=/usr/sbin/vegvisard ...' line to point at $bin"
		return
	fi
	cp "$MANPAGE" "$tmp/man/man8/"

	# verify reports most unit errors ("Unknown key", "Failed to parse")
	# as warnings and still exits 0, so any line about our unit is a failure.
	# Lines about other units on this machine are shown but not held against us.
	local rc=0
	out=$(MANPATH="$tmp/man" SYSTEMD_LOG_COLOR=0 systemd-analyze verify \
		"$tmp/unit/vegvisard.service" 2>&1) || rc=$?
	ours=$(grep -E "vegvisard\.service|$tmp/unit" <<<"$out" || true)
	if [ -n "$out" ] && [ -z "$ours" ]; then
		echo "check-systemd: note: systemd-analyze verify said about other units:"
		indent <<<"$out"
	fi
	if [ "$rc" -ne 0 ] || [ -n "$ours" ]; then
		fail "verify: systemd-analyze verify $UNIT (exit $rc):"
		indent <<<"${ours:-$out}" | sed "s#$tmp/unit/#systemd/#"
		return
	fi
	pass "verify: systemd-analyze verify $UNIT found no problem"
}

check_security()
{
	local out score
	if ! out=$(systemd-analyze security --offline=true --no-pager "$UNIT" 2>&1); then
		fail "security: systemd-analyze security failed:"
		indent <<<"$out"
		return
	fi
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
	if [ -z "$score" ]; then
		fail "security: no overall exposure level in systemd-analyze security output"
		indent <<<"$out"
		return
	fi
	if awk -v s="$score" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(s > max) }'; then
		fail "security: expected exposure <= $MAX_EXPOSURE, got $score; what counts against it:"
		grep '✗' <<<"$out" | indent
		return
	fi
	pass "security: exposure $score (lower is better, <= $MAX_EXPOSURE required)"
}

check_manpage()
{
	local out
	# -ww turns on every warning; -z renders without printing the page.
	if ! out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MANPAGE" 2>&1) || [ -n "$out" ]; then
		fail "man page: groff -man -ww $MANPAGE warned:"
		indent <<<"$out"
		return
	fi
	pass "man page: $MANPAGE renders without warnings"
}

check_verify
check_security
check_manpage
echo "check-systemd: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
