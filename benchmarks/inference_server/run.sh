#!/usr/bin/env bash
# Loads examples/03_inference_server with wrk: the same requests with metering off, with
# metering in memory, and with the journal (durable record_usage), and prints requests/s and
# the cost of metering. Everything runs on 127.0.0.1 and stops by itself.
# Usage: benchmarks/inference_server/run.sh [build dir (build/release)] [seconds (10)] [connections (64)]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
seconds=${2:-10}
connections=${3:-64}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

"$build/tools/awsmp-emulator/awsmp-emulator" --customers 100 --product prod-demo:tokens_1m \
  --ca-file "$work/ca.pem" --log-level error > "$work/emulator.out" &
for _ in $(seq 100); do grep -q ready "$work/emulator.out" && break; sleep 0.1; done
endpoint=$(sed -n 's/.*endpoint=\([^ ]*\).*/\1/p' "$work/emulator.out")
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1 AWSMP_ENDPOINT=$endpoint AWSMP_CA_FILE=$work/ca.pem AWS_EC2_METADATA_DISABLED=true
export AWSMP_BENCH_CUSTOMERS=100

run() {  # run <label> <server args...>: prints "<label> <requests/s>"
  local label=$1
  shift
  "$build/examples/03_inference_server/03_inference_server" --port 0 --threads 1 "$@" > "$work/server.out" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do grep -q listening "$work/server.out" && break; sleep 0.1; done
  local url
  url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.out")
  local rps
  rps=$(wrk -t1 -c"$connections" -d"${seconds}s" -s benchmarks/inference_server/post.lua "$url" |
        sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
  kill -TERM "$pid"
  wait "$pid" || true
  echo "$label $rps"
}

base=$(run "no metering" --no-metering | awk '{print $NF}')
mem=$(run "metering" --journal "" | awk '{print $NF}')
jour=$(run "metering+journal" --journal "$work/usage.journal" | awk '{print $NF}')
echo
echo "03_inference_server under wrk (1 server thread, $connections connections, ${seconds} s, $(nproc) cores shared with wrk and the emulator)"
echo "| configuration | requests/s | vs no metering |"
echo "|---|---|---|"
awk -v b="$base" -v m="$mem" -v j="$jour" 'BEGIN {
  printf "| no metering | %.0f | 1.00 |\n", b
  printf "| is_entitled + record_usage (no journal) | %.0f | %.2f |\n", m, m / b
  printf "| is_entitled + record_usage (journal, durable) | %.0f | %.2f |\n", j, j / b
}'
