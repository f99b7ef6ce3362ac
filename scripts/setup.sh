#!/usr/bin/env bash
# Installs everything awsmp's build, tests, demo and benchmarks need on a fresh Debian 12.
# Idempotent: a second run only confirms what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential g++ clang lld-14 libclang-rt-14-dev cmake ninja-build ccache git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-test1.81-dev
  libssl-dev openssl libsqlite3-dev libbenchmark-dev
  python3 python3-boto3 python3-botocore wrk curl ca-certificates clang-format-14
)
# node + npm: this machine kind ships Node.js 20 (with npm) from NodeSource; Debian's own npm
# package would conflict with it, so Debian's nodejs + npm are installed only when node is absent.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
# moto (the interop_moto peer and the moto_server of the DynamoDB and SQS tests) is not
# packaged by Debian 12: pip installs it (with its server extra) below, only when the python3
# the tests use cannot import it. The tests fail, never skip, without it.
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log"
    echo "setup: apt-get failed" >&2
    exit 1
  fi
  rm -f "$log"
fi

# The AWS SDK for JavaScript v3 clients for the interop tests and the benchmark peers, kept
# inside the build tree (never committed).
node_dir=build/node
if [ ! -d "$node_dir/node_modules/@aws-sdk/client-marketplace-metering" ] ||
   [ ! -d "$node_dir/node_modules/@aws-sdk/client-marketplace-entitlement-service" ] ||
   [ ! -d "$node_dir/node_modules/@aws-sdk/client-dynamodb" ]; then
  mkdir -p "$node_dir"
  echo "setup: npm install of the AWS SDK for JavaScript v3 into $node_dir"
  npm install --silent --no-audit --no-fund --prefix "$node_dir" \
    @aws-sdk/client-marketplace-metering @aws-sdk/client-marketplace-entitlement-service \
    @aws-sdk/client-dynamodb >/dev/null
fi

# pip only when missing: this machine image's python3 normally has moto 5.2.
if ! python3 -c 'import moto, moto.server, moto.dynamodb, moto.sqs' >/dev/null 2>&1; then
  echo "setup: pip install of moto[server] (the DynamoDB and SQS peer of the tests)"
  python3 -m pip install --quiet 'moto[server]>=5.2,<6' ||
    python3 -m pip install --quiet --break-system-packages 'moto[server]>=5.2,<6'
fi
