#!/bin/bash
# run.sh - the load benchmark (docs/performance.md): the same generator
# against a bare libwebsockets echo server (the ceiling) and against
# vegvisard, then start-up with a large store, then the table with every
# figure as a ratio to the ceiling and the targets judged.
#
#   tests/bench/run.sh [--quick] [--subscribe M] [--phases LIST] [--keep DIR]
#
# --quick       small numbers, a few seconds: make test runs this only to
#               keep the benchmark working; no target is judged
# --subscribe M supervisor dashboards subscribed to the stats stream (default
#               500, quick 5; reported PENDING while the daemon refuses it)
# --phases LIST only these phases of the plan (vv-load --phases, e.g. chat or
#               steps,finish), and no start-up or report timing
# --keep DIR    keep the result rows and the logs in DIR
#
# Environment: VEGVISARD (the daemon; default build/vegvisard), BENCH_BIN
# (where vv-load and vv-echo are; default build/bench), BENCH_CONTACTS (the
# store size for the start-up test; default 1000000).
set -eu

cd "$(dirname "$0")/../.."

quick=0
keep=
plan=()
supervisors=
phases=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--subscribe) supervisors=$2; shift ;;
	--phases) phases=$2; shift ;;
	--keep) keep=$2; shift ;;
	*) echo "usage: $0 [--quick] [--subscribe M] [--phases LIST] [--keep DIR]" >&2; exit 2 ;;
	esac
	shift
done

if [ "$quick" = 1 ]; then
	plan+=(--quick --subscribe "${supervisors:-5}")
	CONTACTS=${BENCH_CONTACTS:-10000}
	STARTUP_RUNS=2
else
	# 20,000 idle widgets plus 1,000 agents from one address would use
	# most of the 28k ephemeral ports; spread them over 4 source addresses.
	plan+=(--src-ips 4 --subscribe "${supervisors:-500}")
	CONTACTS=${BENCH_CONTACTS:-1000000}
	STARTUP_RUNS=5
fi

[ -n "$phases" ] && plan+=(--phases "$phases")

. tests/bench/lib.sh
bench_setup
touch "$tmp/ceiling.tsv" "$tmp/daemon.tsv" "$tmp/startup.tsv"
failed=

machine

echo
echo "== vegvisard (rules/, a fresh store) and the ceiling, vv-echo (libwebsockets echo),"
echo "   phase by phase in turn; both servers pinned to the same CPU, one idle while the other works"
start_echo "$tmp/echo.log"
start_daemon "$tmp/vegvisar.db" "$tmp/daemon.log"
"${GEN[@]}" "$LOAD" --url "$URL" --token "$token" --sup-token "$sup_token" --pid "$server_pid" \
	--label vegvisard --out "$tmp/daemon.tsv" --ceiling-url "$ECHO_URL" \
	--ceiling-pid "$echo_pid" --ceiling-out "$tmp/ceiling.tsv" "${plan[@]}" ||
	failed="$failed load"
echo "daemon log: $(grep -c 'rules loaded' "$tmp/daemon.log") rule loads," \
	"$(grep -c -E '^<[0-3]>' "$tmp/daemon.log" || true) error lines"
stop_pid "$server_pid" || failed="$failed vegvisard-exit"
server_pid=
stop_pid "$echo_pid" || failed="$failed vv-echo-exit"
echo_pid=

if [ -n "$phases" ]; then
	report=(--report "$tmp/ceiling.tsv" "$tmp/daemon.tsv")
	[ "$quick" = 1 ] && report+=(--quick)
	"$LOAD" "${report[@]}" || failed="$failed report"
	[ -z "$failed" ] || { echo "run.sh: failed:$failed" >&2; exit 1; }
	exit 0
fi

echo
echo "== start to READY with rules/ and $CONTACTS contacts"
# The daemon creates the schema; sqlite3 fills it in one transaction.
start_daemon "$tmp/big.db" "$tmp/big.log"
stop_pid "$server_pid"
server_pid=
t0=$(date +%s%N)
sqlite3 "$tmp/big.db" >/dev/null <<EOF
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $CONTACTS)
INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang, rules_version,
	path, facts, suggested, destination, category, outcome, referral_reason, on_behalf,
	relation, age_band, period, note)
SELECT 'gen-' || i, 1767225600000 + i * 20000, 1767225600000 + i * 20000 + 240000,
	CASE i % 4 WHEN 0 THEN 'phone' WHEN 1 THEN 'chat' WHEN 2 THEN 'widget' ELSE 'desk' END,
	CASE WHEN i % 3 = 0 THEN 'dk' ELSE 'no' END, 'nb', '2026-11-22.1',
	'["no.who","no.topic.self","no.login.method","no.login.minid.who","no.login.minid.problem","no.login.minid.blocked"]',
	'{"on_behalf":"self","topic":"login","login_method":"minid","login_problem":"locked_after_wrong_attempts"}',
	'no.digdir', 'no.digdir', 'login',
	CASE i % 3 WHEN 0 THEN 'resolved' WHEN 1 THEN 'referred' ELSE 'abandoned' END,
	CASE WHEN i % 3 = 1 THEN 'wrong_agency' END, 'self', NULL, '67_79', NULL,
	CASE WHEN i % 5 = 0 THEN 'Innringer har sperret MinID etter tre feil koder.' END
FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
echo "store: $(sqlite3 "$tmp/big.db" 'SELECT count(*) FROM contacts') contacts," \
	"$(du -m "$tmp/big.db" | cut -f1) MB, generated in $((($(date +%s%N) - t0) / 1000000)) ms"
daemon_cmd=("${SRV[@]}" "$VEGVISARD" --config "$tmp/vegvisar.conf"
	--listen "127.0.0.1:$("$LOAD" --free-port)" --db "$tmp/big.db" --rules rules --www clients)
"$LOAD" --startup "$STARTUP_RUNS" --label vegvisard --out "$tmp/startup.tsv" -- \
	"${daemon_cmd[@]}" || failed="$failed startup"
if [ "$quick" = 0 ]; then
	"$LOAD" --startup 3 --cold --label vegvisard --out "$tmp/startup.tsv" -- \
		"${daemon_cmd[@]}" || failed="$failed startup-cold"
fi

echo
echo "== the report over $CONTACTS contacts (GET /api/v1/report, supervisor token)"
start_daemon "$tmp/big.db" "$tmp/report.log"
# After READY the store's writer reads every page once (its integrity
# check, about a second here); on one pinned core that would halve the
# report's share, so the report is timed after it.
wait_ready "$tmp/report.log" "$server_pid" "integrity check" || failed="$failed integrity-check"
"$LOAD" --http "http://127.0.0.1:$PORT/api/v1/report" --token "$sup_token" --runs 3 --label vegvisard \
	--out "$tmp/startup.tsv" || failed="$failed report-endpoint"
stop_pid "$server_pid" || failed="$failed vegvisard-exit"
server_pid=

report=(--report "$tmp/ceiling.tsv" "$tmp/daemon.tsv" "$tmp/startup.tsv")
[ "$quick" = 1 ] && report+=(--quick)
"$LOAD" "${report[@]}" || failed="$failed report"
if [ -n "$failed" ]; then
	echo "run.sh: failed:$failed" >&2
	exit 1
fi
