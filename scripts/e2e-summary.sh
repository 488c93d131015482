#!/usr/bin/env bash
# After ctest in BUILD_DIR: says how many end-to-end tests ran, from ctest's log of that run
# (Testing/Temporary/LastTest.log): the e2e_* test files, and the Python test cases they ran
# and skipped (unittest's "Ran N tests" and "(skipped=N)" lines).
log="${1:?usage: e2e-summary.sh BUILD_DIR}/Testing/Temporary/LastTest.log"
if [ ! -f "$log" ]; then
  echo "end-to-end tests run: 0 (no ctest log in $1)"
  exit 0
fi
awk '
  /^[0-9]+\/[0-9]+ Test: / { e2e = ($3 ~ /^e2e_/); files += e2e; next }
  e2e && /^Ran [0-9]+ tests? in / { cases += $2 }
  e2e && /^(OK|FAILED) \(.*skipped=[0-9]+/ { match($0, /skipped=[0-9]+/); skipped += substr($0, RSTART + 8, RLENGTH - 8) }
  END { printf "end-to-end tests run: %d (%d files, %d skipped)\n", cases - skipped, files, skipped }
' "$log"
