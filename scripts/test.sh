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

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-8G}"
# Paths relative to the checkout (and no build directory in the hash), so that a clone in
# another folder reuses what an earlier build compiled.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
jobs=$(nproc)
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
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DAWSMP_WERROR=ON &&
    cmake --build build/release -j "$jobs"
}
stage "g++ release build (-Wall -Wextra -Wpedantic -Werror)" configure_release
if [ "$failed" -eq 0 ]; then
  stage "ctest: every suite of the release build" ctest --test-dir build/release --output-on-failure -j "$jobs"
fi
[ "${AWSMP_SKIP_SANITIZERS:-0}" = 1 ] || stage "sanitizers: ASan+UBSan and TSan (clang)" scripts/sanitizers.sh all
[ "${AWSMP_SKIP_FUZZ:-0}" = 1 ] || stage "fuzz: every libFuzzer target, bounded" scripts/fuzz.sh

echo
echo "==== summary"
printf '%s\n' "${results[@]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
