#!/usr/bin/env bash
# bench/filter — filter pattern evaluation: each CIS pattern over realistic CloudTrail events,
# events/s on one core, beside the in-process ceiling measured in the same run (parsing each
# event's JSON once with the project's simdjson reader).
#
#   bench/filter/run.sh [EVENTS=20000] [SECONDS=2]
#
# The events come from gen_events.py (not in this repository: see bench/find-gen-events.sh), as
# NDJSON, one CloudTrail record a line: what CloudTrail sends to CloudWatch Logs, one event each.
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${1:-20000}
SECONDS_EACH=${2:-2}
OUT=bench/out/filter
mkdir -p "$OUT"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j2 --target ot_filterbench >/dev/null
CORPUS=$(bench/ndjson-corpus.sh "$OUT" "$EVENTS" 3)
build-release/ot_filterbench "$CORPUS" "$SECONDS_EACH"
