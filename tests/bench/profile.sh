#!/bin/bash
# profile.sh - where a phase of the benchmark spends the daemon's time.
#
#   tests/bench/profile.sh PHASE [callgrind|perf] [vv-load options...]
#
# PHASE is one of steps, steps-open, finish, contact (see plan.c).
#
# callgrind (the default) runs vegvisard and vv-echo under valgrind, only
# counting inside their event loops, and prints the user-space instructions
# per reply of each and the daemon's costliest functions. Instruction counts
# do not depend on what else runs on the machine, so before/after figures
# from this are comparable where timings are not. The kernel's share (the
# socket calls) is not counted; it is about the same for both servers.
#
# perf samples the daemon with the cpu-clock event (hardware counters are
# not available in every VM), kernel included, and prints the top symbols.
#
# Environment as for run.sh (VEGVISARD, BENCH_BIN).
set -eu

cd "$(dirname "$0")/../.."

phase=${1:?usage: $0 PHASE [callgrind|perf] [vv-load options...]}
tool=${2:-callgrind}
shift $(($# >= 2 ? 2 : 1))

. tests/bench/lib.sh
bench_setup

# Replies written: calls of lws_write from the server's own code. In the
# caller tree a block is its callers ("<" lines), the function ("*"), a blank.
replies()
{
	callgrind_annotate --threshold=100 --inclusive=yes --tree=caller "$1" 2>/dev/null |
		awk '/^$/ { n = 0; next }
		     / < / && !/libwebsockets/ { c[n++] = $0; next }
		     /\*  \?\?\?:lws_write / { for (i = 0; i < n; i++) {
				s = c[i]; sub(/.*\(/, "", s); sub(/x\).*/, "", s); gsub(",", "", s); t += s } }
		     END { print t + 0 }'
}

total_ir()
{
	callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}

drive()
{
	"${GEN[@]}" "$LOAD" "$@" --phases "$phase" --agents 100 --secs 8 --warmup 1 --retries 0 |
		grep -E " all |note" || true
}

case $tool in
callgrind)
	command -v valgrind >/dev/null || { echo "profile.sh: needs valgrind" >&2; exit 1; }
	WRAP=(valgrind --tool=callgrind --toggle-collect=ev_run
		--callgrind-out-file="$tmp/cg.daemon")
	start_daemon "$tmp/vegvisar.db" "$tmp/daemon.log"
	drive --url "$URL" --token "$token" --pid "$server_pid" --label vegvisard "$@"
	stop_pid "$server_pid"
	server_pid=
	WRAP=(valgrind --tool=callgrind --toggle-collect=ev_run --callgrind-out-file="$tmp/cg.echo")
	start_echo "$tmp/echo.log"
	drive --url "$ECHO_URL" --echo --pid "$echo_pid" --label ceiling "$@"
	stop_pid "$echo_pid"
	echo_pid=
	d_ir=$(total_ir "$tmp/cg.daemon")
	d_n=$(replies "$tmp/cg.daemon")
	e_ir=$(total_ir "$tmp/cg.echo")
	e_n=$(replies "$tmp/cg.echo")
	echo
	echo "== $phase: user-space instructions per reply, inside the event loop"
	awk -v d="$d_ir" -v dn="$d_n" -v e="$e_ir" -v en="$e_n" 'BEGIN {
		printf "vegvisard %14.0f Ir / %8.0f replies = %8.0f per reply\n", d, dn, d / (dn ? dn : 1)
		printf "vv-echo   %14.0f Ir / %8.0f replies = %8.0f per reply\n", e, en, e / (en ? en : 1)
	}'
	echo
	echo "== $phase: the daemon's functions, inclusive"
	callgrind_annotate --inclusive=yes "$tmp/cg.daemon" 2>/dev/null |
		grep -E '^ *[0-9,]+ .*(daemon/|json_dumps|json_loadb|json_pack|json_delete|sqlite3_step|malloc|free)' |
		head -30
	cp "$tmp/cg.daemon" "$tmp/cg.echo" "$BIN/"
	echo "(callgrind files: $BIN/cg.daemon, $BIN/cg.echo)"
	;;
perf)
	command -v perf >/dev/null || { echo "profile.sh: needs perf" >&2; exit 1; }
	start_daemon "$tmp/vegvisar.db" "$tmp/daemon.log"
	perf record -q -e cpu-clock -F 4000 -g -p "$server_pid" -o "$tmp/perf.data" -- sleep 9 \
		>/dev/null 2>&1 &
	perf_pid=$!
	drive --url "$URL" --token "$token" --pid "$server_pid" --label vegvisard "$@"
	wait "$perf_pid" || true
	stop_pid "$server_pid"
	server_pid=
	echo
	echo "== $phase: the daemon by shared object"
	perf report -i "$tmp/perf.data" --stdio --no-children --sort dso 2>/dev/null |
		grep -E '^ +[0-9]' | head -12
	echo
	echo "== $phase: the daemon's top symbols"
	perf report -i "$tmp/perf.data" --stdio --no-children --sort dso,symbol -g none 2>/dev/null |
		grep -E '^ +[0-9]' | head -30
	;;
*)
	echo "usage: $0 PHASE [callgrind|perf] [vv-load options...]" >&2
	exit 2
	;;
esac
