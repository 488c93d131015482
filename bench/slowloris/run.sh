#!/usr/bin/env bash
# bench/slowloris — legitimate-request latency (p50/p99) of `opentrail serve` with and without a
# 2,000-connection slowloris attack (partial requests, one header line every 5 s, reconnecting
# when cut) from 16 loopback addresses. Release build, default server options.
#
#   bench/slowloris/run.sh [REQUESTS=300] [SLOW=2000] [extra serve options …]
set -euo pipefail
cd "$(dirname "$0")/../.."
REQUESTS=${1:-300}
SLOW=${2:-2000}
shift $(( $# > 2 ? 2 : $# ))
PY=$(scripts/find-python.sh)
OUT=bench/out/slowloris
mkdir -p "$OUT"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j2 --target opentrail >/dev/null

DATA="$OUT/data"
rm -rf "$DATA"
PORT=$(( 20000 + RANDOM % 20000 ))
ulimit -n "$(ulimit -Hn)"
build-release/opentrail serve --listen 127.0.0.1:$PORT --data-dir "$DATA" "$@" >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DATA/credentials" ] && (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done

"$PY" bench/slowloris/slowloris.py "http://127.0.0.1:$PORT" "$DATA/credentials" "$REQUESTS" "$SLOW"
echo "server: $(grep -c 'cut .* connection' "$OUT/server.log" || true) reaper passes cut slow connections;" \
     "$(awk '/cut [0-9]+ connection/{n+=$4} END{print n+0}' "$OUT/server.log") connections cut in all"
