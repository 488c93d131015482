#!/usr/bin/env bash
# bench/monitor — what watching a trail costs, and how fast it alerts.
#
# 1. Ingest with and without watching, alternated in the same run (the machine is noisy): the
#    same load (bench/ingest's C client, PutAuditEvents through a channel into a trail) against
#    a fresh server whose trail is plain, then against one whose trail also streams into a
#    CloudWatch Logs group carrying the 14 CIS metric filters and alarms (`opentrail monitor
#    cis`). Reports both rates, their ratio (target >= 0.9) and how far the stream lagged.
# 2. The alarm latency (bench/monitor/latency.py): from the acknowledgement of a PutAuditEvents
#    call holding an event that trips a CIS control to the alarm's SNS message, p50/p99.
#
#   bench/monitor/run.sh [EVENTS=200000] [CLIENTS=8] [SECONDS=15] [ROUNDS=2] [TRIPS=3]
# (TRIPS=0: no latency part)
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${1:-200000}
CLIENTS=${2:-8}
SECONDS_=${3:-15}
ROUNDS=${4:-2}
TRIPS=${5:-3}
OUT=bench/out/monitor
PY=$(scripts/find-python.sh)
AWS="$(dirname "$PY")/aws"
BIN=build-release/opentrail
mkdir -p "$OUT"

cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j2 --target opentrail ot_loadgen >/dev/null

BODIES=bench/out/ingest/bodies-$EVENTS.ndjson
if [ ! -s "$BODIES" ]; then
  echo "generating $EVENTS events ..." >&2
  mkdir -p bench/out/ingest
  GEN=$(bench/find-gen-events.sh)
  "$PY" "$GEN" --seed 1 --events "$EVENTS" --days 1 --ndjson bench/out/ingest/events.ndjson --jobs 2
  "$PY" bench/ingest/make_bodies.py bench/out/ingest/events.ndjson "$BODIES"
fi

SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null || true' EXIT

# Starts a fresh server with a logging trail fed by a channel; with "watched", the trail also
# streams into a log group carrying the CIS pack. Sets PORT, DATA, CHANNEL, AK, SK.
start() {
  DATA="$OUT/data-$1"
  rm -rf "$DATA"
  PORT=$(( 20000 + RANDOM % 20000 ))
  "$BIN" serve --listen 127.0.0.1:$PORT --data-dir "$DATA" --delivery-interval 5s \
    >"$OUT/server-$1.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    [ -s "$DATA/credentials" ] && (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
    sleep 0.1
  done
  export AWS_SHARED_CREDENTIALS_FILE="$DATA/credentials" AWS_CONFIG_FILE=/dev/null \
         AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL=http://127.0.0.1:$PORT
  "$AWS" s3api create-bucket --bucket bench >/dev/null
  local trail
  trail=$("$AWS" cloudtrail create-trail --name bench --s3-bucket-name bench --query TrailARN --output text)
  if [ "$1" = watched ]; then
    local acct
    acct=$(cut -d: -f5 <<<"$trail")
    "$AWS" logs create-log-group --log-group-name CloudTrail/bench
    "$AWS" sns create-topic --name security-alerts >/dev/null
    "$AWS" cloudtrail update-trail --name bench \
      --cloud-watch-logs-log-group-arn "arn:aws:logs:us-east-1:$acct:log-group:CloudTrail/bench:*" \
      --cloud-watch-logs-role-arn "arn:aws:iam::$acct:role/CloudTrail_CloudWatchLogs" >/dev/null
    "$BIN" monitor cis --log-group CloudTrail/bench --topic security-alerts \
      --endpoint "http://127.0.0.1:$PORT" --data-dir "$DATA" --json >/dev/null
  fi
  "$AWS" cloudtrail start-logging --name bench
  CHANNEL=$("$AWS" cloudtrail create-channel --name bench --source Custom \
    --destinations "[{\"Type\":\"AWS_SERVICE\",\"Location\":\"$trail\"}]" --query ChannelArn --output text)
  AK=$(awk -F' *= *' '/aws_access_key_id/{print $2; exit}' "$DATA/credentials")
  SK=$(awk -F' *= *' '/aws_secret_access_key/{print $2; exit}' "$DATA/credentials")
}

# The events the stream has written into the group so far.
streamed() {
  "$PY" - "$DATA/logs.db" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=30)
print(db.execute("SELECT count(*) FROM events").fetchone()[0])
PYEOF
}

stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }

load() {
  build-release/ot_loadgen --endpoint "http://127.0.0.1:$PORT" --channel "$CHANNEL" \
    --bodies "$BODIES" --access-key "$AK" --secret "$SK" --clients "$CLIENTS" --seconds "$SECONDS_"
}

field() { sed -E "s/.*$1=([0-9.]+).*/\\1/" <<<"$2"; }

PLAIN=() WATCHED=()
echo "== ingest, $CLIENTS clients, ${SECONDS_}s per run, $ROUNDS rounds of plain / watched"
for r in $(seq "$ROUNDS"); do
  start plain
  L=$(load); stop
  PLAIN+=("$(field events_per_s "$L")")
  echo "round $r plain:   $(field events_per_s "$L") events/s"
  start watched
  L=$(load)
  ACKED=$(field events_acked "$L")
  AT_END=$(streamed)
  T0=$(date +%s.%N)
  while [ "$(streamed)" -lt "$ACKED" ]; do sleep 0.5; done   # the stream catches up
  T1=$(date +%s.%N)
  stop
  WATCHED+=("$(field events_per_s "$L")")
  echo "round $r watched: $(field events_per_s "$L") events/s; streamed at the end of the load:" \
       "$AT_END of $ACKED, all of them $(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}')s later"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
MP=$(median "${PLAIN[@]}") MW=$(median "${WATCHED[@]}")
awk -v p="$MP" -v w="$MW" 'BEGIN {
  printf "== ingest: plain %.0f events/s, watched %.0f events/s (median): %.2fx the plain figure (target >= 0.9)\n", p, w, w / p }'

[ "$TRIPS" -gt 0 ] || exit 0
echo "== alarm latency ($TRIPS rounds, every CIS control tripped once a round)"
"$PY" bench/monitor/latency.py --bin "$BIN" --out "$OUT" --rounds "$TRIPS"
