#!/usr/bin/env bash
# The README's main command: sets up a fresh Debian 12 machine, builds awsmp, and runs the demo
# (the in-process AWS Marketplace emulator, a few hundred subscribers, metered traffic on a
# compressed clock, and a reconciliation table; exits non-zero if the columns disagree).
# Extra arguments go to awsmp-demo (see `awsmp-demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DAWSMP_WERROR=ON >/dev/null
cmake --build build/release -j "$(nproc)" --target awsmp-demo
exec build/release/tools/awsmp-demo/awsmp-demo "$@"
