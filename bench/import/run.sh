#!/usr/bin/env bash
# bench/import/run.sh [EVENTS] [WORKDIR] — `opentrail import` against the machine's ceiling and
# DuckDB on the same gen_events.py S3-layout corpus (.json.gz), in one run. gen_events.py is not
# in this repository: see bench/find-gen-events.sh.
#   ceiling: ceiling.cpp = ISA-L inflate + simdjson DOM parse of every file, 2 threads, no storage
#   opentrail import: into a fresh data dir (3 runs, median)
#   DuckDB: duck.mjs 'table' = CREATE TABLE ev AS SELECT ... FROM read_json(gz tree), 2 threads
# Needs: node + `npm i @duckdb/node-api` in this directory (done here if missing).
set -euo pipefail
N=${1:-1000000}
W=${2:-/tmp/ot-bench-import}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$ROOT/build-release
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j2 --target opentrail >/dev/null
c++ -O2 -std=c++17 "$HERE/ceiling.cpp" -lsimdjson -lisal -pthread -o "$BUILD/ot_import_ceiling"
[ -d "$HERE/node_modules/@duckdb/node-api" ] || (cd "$HERE" && npm i @duckdb/node-api@1.5.6-r.1 >/dev/null)

mkdir -p "$W"
cd "$W"
if [ ! -f "corpus.$N.done" ]; then
    GEN=$("$ROOT/bench/find-gen-events.sh")
    rm -rf corpus corpus.*.done
    python3 "$GEN" --seed 1 --events "$N" --days 2 --s3-dir corpus --jobs 2 --stats
    touch "corpus.$N.done"
fi
find corpus -name '*.json.gz' | sort > filelist.txt
echo "corpus: $N events, $(wc -l < filelist.txt) files, $(du -sb corpus | cut -f1) bytes gz"
xargs -a filelist.txt cat > /dev/null   # page cache

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== ceiling (inflate + parse, 2 threads)"
for i in 1 2 3; do "$BUILD/ot_import_ceiling" 2 < filelist.txt; done | tee ceiling.txt
CEIL=$(grep -o 'seconds=[0-9.]*' ceiling.txt | cut -d= -f2 | median)

echo "== opentrail import"
: > import.txt
for i in 1 2 3; do
    rm -rf data
    /usr/bin/time -f "%e s wall, %M KB max RSS" "$BUILD/opentrail" import corpus --data-dir data --quiet 2>> import.txt
    tail -1 import.txt
done
IMP=$(grep -o '^[0-9.]* s wall' import.txt | cut -d' ' -f1 | median)
"$BUILD/opentrail" import corpus --data-dir data | sed -n 1,3p   # summary of a re-import: all duplicates
echo "history (history.db + segments): $(du -sb data/history.db data/history-segments | awk '{s+=$1} END {print s}') bytes"

echo "== DuckDB read_json -> table (2 threads)"
: > duck.txt   # duck.mjs sits beside node_modules (ES modules ignore NODE_PATH); cwd = corpus dir
for i in 1 2 3; do node "$HERE/duck.mjs" table 1 | grep table-load | tee -a duck.txt; done
DUCK=$(grep -o 'ms=[0-9]*' duck.txt | cut -d= -f2 | median)

python3 - "$N" "$CEIL" "$IMP" "$DUCK" <<'PY'
import sys
n, ceil, imp, duck = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]) / 1000
print("SUMMARY events=%d" % n)
print("  ceiling (inflate+parse)  %7.2f s  %9.0f events/s" % (ceil, n / ceil))
print("  opentrail import         %7.2f s  %9.0f events/s  = %.0f%% of the ceiling" % (imp, n / imp, 100 * ceil / imp))
print("  DuckDB table load        %7.2f s  %9.0f events/s  -> import is %.2fx DuckDB" % (duck, n / duck, duck / imp))
PY
