# lib.sh - shared by run.sh and profile.sh: where the binaries are, how the
# servers are pinned and started, and the config with the bench's tokens.
# Source it from the repository root, then call bench_setup.

VEGVISARD=$(realpath "${VEGVISARD:-build/vegvisard}")
BIN=$(realpath "${BENCH_BIN:-build/bench}")
LOAD=$BIN/vv-load
ECHO=$BIN/vv-echo
server_pid=
echo_pid=
keep=${keep:-}

bench_cleanup()
{
	local p
	for p in $server_pid $echo_pid; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -n "$keep" ]; then
		mkdir -p "$keep"
		cp "$tmp"/*.tsv "$tmp"/*.log "$keep"/ 2>/dev/null || true
	fi
	rm -rf "$tmp"
}

# A temp dir, the pinning, and a config with an agent and a supervisor token.
bench_setup()
{
	local sha_agent sha_lead
	tmp=$(mktemp -d /tmp/vv-bench.XXXXXX)
	trap bench_cleanup EXIT

	# The server on CPU 0 and the generator on CPU 1, when there are two.
	# The daemon's store writer thread shares CPU 0 with its service thread.
	SRV=()
	GEN=()
	if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
		SRV=(taskset -c 0)
		GEN=(taskset -c 1)
	fi
	# Other work on a shared machine disturbs both ends less at the highest
	# priority (root only); the ceiling and the daemon get the same.
	if nice -n -20 true 2>/dev/null; then
		SRV=(nice -n -20 "${SRV[@]}")
		GEN=(nice -n -20 "${GEN[@]}")
	fi
	# The unit gives the daemon LimitNOFILE=65536 and it raises its soft
	# limit to the hard one; give both servers that hard limit where we may.
	if prlimit --nofile=65536:65536 true 2>/dev/null; then
		SRV=(prlimit --nofile=65536:65536 "${SRV[@]}")
	fi

	token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	sup_token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	sha_agent=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
	sha_lead=$(printf %s "$sup_token" | sha256sum | cut -d' ' -f1)
	# The chat phase's agents (tests/bench/chat.c): an agent may hold
	# bounds.chats_per_agent (at most 100) chats, so chat k uses token
	# "${token}c$((k / 100))"; 64 of them carry 6,400 chats.
	chat_tokens=
	for i in $(seq 0 63); do
		chat_tokens="$chat_tokens,
            {\"name\": \"bench-chat-$i\", \"role\": \"agent\", \"sha256\": \"$(printf %s "${token}c$i" | sha256sum | cut -d' ' -f1)\"}"
	done
	# The benchmark measures capacity, not the per-address abuse limits:
	# here every connection comes from 127.0.0.x, unlike real widgets; the
	# chat phase's citizens hand over 1,000 chats at once from there, and
	# each side of a chat sends a message a second (60 a minute, the
	# default chat_per_minute, is raised so that scheduling jitter cannot
	# run a side's burst of 10 dry).
	cat >"$tmp/vegvisar.conf" <<EOF
{"tokens": [{"name": "bench-agent", "role": "agent", "sha256": "$sha_agent"},
            {"name": "bench-lead", "role": "supervisor", "sha256": "$sha_lead"}$chat_tokens],
 "limits": {"connections_per_ip": 1000000, "messages_per_second": 1000000, "burst": 1000000},
 "bounds": {"sessions_per_token": 10000000, "sessions_per_address": 10000000, "sessions_total": 10000000,
            "handovers_per_address": 10000, "handovers_total": 100000, "handovers_per_minute": 10000,
            "chats_per_agent": 100, "chat_per_minute": 600}}
EOF
}

# Wait for "listening on" in a server's log; fail if it exits first.
# Poll log $1 until it has a line matching $3 (default: the server is
# listening), while process $2 lives; at most 30 s.
wait_ready()
{
	local log=$1 pid=$2 pattern=${3:-listening on} i
	for i in $(seq 600); do
		grep -q "$pattern" "$log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "bench: no \"$pattern\" from the server:" >&2
	cat "$log" >&2
	return 1
}

stop_pid()
{
	local rc=0
	kill -TERM "$1"
	wait "$1" || rc=$?
	return $rc
}

# vegvisard on db $1, log in $2, with rules/ and the bench config; prefix
# the command with ${WRAP[@]} (valgrind, say). Sets server_pid, PORT and URL.
start_daemon()
{
	local db=$1 log=$2 port
	port=$("$LOAD" --free-port)
	"${SRV[@]}" ${WRAP[@]+"${WRAP[@]}"} "$VEGVISARD" --config "$tmp/vegvisar.conf" \
		--listen "127.0.0.1:$port" --db "$db" --rules rules --www clients 2>"$log" &
	server_pid=$!
	wait_ready "$log" "$server_pid"
	PORT=$port
	URL=ws://127.0.0.1:$port/ws
}

# vv-echo, log in $1. Sets echo_pid and ECHO_URL.
start_echo()
{
	local log=$1 port
	port=$("$LOAD" --free-port)
	"${SRV[@]}" ${WRAP[@]+"${WRAP[@]}"} "$ECHO" --listen "127.0.0.1:$port" 2>"$log" &
	echo_pid=$!
	wait_ready "$log" "$echo_pid"
	ECHO_URL=ws://127.0.0.1:$port/ws
}

machine()
{
	echo "== machine"
	echo "cpu:      $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "memory:   $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "kernel:   $(uname -r)"
	echo "os:       $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "lws:      $(pkg-config --modversion libwebsockets 2>/dev/null || echo '?')"
	echo "daemon:   $VEGVISARD"
	echo "pinning:  server '${SRV[*]:-none}', generator '${GEN[*]:-none}'"
	echo "load avg: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
}
