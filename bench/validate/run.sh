#!/usr/bin/env bash
# bench/validate — `opentrail validate` offline and over S3 vs the real `aws cloudtrail
# validate-logs` on the same signed trail, beside the machine's ceiling (inflate + SHA-256 of the
# same bytes on all cores, measured in this run).
#
#   bench/validate/run.sh [EVENTS=725000] [RECORDS_PER_FILE=145]
#   (the default is a realistic trail: ~5,100 files of ~141 records, ~200 KB JSON / ~30 KB gz
#   each, ≈ 1 GB of log JSON; RECORDS_PER_FILE 0 = gen_events' default, much larger files.)
#
# 1. gen_events.py (not in this repository: see bench/find-gen-events.sh) writes a realistic
#    corpus in the S3 layout (1 account, 1 region);
# 2. `opentrail serve` is started and make_trail.py uploads the logs through its S3 API and writes
#    an hourly signed digest chain (RSA-2048 key made here);
# 3. ceiling, opentrail validate <data-dir>/buckets/<b>, opentrail validate s3://<b>, aws CLI.
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${1:-725000}
RPF=${2:-145}
OUT=bench/out/validate
PY=$(scripts/find-python.sh)
mkdir -p "$OUT"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j2 --target opentrail >/dev/null
cc -O2 -o "$OUT/ceiling" bench/validate/ceiling.c -lisal -lcrypto -lpthread

CORPUS="$OUT/corpus-$EVENTS-$RPF"
MAXR=(); [ "$RPF" -gt 0 ] && MAXR=(--max-records-per-file "$RPF")
if [ ! -d "$CORPUS" ]; then
  echo "generating $EVENTS events ..." >&2
  GEN=$(bench/find-gen-events.sh)
  "$PY" "$GEN" --seed 2 --events "$EVENTS" --days 1 --accounts 1 \
    --regions 1 "${MAXR[@]}" --s3-dir "$CORPUS.tmp" --jobs 2 >/dev/null
  mv "$CORPUS.tmp" "$CORPUS"
fi
KEY="$OUT/bench-key.pem"
[ -s "$KEY" ] || openssl genrsa -out "$KEY" 2048 2>/dev/null
openssl rsa -in "$KEY" -pubout -out "$OUT/bench-key.pub.pem" 2>/dev/null

DATA="$OUT/data"
rm -rf "$DATA"
PORT=$(( 20000 + RANDOM % 20000 ))
build-release/opentrail serve --listen 127.0.0.1:$PORT --data-dir "$DATA" --delivery-interval 5m \
  >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DATA/credentials" ] && break; sleep 0.1; done
sleep 0.5
EP=http://127.0.0.1:$PORT
B=bench-trail-logs
RANGE="--start-time 2024-02-28T00:00:00Z --end-time 2024-03-04T00:00:00Z"  # gen_events starts 2024-03-01
echo "== building the trail through the server's S3 API"
PYTHONPATH=bench/validate "$PY" bench/validate/make_trail.py "$CORPUS" "$EP" "$B" "$KEY" "$DATA/credentials"
BDIR="$DATA/buckets/$B"
find "$BDIR" -path '*/CloudTrail/*' -name '*.json.gz' >"$OUT/logs.txt"
GZ=$(du -sb --apparent-size "$BDIR" | cut -f1)
echo "trail: $(wc -l <"$OUT/logs.txt") log files, $((GZ / 1000000)) MB on disk"

echo "== ceiling (ISA-L inflate + OpenSSL SHA-256 of the same files, in memory, $(nproc) threads)"
"$OUT/ceiling" "$OUT/logs.txt" "$(nproc)" | tee "$OUT/ceiling.out"
cat "$OUT/logs.txt" | xargs cat >/dev/null   # page cache warm for the offline run

timeit() { local t0 t1; t0=$(date +%s.%N); "$@" >"$OUT/last.out" 2>&1 || true; t1=$(date +%s.%N);
  echo "$t1 - $t0" | bc >"$OUT/t_last"; echo "$(cat "$OUT/t_last") s | $(grep -E 'files valid|INVALID' "$OUT/last.out" | tr '\n' ' ')"; }
S3ENV=(env AWS_ENDPOINT_URL_S3=$EP AWS_SHARED_CREDENTIALS_FILE=$DATA/credentials AWS_CONFIG_FILE=/dev/null)
echo "== opentrail validate, offline"
echo "offline: $(timeit build-release/opentrail validate "$BDIR" --public-key "$OUT/bench-key.pub.pem" --no-progress $RANGE)"
cp "$OUT/t_last" "$OUT/t_offline"
echo "offline --no-json-check: $(timeit build-release/opentrail validate "$BDIR" --public-key "$OUT/bench-key.pub.pem" --no-progress $RANGE --no-json-check)"
echo "== opentrail validate over our S3 endpoint (default: 32 GetObjects in flight)"
echo "s3: $(timeit "${S3ENV[@]}" build-release/opentrail validate "s3://$B" --public-key "$OUT/bench-key.pub.pem" --no-progress $RANGE)"
cp "$OUT/t_last" "$OUT/t_s3"
echo "s3 --inflight 1: $(timeit "${S3ENV[@]}" build-release/opentrail validate "s3://$B" --public-key "$OUT/bench-key.pub.pem" --no-progress $RANGE --inflight 1)"
echo "== aws cloudtrail validate-logs (pyenv awscli) over our S3 endpoint"
PYTHONPATH=bench/validate "$PY" bench/validate/run_cli.py "$EP" "$B" "$KEY" "$DATA/credentials" | tee "$OUT/cli.out"
CLI=$(grep -oE '[0-9.]+ s' "$OUT/cli.out" | head -1 | cut -d' ' -f1)
CEIL=$(grep -oE ', [0-9.]+ s,' "$OUT/ceiling.out" | tr -d ', s')
echo "== ratios: aws CLI / ours over S3 = $(echo "scale=1; $CLI / $(cat "$OUT/t_s3")" | bc)x;" \
  "offline = $(echo "scale=0; 100 * $CEIL / $(cat "$OUT/t_offline")" | bc) % of the ceiling"
