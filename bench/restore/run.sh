#!/usr/bin/env bash
# bench/restore — how long a trail stays stopped: from the acknowledgement of StopLogging to
# GetTrailStatus answering IsLogging true again (the trail-restore runbook, docs/runbooks.md),
# p50/p99 over TRIES tries against the release build (bench/restore/latency.py).
#
#   bench/restore/run.sh [TRIES=100]
set -euo pipefail
cd "$(dirname "$0")/../.."
TRIES=${1:-100}
PY=$(scripts/find-python.sh)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target opentrail >/dev/null
"$PY" bench/restore/latency.py --bin build/opentrail --tries "$TRIES" --out bench/out/restore
