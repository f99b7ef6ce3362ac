#!/usr/bin/env python3
"""Client CPU per DynamoDB call: awsmp-bench-dynamodb and the AWS SDK for JavaScript v3 peer,
in the same run, against one moto server on loopback. Prints both JSON lines and the ratio
(target: awsmp <= 1/10 of the SDK's CPU per call).

usage: benchmarks/dynamodb/run.py --bench build/release/benchmarks/dynamodb/awsmp-bench-dynamodb
                                  [--node-modules build/node/node_modules] [--calls 2000]
"""
import argparse
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--bench", required=True)
    p.add_argument("--node-modules", default=os.path.join(root, "build", "node", "node_modules"))
    p.add_argument("--calls", default="2000")
    a = p.parse_args()
    moto = subprocess.Popen([sys.executable, os.path.join(root, "tests", "support", "moto_server.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = moto.stdout.readline().strip()
        if not line.startswith("READY "):
            print(f"moto did not start: {line}", file=sys.stderr)
            return 1
        endpoint = f"http://127.0.0.1:{line.split()[1]}"
        ours = json.loads(subprocess.run([a.bench, "--endpoint", endpoint, "--calls", a.calls, "--table", "bench-awsmp"],
                                         check=True, capture_output=True, text=True).stdout)
        # The SDK peer needs the table too; awsmp creates it (same schema) before the JS run.
        subprocess.run([a.bench, "--endpoint", endpoint, "--calls", "1", "--table", "bench-js"], check=True, capture_output=True)
        env = dict(os.environ, NODE_PATH=a.node_modules)
        theirs = json.loads(subprocess.run(["node", os.path.join(here, "bench_js.mjs"), "--endpoint", endpoint,
                                            "--calls", a.calls, "--table", "bench-js"],
                                           check=True, capture_output=True, text=True, env=env).stdout)
    finally:
        moto.stdin.close()
        moto.wait(timeout=30)
    print(json.dumps(ours))
    print(json.dumps(theirs))
    ratio = ours["cpu_us_per_call"] / theirs["cpu_us_per_call"]
    print(json.dumps({"cpu_per_call_ratio_awsmp_over_sdk": round(ratio, 4), "target": 0.1, "met": ratio <= 0.1}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
