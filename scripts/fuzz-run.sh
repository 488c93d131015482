#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time over its seed corpus (docs/fuzzing.md).
#   fuzz-run.sh BIN SEED_DIR SECONDS            ctest (make test): new inputs go to a temp dir
#   fuzz-run.sh BIN SEED_DIR SECONDS CORPUS_DIR make fuzz: new inputs are kept in CORPUS_DIR
# The checked-in SEED_DIR is never written to. Exits non-zero on any crash, leak, UB report,
# timeout or out-of-memory; the input that caused it is saved next to BIN in artifacts/.
set -euo pipefail
bin=$1 seeds=$2 seconds=$3 corpus=${4:-}
name=$(basename "$bin")
artifacts="$(dirname "$bin")/artifacts"
mkdir -p "$artifacts"
if [ -z "$corpus" ]; then
  corpus=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
  trap 'rm -rf "$corpus"' EXIT
fi
mkdir -p "$corpus"
if [ -d "$seeds" ]; then
  cp -r "$seeds"/. "$corpus"/
else
  echo "fuzz-run: $name has no seed corpus at $seeds; starting from nothing" >&2
fi
# An optional dictionary of tokens, tests/fuzz/<name>.dict, helps reach deep into a format.
dict="$(dirname "$(dirname "$seeds")")/$(basename "$seeds").dict"
dict_opt=()
[ -f "$dict" ] && dict_opt=(-dict="$dict")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  "${dict_opt[@]}" -artifact_prefix="$artifacts/$name-" "$corpus"
