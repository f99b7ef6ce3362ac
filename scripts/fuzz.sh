#!/usr/bin/env bash
# Fuzzing CI: builds every libFuzzer target of tests/fuzz with clang 14
# (-fsanitize=fuzzer,address,undefined) and runs each for a bounded time, starting from its
# seed corpus. Prints executions, coverage and corpus size per target; fails on any crash,
# sanitizer report, leak, timeout or out-of-memory, keeping the reproducer in
# build/fuzz/artifacts/<target>/ (run it again with: build/fuzz/tests/fuzz/<target> <file>).
#
# Usage: scripts/fuzz.sh [target...]        (default: every fuzz_* target)
# Environment: AWSMP_FUZZ_SECONDS (per target, default 45), AWSMP_FUZZ_RUNS (per target,
# default 400000), AWSMP_FUZZ_SEED (default 1; 0 = random), AWSMP_JOBS (build, default nproc),
# CCACHE_DIR. The build tree build/fuzz and the grown corpora in build/fuzz/corpus are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
seconds=${AWSMP_FUZZ_SECONDS:-45}
dir=build/fuzz
# Preset "fuzz": the library and its dependencies' headers get coverage instrumentation
# (fuzzer-no-link through AWSMP_SANITIZE), the fuzz executables link libFuzzer
# (tests/fuzz/CMakeLists.txt).
cmake --preset fuzz -Wno-dev >/dev/null

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(find tests/fuzz -maxdepth 1 -name 'fuzz_*.cpp' -printf '%f\n' | sed 's/\.cpp$//' | sort)
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no fuzz target in tests/fuzz"; exit 1; }
echo "== fuzz: building ${targets[*]}"
cmake --build --preset fuzz -j "$jobs" --target "${targets[@]}"

export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
summary=()
for t in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/$t
  work=$dir/corpus/$t
  artifacts=$dir/artifacts/$t
  rm -rf "$artifacts"  # only this run's reproducers are reported
  mkdir -p "$work" "$artifacts"
  # A fixed seed and a run cap make the CI run repeatable (the same inputs in the same order);
  # AWSMP_FUZZ_SEED=0 asks libFuzzer for a random seed when exploring by hand.
  args=(-seed="${AWSMP_FUZZ_SEED:-1}" -runs="${AWSMP_FUZZ_RUNS:-400000}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536
        -print_final_stats=1 -artifact_prefix="$artifacts/")
  [ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
  # New inputs go to the first folder (the build tree's), the committed seeds stay read-only.
  corpora=("$work")
  [ -d "$seeds" ] && corpora+=("$seeds")
  echo "== fuzz: $t for ${seconds}s"
  log=$dir/$t.log
  status=0
  "$dir/tests/fuzz/$t" "${args[@]}" "${corpora[@]}" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 || true)
  line=$(printf '%-24s execs %-10s %-20s %s' "$t" "${execs:-?}" "${cov:-cov: ?}" "${corp:-}")
  if [ "$status" -ne 0 ]; then
    echo "---- $t failed (exit $status); log tail:"
    tail -60 "$log"
    ls -1 "$artifacts" | sed "s|^|  reproducer: $artifacts/|" || true
    failed+=("$t")
    line="$line  FAILED"
  fi
  summary+=("$line")
done
echo "== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "== fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "== fuzz: no crash in ${#targets[@]} targets"
