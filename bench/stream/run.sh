#!/usr/bin/env bash
# bench/stream — the trail stream's throughput (trail → CloudWatch Logs, a WAL reader): events/s
# from an already-acknowledged WAL into a log group, alone and with three metric filters.
#
#   bench/stream/run.sh [EVENTS=200000]
#
# The events come from gen_events.py (see bench/find-gen-events.sh). logs.db is synchronous=FULL
# as in the server; the WAL is written without fsync (only its reading is measured).
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${1:-200000}
OUT=bench/out/stream
mkdir -p "$OUT"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j2 --target ot_streambench >/dev/null
CORPUS=$(bench/ndjson-corpus.sh "$OUT" "$EVENTS" 5)
for mode in plain filters; do
  rm -rf "$OUT/data" && mkdir -p "$OUT/data"
  build-release/ot_streambench "$CORPUS" "$OUT/data" "$mode"
done
rm -rf "$OUT/data"
