#!/bin/bash
# check-layers.sh - the daemon's folders are layers (docs/architecture.md): a
# file includes headers of its own layer and the layers below it, never above;
# libwebsockets only in the transport (net/, main.c), sqlite3 only in the
# store and the search index. Known exceptions, each one a debt to pay, are
# listed in tests/layers/allowed.txt as "file -> header"; anything new fails,
# and so does an allowed line that is no longer needed (so the list shrinks).
set -euo pipefail
cd "$(dirname "$0")/.."

layers=(base conf triage desk store app ws net api)
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
rank[.]=${#layers[@]} # main.c sits on top

declare -A home # header name -> layer
for h in daemon/*/*.h; do home[$(basename "$h")]=$(basename "$(dirname "$h")"); done

allowed=tests/layers/allowed.txt
found=$(mktemp)
trap 'rm -f "$found"' EXIT
status=0
for f in daemon/*.c daemon/*/*.[ch]; do
	dir=$(dirname "$f"); layer=${dir#daemon}; layer=${layer#/}; layer=${layer:-.}
	name=${f#daemon/}
	while read -r inc; do
		case "$inc" in
		'<libwebsockets.h>') [[ $layer == net || $layer == . ]] || echo "$name -> $inc" ;;
		'<sqlite3.h>') [[ $layer == store || $name == triage/search* ]] || echo "$name -> $inc" ;;
		\"*\")
			h=${inc//\"/}
			[[ $h == */* ]] || h=$layer/$h # same folder
			h=${h#./}
			[[ -f daemon/$h ]] || { echo "$name -> unknown/$h"; continue; }
			h=${h##*/}
			((${rank[${home[$h]}]} <= ${rank[$layer]})) || echo "$name -> ${home[$h]}/$h"
			;;
		esac
	done < <(sed -n 's/^#include *\([<"][^>"]*[>"]\).*/\1/p' "$f")
done | sort >"$found"

if new=$(comm -23 "$found" <(grep -v '^#' "$allowed" | sort)) && [[ -n $new ]]; then
	echo "check-layers: includes that reach up a layer (docs/architecture.md):" >&2
	echo "$new" | sed 's/^/  /' >&2
	status=1
fi
if gone=$(comm -13 "$found" <(grep -v '^#' "$allowed" | sort)) && [[ -n $gone ]]; then
	echo "check-layers: fixed, remove from $allowed:" >&2
	echo "$gone" | sed 's/^/  /' >&2
	status=1
fi
[[ $status == 0 ]] && echo "check-layers: ok ($(wc -l <"$found") known exceptions in $allowed)"
exit $status
