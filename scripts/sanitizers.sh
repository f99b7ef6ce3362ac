#!/usr/bin/env bash
# Sanitizer CI through CMakePresets.json: preset "asan" (clang, ASan + UBSan) builds the tests and
# runs every test labelled unit or integration; preset "tsan" (ThreadSanitizer) builds and runs
# the tests labelled concurrency or tsan (docs/hardening.md says which and why). Fails on any
# test failure and on any sanitizer report, even one printed by a process whose exit status
# nobody checked (reports are written to files and counted).
#
# Usage: scripts/sanitizers.sh [asan|tsan|all]   (default all). Build trees build/asan and
# build/tsan are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
mode=${1:-all}
case "$mode" in asan|tsan|all) ;; *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;; esac

# run_preset <preset> <all|selected>: configure, build (everything, or only the executables of
# the preset's tests), run the preset's tests, then check the reports.
run_preset() {
  local preset=$1 scope=$2 dir=build/$1
  echo "== $preset: configure $dir"
  cmake --preset "$preset" -Wno-dev >/dev/null
  if [ "$scope" = all ]; then
    cmake --build --preset "$preset" -j "$jobs"
  else
    # ctest names a Boost.Test suite after its executable (awsmp_add_test).
    local names targets
    names=$(ctest --preset "$preset" -N | sed -n 's/^ *Test *#[0-9]*: *//p')
    # Each executable has a phony target of its own name (the real one carries its folder).
    targets=$(comm -12 <(sort <<<"$names") <(ninja -C "$dir" -t targets all | sed -n 's/^\([^:/]*\): phony$/\1/p' | sort))
    [ -n "$targets" ] || { echo "== $preset: no test executable matches the preset's tests" >&2; return 1; }
    echo "== $preset: building $(wc -w <<<"$targets") test executables"
    # shellcheck disable=SC2086
    cmake --build --preset "$preset" -j "$jobs" --target $targets
  fi
  local logs="$dir/sanitizer-reports" status=0
  rm -rf "$logs" && mkdir -p "$logs"
  ASAN_OPTIONS="log_path=$PWD/$logs/asan:detect_leaks=1:strict_init_order=1:detect_stack_use_after_return=1:check_initialization_order=1:halt_on_error=1" \
  UBSAN_OPTIONS="log_path=$PWD/$logs/ubsan:print_stacktrace=1:halt_on_error=1" \
  LSAN_OPTIONS="log_path=$PWD/$logs/lsan" \
  TSAN_OPTIONS="log_path=$PWD/$logs/tsan:halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp" \
    scripts/ctest_summary.sh --preset "$preset" -j "$jobs" || status=$?
  local reports
  reports=$(find "$logs" -type f -size +0 | sort)
  if [ -n "$reports" ]; then
    echo "== $preset: sanitizer reports:"
    while read -r f; do echo "---- $f"; cat "$f"; done <<<"$reports"
    status=1
  fi
  [ "$status" -eq 0 ] && echo "== $preset: passed, no sanitizer report" || echo "== $preset: FAILED"
  return "$status"
}

failed=0
if [ "$mode" = asan ] || [ "$mode" = all ]; then run_preset asan all || failed=1; fi
if [ "$mode" = tsan ] || [ "$mode" = all ]; then run_preset tsan selected || failed=1; fi
exit $failed
