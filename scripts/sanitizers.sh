#!/usr/bin/env bash
# Sanitizer CI: builds awsmp with clang 14 + AddressSanitizer + UndefinedBehaviorSanitizer and
# runs every unit and integration test, then builds the concurrency tests with ThreadSanitizer
# and runs them. Fails on any test failure and on any sanitizer report, even one printed by a
# process whose exit status nobody checked (reports are written to files and counted).
#
# Usage: scripts/sanitizers.sh [asan|tsan|all]   (default all)
# Environment: AWSMP_JOBS (default nproc), AWSMP_TSAN_EXTRA (ctest name regex of more tests
# to run under TSan), CCACHE_DIR. Build trees build/asan and build/tsan are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=${1:-all}
jobs=${AWSMP_JOBS:-$(nproc)}
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"

case "$mode" in asan|tsan|all) ;; *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;; esac

# clang 14 cannot emit -fsanitize=function checks inside coroutine frames ("Cannot represent a
# difference across sections"), and every awsmp operation is a coroutine: drop that one check.
# -fno-sanitize-recover turns every UBSan finding into a failing test instead of a log line.
asan_flags="-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=all -fno-omit-frame-pointer"
tsan_flags="-fsanitize=thread -fno-omit-frame-pointer"

# configure <dir> <flags> <optimisation>: one reused clang tree; examples and benchmarks are
# not tests. ASan/UBSan builds at -O0 (the build is the biggest cost of the whole CI run and
# -O0 compiles a third faster; the tests wait on sockets more than on the CPU); TSan at -O1,
# where its run time matters more than its small build.
configure() {
  local dir=$1 flags=$2 opt=$3
  cmake -S "$root" -B "$dir" -G Ninja -Wno-dev \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="$opt -gline-tables-only" \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" \
    -DAWSMP_SANITIZE= -DAWSMP_BUILD_TESTS=ON -DAWSMP_BUILD_EXAMPLES=OFF -DAWSMP_BUILD_BENCHMARKS=OFF \
    -DAWSMP_BUILD_FUZZERS=OFF >/dev/null
}

# select_tests <dir> <python predicate on (name, labels)>: prints "name<TAB>targets" per test,
# where targets are the executables the test runs: the one named like the test (the
# convention of awsmp_add_test; ctest knows no command before it is built) and any build
# output named on its command line (tools given to script tests). Only these get built.
select_tests() {
  local dir=$1 predicate=$2
  ninja -C "$dir" -t targets all | sed -n 's/^\([^:]*\): CXX_EXECUTABLE_LINKER.*/\1/p' >"$dir/executables.txt"
  ctest --test-dir "$dir" --show-only=json-v1 | python3 -c '
import json, os, re, sys
build = os.path.abspath(sys.argv[2])
outputs = [l.strip() for l in open(os.path.join(build, "executables.txt")) if l.strip()]
by_name = {os.path.basename(p): p for p in outputs}
keep = eval("lambda name, labels: " + sys.argv[1])
for t in json.load(sys.stdin).get("tests", []):
    labels = []
    for p in t.get("properties", []):
        if p.get("name") == "LABELS":
            labels = p.get("value", [])
    if not keep(t["name"], labels):
        continue
    targets = set()
    if t["name"] in by_name:
        targets.add(by_name[t["name"]])
    for word in t.get("command", []):
        if word.startswith(build + "/") and os.path.relpath(word, build) in outputs:
            targets.add(os.path.relpath(word, build))
        elif os.path.basename(word) in by_name and os.path.dirname(word).startswith(build):
            targets.add(by_name[os.path.basename(word)])
    print(t["name"] + "\t" + " ".join(sorted(targets)))
' "$predicate" "$dir"
}

# run_suite <name> <dir> <flags> <optimisation> <predicate>: build, run, then check reports.
run_suite() {
  local name=$1 dir=$2 flags=$3 opt=$4 predicate=$5
  echo "== $name: configure $dir"
  configure "$dir" "$flags" "$opt"
  local selection
  selection=$(select_tests "$dir" "$predicate")
  if [ -z "$selection" ]; then
    echo "== $name: no test selected (nothing to do)"
    return 0
  fi
  local names targets
  names=$(cut -f1 <<<"$selection" | paste -sd'|')
  targets=$(cut -f2 <<<"$selection" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
  if [ -n "${targets// /}" ]; then
    echo "== $name: building $(wc -w <<<"$targets") targets"
    # shellcheck disable=SC2086
    ninja -C "$dir" -j "$jobs" $targets
  fi
  local logs="$dir/sanitizer-reports"
  rm -rf "$logs" && mkdir -p "$logs"
  local status=0
  echo "== $name: running $(wc -l <<<"$selection") tests"
  ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:strict_init_order=1:detect_stack_use_after_return=1:check_initialization_order=1:halt_on_error=1" \
  UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1" \
  LSAN_OPTIONS="log_path=$logs/lsan" \
  TSAN_OPTIONS="log_path=$logs/tsan:halt_on_error=1:second_deadlock_stack=1" \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" -R "^($names)\$" || status=$?
  local reports
  reports=$(find "$logs" -type f -size +0 | sort)
  if [ -n "$reports" ]; then
    echo "== $name: sanitizer reports:"
    while read -r f; do echo "---- $f"; cat "$f"; done <<<"$reports"
    status=1
  fi
  if [ "$status" -ne 0 ]; then
    echo "== $name: FAILED"
    return 1
  fi
  echo "== $name: passed, no sanitizer report"
}

failed=0
if [ "$mode" = asan ] || [ "$mode" = all ]; then
  run_suite "asan+ubsan" build/asan "$asan_flags" -O0 \
    '"unit" in labels or "integration" in labels' || failed=1
fi
if [ "$mode" = tsan ] || [ "$mode" = all ]; then
  extra=${AWSMP_TSAN_EXTRA:-}
  run_suite "tsan" build/tsan "$tsan_flags" -O1 \
    "\"concurrency\" in labels or re.match(r\"(unit|integration)_concurrency\", name) is not None or (\"$extra\" != \"\" and re.search(r\"$extra\", name) is not None)" || failed=1
fi
exit $failed
