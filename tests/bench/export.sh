#!/bin/bash
# export.sh - the export benchmark (docs/performance.md, "Export"): a store
# of N generated contacts (default 1,000,000, written straight into SQLite),
# then the daemon's CSV and NDJSON exports and the report over all of them,
# with the time taken and the daemon's peak memory (VmHWM) before and after.
# Not part of `make test`; run with `make bench-export`.
#
#   tests/bench/export.sh [--rows N] [--keep DIR]
#
# Environment: VEGVISARD (the daemon; default build/vegvisard).
set -eu

cd "$(dirname "$0")/../.."

rows=1000000
keep=
while [ $# -gt 0 ]; do
	case $1 in
	--rows) rows=$2; shift ;;
	--keep) keep=$2; shift ;;
	*) echo "usage: $0 [--rows N] [--keep DIR]" >&2; exit 2 ;;
	esac
	shift
done

VEGVISARD=$(realpath "${VEGVISARD:-build/vegvisard}")
tmp=$(mktemp -d /tmp/vv-export.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	if [ -n "$keep" ]; then mkdir -p "$keep" && cp "$tmp"/*.log "$keep"/ 2>/dev/null; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
hash=$(echo "$token" | "$VEGVISARD" --hash-token)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/vegvisar.conf" <<EOF
{"tokens": [{"name": "bench", "role": "supervisor", "sha256": "$hash"}]}
EOF

starts=0
start_daemon() {
	local log=$tmp/daemon-$((++starts)).log
	"$VEGVISARD" --config "$tmp/vegvisar.conf" --db "$tmp/vegvisar.db" --listen "127.0.0.1:$port" \
		--rules tests/fixtures/rules --www clients 2>"$log" &
	pid=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "the daemon did not start:" >&2
	cat "$log" >&2
	exit 1
}
stop_daemon() { kill "$pid"; wait "$pid" || true; pid=; }
kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$pid/status"; }

# The schema comes from the daemon itself; then the rows, in one transaction.
start_daemon
stop_daemon
echo "generating $rows contacts…"
t0=$(date +%s.%N)
sqlite3 "$tmp/vegvisar.db" <<EOF
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang, rules_version,
	path, facts, suggested, destination, category, outcome, referral_reason, on_behalf,
	relation, age_band, period, note)
SELECT 'bench-' || i, t - 240000, t,
	CASE i % 10 WHEN 0 THEN 'chat' WHEN 1 THEN 'desk' WHEN 2 THEN 'widget' ELSE 'phone' END,
	CASE WHEN i % 8 = 0 THEN 'dk' ELSE 'no' END,
	CASE WHEN i % 8 = 0 THEN 'da' ELSE 'nb' END, '2026-11-22.1',
	'["no.start","no.who","no.topic","no.login.method","no.login.bankid","no.login.bankid.lost"]',
	'{"on_behalf":"' || ob || '","topic":"login","login_method":"bankid","login_problem":"lost"}',
	'no.bank', CASE WHEN i % 4 = 0 THEN 'no.nav' ELSE 'no.bank' END,
	CASE WHEN i % 100 < 44 THEN 'login' WHEN i % 100 < 68 THEN 'reservation'
	     WHEN i % 100 < 80 THEN 'power_of_attorney' WHEN i % 100 < 90 THEN 'agency'
	     WHEN i % 100 < 96 THEN 'estate' ELSE 'other' END,
	outcome, CASE WHEN outcome = 'referred' THEN 'wrong_agency' END, ob,
	CASE WHEN ob = 'another_person' THEN 'adult_child_for_parent' END,
	CASE i % 7 WHEN 0 THEN '80_plus' WHEN 1 THEN '67_79' WHEN 2 THEN '50_66' ELSE NULL END,
	'2026-4',
	CASE WHEN i % 7 = 0 THEN 'Ringte for mor som ikke kommer inn med BankID; "sperret", trenger ny kodebrikke.' END
FROM (SELECT i, 1790000000000 + i * 2000 AS t,
	CASE WHEN i % 2 = 0 THEN 'another_person' ELSE 'self' END AS ob,
	CASE WHEN i % 3 = 0 THEN 'referred' WHEN i % 50 = 1 THEN 'abandoned' ELSE 'resolved' END AS outcome
	FROM n);
COMMIT;
EOF
t1=$(date +%s.%N)
size=$(du -m "$tmp/vegvisar.db" | cut -f1)
printf 'generated in %.1f s; the store is %s MB\n' "$(echo "$t1 - $t0" | bc)" "$size"

start_daemon
sleep 1
idle_rss=$(kib VmRSS)
idle_hwm=$(kib VmHWM)
printf '%-28s %10s %12s %10s %10s\n' what seconds bytes "VmHWM KiB" "+idle KiB"
printf '%-28s %10s %12s %10s %10s\n' "idle (RSS $idle_rss KiB)" - - "$idle_hwm" 0

fetch() {
	local what=$1 path=$2 out
	out=$(curl -sS -o "$tmp/out" -w '%{http_code} %{time_total} %{size_download}' \
		-H "Authorization: Bearer $token" "http://127.0.0.1:$port$path")
	set -- $out
	[ "$1" = 200 ] || { echo "$path: HTTP $1" >&2; cat "$tmp/out" >&2; exit 1; }
	local hwm
	hwm=$(kib VmHWM)
	printf '%-28s %10.2f %12s %10s %10s\n' "$what" "$2" "$3" "$hwm" $((hwm - idle_hwm))
}

# Read the file once, so that every run reads from the page cache.
cat "$tmp/vegvisar.db" >/dev/null
fetch "CSV, all rows" /api/v1/contacts.csv
lines=$(wc -l <"$tmp/out")
[ "$lines" = $((rows + 1)) ] || { echo "CSV has $lines lines, expected $((rows + 1))" >&2; exit 1; }
fetch "CSV, all rows (again)" /api/v1/contacts.csv
fetch "NDJSON, all rows" /api/v1/contacts.ndjson
lines=$(wc -l <"$tmp/out")
[ "$lines" = "$rows" ] || { echo "NDJSON has $lines lines, expected $rows" >&2; exit 1; }
fetch "CSV, country=dk" "/api/v1/contacts.csv?country=dk"
fetch "report, all rows" /api/v1/report
total=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$tmp/out")
[ "$total" = "$rows" ] || { echo "report total $total, expected $rows" >&2; exit 1; }

t0=$(date +%s.%N)
"$VEGVISARD" report --db "$tmp/vegvisar.db" --format json >/dev/null
t1=$(date +%s.%N)
printf '%-28s %10.2f\n' "vegvisard report (CLI)" "$(echo "$t1 - $t0" | bc)"
stop_daemon
