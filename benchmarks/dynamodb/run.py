#!/usr/bin/env python3
"""Client CPU per DynamoDB call: awsmp-bench-dynamodb and the AWS SDK for JavaScript v3 peer
(bench_js.mjs), in the same run, against the same server process, alternately for --rounds
rounds (median reported). Target: awsmp <= 1/10 of the SDK's CPU per call.

Two servers (--servers loopback,moto):
  loopback  loopback_dynamodb.py: keep-alive, canned answers at once; the server is not the
            bottleneck and both clients reuse one connection (the like-for-like measure).
  moto      moto's DynamoDB, which closes every connection: each call pays a new TCP
            connection in both clients (the earlier measure, kept for comparison).

usage: benchmarks/dynamodb/run.py --bench build/release/benchmarks/dynamodb/awsmp-bench-dynamodb
          [--node-modules build/node/node_modules] [--calls 2000] [--rounds 3]
          [--servers loopback,moto]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def start(script):
    proc = subprocess.Popen([sys.executable, script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        proc.kill()
        raise SystemExit(f"{script} did not start: {line}")
    return proc, f"http://127.0.0.1:{line.split()[1]}"


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, timeout=600).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(server, a):
    script = (os.path.join(here, "loopback_dynamodb.py") if server == "loopback"
              else os.path.join(root, "tests", "support", "moto_server.py"))
    proc, endpoint = start(script)
    env = dict(os.environ, NODE_PATH=a.node_modules)
    ours, theirs = [], []
    try:
        # The SDK peer needs its table; awsmp creates it (same schema) first (a no-op on loopback).
        run_json([a.bench, "--endpoint", endpoint, "--calls", "1", "--table", "bench-js"])
        for _ in range(a.rounds):
            ours.append(run_json([a.bench, "--endpoint", endpoint, "--calls", a.calls, "--table", "bench-awsmp"]))
            theirs.append(run_json(["node", os.path.join(here, "bench_js.mjs"), "--endpoint", endpoint,
                                    "--calls", a.calls, "--table", "bench-js"], env=env))
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    o = statistics.median(r["cpu_us_per_call"] for r in ours)
    t = statistics.median(r["cpu_us_per_call"] for r in theirs)
    for r in ours + theirs:
        print(json.dumps(dict(r, server=server)))
    ratio = o / t
    summary = {"server": server, "calls_per_run": 2 * int(a.calls), "rounds": a.rounds,
               "awsmp_cpu_us_per_call": round(o, 2), "sdk_cpu_us_per_call": round(t, 2),
               "cpu_per_call_ratio_awsmp_over_sdk": round(ratio, 4), "target": 0.1, "met": ratio <= 0.1}
    print(json.dumps(summary), flush=True)
    return summary


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--bench", required=True)
    p.add_argument("--node-modules", default=os.path.join(root, "build", "node", "node_modules"))
    p.add_argument("--calls", default="2000")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--servers", default="loopback,moto")
    a = p.parse_args()
    for server in a.servers.split(","):
        measure(server, a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
