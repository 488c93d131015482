#!/usr/bin/env bash
# bench/rules — EventBridge rules: one event matched against 1, 100, 1,000 and 10,000 realistic
# rules at once, events/s on one core, beside the parse-only ceiling measured in the same run.
#
#   bench/rules/run.sh [EVENTS=20000] [SECONDS=2]
#
# The events come from gen_events.py (not in this repository: see bench/find-gen-events.sh), as
# NDJSON CloudTrail records, wrapped by the benchmark in EventBridge's envelope; the rules from
# bench/rules/make_rules.py (API names from botocore's models).
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${1:-20000}
SECONDS_EACH=${2:-2}
OUT=bench/out/rules
mkdir -p "$OUT"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j2 --target ot_rulesbench >/dev/null
CORPUS=$(bench/ndjson-corpus.sh "$OUT" "$EVENTS" 3)
"$(scripts/find-python.sh)" bench/rules/make_rules.py "$CORPUS" 10000 1 > "$OUT/rules.txt"
build-release/ot_rulesbench "$CORPUS" "$OUT/rules.txt" "$SECONDS_EACH"
