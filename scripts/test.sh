#!/usr/bin/env bash
# The README's test command: sets up a fresh Debian 12 machine, builds awsmp once with g++
# (-Werror) and runs every ctest suite, then the sanitizer builds (clang + ASan/UBSan for the
# unit and integration tests, TSan for the concurrency tests) and a bounded libFuzzer run.
# Every stage runs even when an earlier one failed, so one run shows everything; the exit
# status is non-zero when any stage failed. AWSMP_SKIP_SANITIZERS=1 / AWSMP_SKIP_FUZZ=1 skip
# those stages for a quick local run (CI sets neither).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

. scripts/env.sh
passed=0
failed=0
results=()
stage() {
  local name=$1
  shift
  local start=$SECONDS
  echo "==== $name"
  if "$@"; then
    passed=$((passed + 1))
    results+=("passed  $name ($((SECONDS - start)) s)")
  else
    failed=$((failed + 1))
    results+=("FAILED  $name ($((SECONDS - start)) s)")
  fi
}

configure_release() {
  cmake --preset release && cmake --build --preset release -j "$jobs"
}
stage "g++ release build (-Wall -Wextra -Wpedantic -Werror)" configure_release
ctest_log=build/ctest_summary.log
rm -f "$ctest_log"
run_ctest() {
  mkdir -p build
  scripts/ctest_summary.sh --preset release -j "$jobs" 2>&1 | tee "$ctest_log"
}
if [ "$failed" -eq 0 ]; then
  stage "ctest: every suite of the release build" run_ctest
fi
stage "format: clang-format-14 on the files changed since the last release" scripts/check_format.sh
[ "${AWSMP_SKIP_SANITIZERS:-0}" = 1 ] || stage "sanitizers: ASan+UBSan and TSan (clang)" scripts/sanitizers.sh all
[ "${AWSMP_SKIP_FUZZ:-0}" = 1 ] || stage "fuzz: every libFuzzer target, bounded" scripts/fuzz.sh

echo
echo "==== summary"
printf '%s\n' "${results[@]}"
# A skipped test is a test that proved nothing: the count is always shown (and with
# AWSMP_REQUIRE_PEERS=1, as in CI, any skip already failed the ctest stage).
[ -f "$ctest_log" ] && grep -E '^ctest: [0-9]+ skipped or not run' "$ctest_log" | tail -1
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
