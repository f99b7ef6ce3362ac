#!/usr/bin/env bash
# Runs ctest with the given arguments and prints its summary plus the number of tests that were
# skipped or did not run. With AWSMP_REQUIRE_PEERS=1 (set by .ci/run) a skipped or not-run test
# fails the run: in CI every peer (moto, botocore, node, the crash child) must be there.
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
skipped=$(grep -cE '\((Skipped|Not Run|Disabled)\)' "$log" || true)
echo "ctest: ${skipped} skipped or not run"
if [ "${AWSMP_REQUIRE_PEERS:-0}" = 1 ] && [ "$skipped" -gt 0 ]; then
  echo "ctest: AWSMP_REQUIRE_PEERS=1 and ${skipped} tests were skipped or did not run:" >&2
  grep -E '\((Skipped|Not Run|Disabled)\)' "$log" >&2
  status=1
fi
exit "$status"
