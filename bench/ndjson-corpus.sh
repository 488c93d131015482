#!/usr/bin/env bash
# Prints the path of an NDJSON corpus (one CloudTrail record a line, one day of events) of
# EVENTS events from gen_events.py with SEED, made once under DIR and reused after.
#
#   bench/ndjson-corpus.sh DIR EVENTS SEED
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$1 EVENTS=$2 SEED=$3
CORPUS="$DIR/events-$EVENTS.ndjson"
if [ ! -s "$CORPUS" ]; then
  mkdir -p "$DIR"
  GEN=$(bench/find-gen-events.sh)
  "$(scripts/find-python.sh)" "$GEN" --seed "$SEED" --events "$EVENTS" --days 1 \
    --ndjson "$CORPUS.tmp" >/dev/null
  mv "$CORPUS.tmp" "$CORPUS"
fi
echo "$CORPUS"
