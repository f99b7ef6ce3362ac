#!/usr/bin/env bash
# The README's main command: sets up a fresh Debian 12 machine, builds awsmp, and runs the demo
# (the in-process AWS Marketplace emulator, a few hundred subscribers, metered traffic on a
# compressed clock, and a reconciliation table; exits non-zero if the columns disagree).
# Extra arguments go to awsmp-demo (see `awsmp-demo --help`). `scripts/demo.sh --fleet 3` runs the
# fleet demo instead: three metering processes on one DynamoDB (moto, which setup.sh installs),
# one instance and the lease holder killed and restarted mid-run, a fleet-wide reconciliation.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target awsmp-demo
exec build/release/tools/awsmp-demo/awsmp-demo "$@"
