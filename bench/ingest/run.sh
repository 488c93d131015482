#!/usr/bin/env bash
# bench/ingest — end-to-end durable ingest throughput against this machine's ceiling.
#
# Builds a release binary, makes a realistic corpus (gen_events.py, not in this repository: see
# bench/find-gen-events.sh), measures the
# in-process ceiling (parse + gzip of the same bytes on all cores), then drives a real server
# (fsync on, SigV4 on) with the C load client and reports events/s, MB/s, p50/p99 latency, the
# ratio to the ceiling, the client's CPU, and whether delivery kept up.
#
#   bench/ingest/run.sh [EVENTS=200000] [CLIENTS=8] [SECONDS=20]
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${1:-200000}
CLIENTS=${2:-8}
SECONDS_=${3:-20}
OUT=bench/out/ingest
PY=$(scripts/find-python.sh)
AWS="$(dirname "$PY")/aws"
mkdir -p "$OUT"

cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j2 --target opentrail ot_loadgen ot_ingest_ceiling >/dev/null

if [ ! -s "$OUT/bodies-$EVENTS.ndjson" ]; then
  echo "generating $EVENTS events ..." >&2
  GEN=$(bench/find-gen-events.sh)
  "$PY" "$GEN" --seed 1 --events "$EVENTS" --days 1 --ndjson "$OUT/events.ndjson" --jobs 2
  "$PY" bench/ingest/make_bodies.py "$OUT/events.ndjson" "$OUT/bodies-$EVENTS.ndjson"
fi
BODIES="$OUT/bodies-$EVENTS.ndjson"

echo "== ceiling (parse + ISA-L gzip of the same bodies, in-process, all cores)"
CEIL=$(build-release/ot_ingest_ceiling "$BODIES" "$(nproc)" 5)
echo "$CEIL"

DATA="$OUT/data"
rm -rf "$DATA"
PORT=$(( 20000 + RANDOM % 20000 ))
build-release/opentrail serve --listen 127.0.0.1:$PORT --data-dir "$DATA" --delivery-interval 5s \
  >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DATA/credentials" ] && (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done

export AWS_SHARED_CREDENTIALS_FILE="$DATA/credentials" AWS_CONFIG_FILE=/dev/null \
       AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL=http://127.0.0.1:$PORT
"$AWS" s3api create-bucket --bucket bench >/dev/null
TRAIL=$("$AWS" cloudtrail create-trail --name bench --s3-bucket-name bench --query TrailARN --output text)
"$AWS" cloudtrail start-logging --name bench
CHANNEL=$("$AWS" cloudtrail create-channel --name bench --source Custom \
  --destinations "[{\"Type\":\"AWS_SERVICE\",\"Location\":\"$TRAIL\"}]" --query ChannelArn --output text)
AK=$(awk -F' *= *' '/aws_access_key_id/{print $2; exit}' "$DATA/credentials")
SK=$(awk -F' *= *' '/aws_secret_access_key/{print $2; exit}' "$DATA/credentials")

cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CPU0=$(cpu_of $SERVER)
echo "== load: $CLIENTS clients, ${SECONDS_}s, fsync on"
LOAD=$(build-release/ot_loadgen --endpoint "http://127.0.0.1:$PORT" --channel "$CHANNEL" \
       --bodies "$BODIES" --access-key "$AK" --secret "$SK" --clients "$CLIENTS" --seconds "$SECONDS_")
echo "$LOAD"
CPU1=$(cpu_of $SERVER)
T0=$(date +%s.%N)
"$AWS" cloudtrail stop-logging --name bench     # seals and writes everything still pending
T1=$(date +%s.%N)
DELIVERED=$("$PY" - "$DATA/buckets/bench" <<'PYEOF'
import gzip, json, os, sys
n = 0
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith(".json.gz"):
            n += sum(1 for r in json.loads(gzip.open(os.path.join(root, f)).read())["Records"]
                     if r.get("eventCategory") == "ActivityAuditLog")
print(n)
PYEOF
)
ACKED=$(sed -E 's/.*events_acked=([0-9]+).*/\1/' <<<"$LOAD")
EPS=$(sed -E 's/.*events_per_s=([0-9]+).*/\1/' <<<"$LOAD")
CEPS=$(sed -E 's/.*ceiling_events_per_s=([0-9]+).*/\1/' <<<"$CEIL")
HZ=$(getconf CLK_TCK)
echo "== result"
awk -v eps="$EPS" -v ceps="$CEPS" -v acked="$ACKED" -v deliv="$DELIVERED" -v t0="$T0" -v t1="$T1" \
    -v cpu="$(( CPU1 - CPU0 ))" -v hz="$HZ" -v secs="$SECONDS_" 'BEGIN {
  printf "ingest %d events/s = %.2f of the ceiling (%d events/s); server CPU %.0f%% of one core\n", eps, eps / ceps, ceps, 100 * cpu / hz / secs;
  printf "delivery: %d acknowledged, %d delivered; final flush took %.2fs (backlog at end of load)\n", acked, deliv, t1 - t0;
  if (acked != deliv) { print "MISMATCH: acknowledged != delivered"; exit 1 }
}'
