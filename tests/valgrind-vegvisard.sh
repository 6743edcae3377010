#!/bin/sh
# valgrind-vegvisard.sh - vegvisard under valgrind, for `make valgrind`: the
# black-box tests start this instead of the daemon (VEGVISARD points here).
# Each run writes its report to $VALGRIND_LOGS/vegvisard.PID.log; the make
# target then requires "ERROR SUMMARY: 0 errors" in every one. Leaks count
# as errors only when definite or indirect: lws and OpenSSL keep some
# allocations for the life of the process on purpose.
exec valgrind --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--track-origins=yes --num-callers=30 \
	--log-file="${VALGRIND_LOGS:-.}/vegvisard.%p.log" \
	"${VALGRIND_VEGVISARD:?set VALGRIND_VEGVISARD to the vegvisard binary}" "$@"
