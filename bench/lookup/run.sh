#!/usr/bin/env bash
# bench/lookup/run.sh [EVENTS] [WORKDIR] — LookupEvents latency over a large history.db:
# EVENTS synthetic management events (default 2,000,000) inserted through the real insert path,
# then p50/p99 of a first page and of page 101 (50 per page) for every attribute key in-process,
# and three keys end to end through `opentrail serve`'s HTTP API (Python client, keep-alive).
set -euo pipefail
N=${1:-2000000}
W=${2:-/tmp/ot-bench-lookup}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$ROOT/build-release
PY=${PY:-/root/.pyenv/versions/3.11.7/bin/python3}
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j2 --target opentrail >/dev/null
cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT/src" "$HERE/lookupbench.c" "$BUILD/libopentrail_core.a" \
   $(pkg-config --libs libmicrohttpd libcurl sqlite3 openssl zlib libisal simdjson) -lstdc++ -lpthread -lm \
   -o "$BUILD/ot_lookupbench"
mkdir -p "$W/data"
if [ ! -f "$W/gen.$N.done" ]; then
    rm -f "$W"/data/history.db* "$W"/gen.*.done
    "$BUILD/ot_lookupbench" gen "$W/data/history.db" "$N"
    touch "$W/gen.$N.done"
fi
echo "history.db: $(du -sb "$W/data/history.db" | cut -f1) bytes for $N events"
"$BUILD/ot_lookupbench" query "$W/data/history.db" 200
PORT=45999
"$BUILD/opentrail" serve --listen 127.0.0.1:$PORT --data-dir "$W/data" --history-retention 0 > "$W/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -f "$W/data/credentials" ] && (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
"$PY" "$HERE/http_latency.py" "http://127.0.0.1:$PORT" "$W/data/credentials" 200
