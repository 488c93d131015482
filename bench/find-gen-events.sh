#!/usr/bin/env bash
# Prints the path of gen_events.py, the deterministic CloudTrail corpus generator that
# bench/ingest, bench/validate and bench/import use to make their input. It is not part of this
# repository: it is a tool of the development environment, kept beside the checkout (in
# ../shared/tools/). Set GEN=/path/to/gen_events.py to use a copy elsewhere.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${GEN:-}" ]; then
  CANDIDATES=("$GEN")
else
  CANDIDATES=("$ROOT/../shared/tools/gen_events.py" "$ROOT/../../shared/tools/gen_events.py")
fi
for g in "${CANDIDATES[@]}"; do
  if [ -f "$g" ]; then
    (cd "$(dirname "$g")" && echo "$(pwd)/$(basename "$g")")
    exit 0
  fi
done
echo "bench: gen_events.py (the CloudTrail corpus generator the benchmarks use) is not part of" \
     "this repository and was not found${GEN:+ at $GEN}; set GEN=/path/to/gen_events.py" >&2
exit 1
